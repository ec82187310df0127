"""Pooled procurement's figures for the hub dashboards (tenders run, bids per lot, split awards, savings)."""
