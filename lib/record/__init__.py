"""The replication record: the pytest plugin that collects verdicts (`plugin.py`), the JSON record
(`summary.py`), its HTML (`html.py`), figures, provenance, and the README screenshot."""
