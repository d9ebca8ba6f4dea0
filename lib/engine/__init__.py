"""The engine: loading encoders, naming sites, scoped hooks, clean/masked/patched runs, drift.

Knows nothing of data sets, worlds or claims: it takes pixel tensors and token masks and returns
hidden states and tidy drift/rescue rows.
"""
