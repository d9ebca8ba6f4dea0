"""What a claim is (`unit.py`), how claims are found (`catalogue.py`), and what their checks share: the verdict,
the table source and the readers of measurement tables. Never runs a model."""
