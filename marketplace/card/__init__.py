"""Card payments of checkouts through Stripe Connect: producers' payout accounts, charges, transfers, refunds."""
