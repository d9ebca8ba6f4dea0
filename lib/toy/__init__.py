"""The toy world's encoders: small I-JEPA / MAE / BEiT models whose weights are set by code with a
planted mechanism (`models.py`, `weights.py`), and the variants that break each claim (`variants.py`)."""
