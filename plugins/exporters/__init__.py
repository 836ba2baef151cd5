"""Document exporters (e-invoices)."""
