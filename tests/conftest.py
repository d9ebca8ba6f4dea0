"""Fixtures shared by the harness self-tests."""
from __future__ import annotations

import pytest

from jepa_claims.engine.builders import build_model, save_pretrained_layout, tiny_config
from jepa_claims.engine.cpu import share_of_cores, use_threads
from jepa_claims.engine.models import ProcessorGeometry, load_encoder
from planted_records import planted_run

FAMILIES = ("ijepa", "vit_mae", "beit")
TINY_GEOMETRY = ProcessorGeometry(size=56, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


def pytest_configure(config: pytest.Config) -> None:
    """Each xdist worker of the self-tests takes its share of the cores (lib/engine/cpu.py says why)."""
    worker = getattr(config, "workerinput", None)
    use_threads(share_of_cores(int(worker.get("workercount", 1)) if worker else 1))


@pytest.fixture(scope="session")
def tiny_encoders(tmp_path_factory) -> dict:
    """One tiny random encoder per family, saved in the HF layout and loaded back (lazily built once)."""
    encoders = {}
    for seed, family in enumerate(FAMILIES):
        model = build_model(family, tiny_config(family), seed=seed, jitter=0.02)
        directory = save_pretrained_layout(model, tmp_path_factory.mktemp(family), TINY_GEOMETRY)
        encoders[family] = load_encoder(str(directory))
    return encoders


@pytest.fixture(params=FAMILIES)
def tiny_encoder(request, tiny_encoders):
    """Each family's tiny encoder in turn."""
    return tiny_encoders[request.param]


@pytest.fixture
def planted() -> tuple[dict, dict, list]:
    """A planted run for the record's builder (tests/planted_records.py): C4 on three slices, one FAIL, and the rest."""
    return planted_run()
