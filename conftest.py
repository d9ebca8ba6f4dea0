"""Root pytest configuration shared by the harness self-tests (tests/) and the claims (claims/).

The suite's options, parametrization and record come from the package's pytest plugin
(jepa_claims.suite.plugin, entry point `pytest11`); its fixtures from the fixtures/ package.
"""
from __future__ import annotations

import pytest

from jepa_claims.engine.hooks import leftover_hooks

pytest_plugins = ["fixtures.world", "fixtures.claims"]


@pytest.fixture(autouse=True)
def no_hook_left_behind():
    """Fail any test after which a tracked model still carries a forward hook."""
    yield
    left = leftover_hooks()
    assert not left, f"hooks left on models after the test: {left}"
