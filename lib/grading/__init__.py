"""Grading a claim cell: direction (its paired test), magnitude (numeric agreement) and diagnostic (P1)."""
