"""Worlds: which checkpoints and data a run checks (`world.py`), and how a checkpoint becomes an encoder
on disk and in memory (`checkpoints.py`: the HF cache, a user's folder, the toy builder, random init)."""
