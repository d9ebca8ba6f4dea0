"""Root pytest configuration shared by the harness self-tests (tests/) and the claims (claims/)."""
from __future__ import annotations

import pytest

from jepa_claims.engine.hooks import leftover_hooks


@pytest.fixture(autouse=True)
def no_hook_left_behind():
    """Fail any test after which a tracked model still carries a forward hook."""
    yield
    left = leftover_hooks()
    assert not left, f"hooks left on models after the test: {left}"
