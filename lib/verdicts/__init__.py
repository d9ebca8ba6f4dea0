"""Verdicts: statistics (`stats.py`), the paper's numbers with provenance (`paper_values.py`), and pure
functions from tables to a claim's verdict (`common.py`, `checks.py`, `numeric.py`). Never runs a model."""
