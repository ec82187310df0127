"""A person's cart: what they mean to order, kept across sign-ins until they check it out."""
