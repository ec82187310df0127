"""Orders: a buyer's checkout split into one order per producer, and each order's lifecycle."""
