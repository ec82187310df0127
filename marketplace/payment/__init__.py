"""Payments of orders: invoices on the hub's net terms (and card payments through Stripe)."""
