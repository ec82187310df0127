"""Invoices and credit notes as legal documents: PDF, EN 16931 e-invoices (XRechnung, Factur-X)."""
