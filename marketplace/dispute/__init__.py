"""Disputes: a buyer contests a delivered order, the producer answers, a hub coordinator decides."""
