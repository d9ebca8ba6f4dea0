"""Data layer: official-layout readers (pets, voc), records and samples, balanced slices, synthetic
scenes in the official layouts, and the `fetch` backend.

Kept light on purpose: slices (which needs the token-grid code, hence torch) and fetch are imported
from their own modules, so `python -m jepa_claims.data.fetch` does not load torch.
"""
from jepa_claims.data.files import DataError
from jepa_claims.data.samples import Record, Sample, load_sample

__all__ = ["DataError", "Record", "Sample", "load_sample"]
