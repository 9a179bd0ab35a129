"""The dashboard's forms, one module per resource: they parse what a page posts; services decide."""
