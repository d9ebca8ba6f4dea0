"""Tables: the paper's experiments as tidy measurement tables (`protocols.py`, the probes' extra
protocols in `probes.py`), cached on disk and shared between workers (`store.py`), and exported as
CSV by `jepa-claims measure` (`export.py`). Vocabulary: a *protocol* computes a *table*; the
*store* caches tables; *export* writes one to a file."""
