"""Finding the claims and probes: every module of a suite folder that defines a `CLAIM` or a `PROBE`.

A claim is one file (`claims/test_c06_late_pathway.py` defines `CLAIM = Claim(...)`), a probe likewise
(`PROBE = Probe(...)`). `load(folder)` imports each `test_*.py` of the folder under the name pytest gives it
(the file's stem, the folder on sys.path: the folder has no `__init__.py`), so that the run's tests and
every reader of the catalogue (census, P1, P3, numeric agreement, the record, the docs) share one object per
claim. Adding a claim is adding a file; nothing else keeps a list.
"""
from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Iterator

from jepa_claims.claim.unit import Claim, Probe

CLAIM_ID = re.compile(r"C(\d+)")
PROBE_ID = re.compile(r"P(\d+)")


def sort_key(unit_id: str) -> tuple:
    """Numbered ids in number order (2 before 10), claims before probes; anything else after, by name."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", unit_id or "")
    return (match.group(1), int(match.group(2))) if match else ("~", 0, unit_id)


class Catalogue:
    """The claims and probes of a suite, by id, in id order; an id defined twice is an error."""

    def __init__(self, claims: tuple[Claim, ...] = (), probes: tuple[Probe, ...] = (), modules: dict[str, str] | None = None) -> None:
        self._claims = _by_id(claims, "claim")
        self._probes = _by_id(probes, "probe")
        self._modules = dict(modules or {})  # unit id -> the stem of the module that defines it

    def module_of(self, unit_id: str) -> str:
        """The stem of the module that defines a claim or probe ("" when it was not loaded from a folder)."""
        return self._modules.get(unit_id, "")

    def get(self, claim_id: str) -> Claim:
        """The claim with this id, or an error naming the known ones."""
        if claim_id not in self._claims:
            raise KeyError(f"unknown claim {claim_id}; known: {', '.join(self._claims) or 'none'}")
        return self._claims[claim_id]

    def probe(self, probe_id: str) -> Probe:
        """The probe with this id, or an error naming the known ones."""
        if probe_id not in self._probes:
            raise KeyError(f"unknown probe {probe_id}; known: {', '.join(self._probes) or 'none'}")
        return self._probes[probe_id]

    def __iter__(self) -> Iterator[Claim]:
        return iter(self._claims.values())

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims

    def __len__(self) -> int:
        return len(self._claims)

    def ids(self) -> list[str]:
        """Claim ids, in id order."""
        return list(self._claims)

    def probes(self) -> list[Probe]:
        """The probes, in id order."""
        return list(self._probes.values())


def _by_id(units, what: str) -> dict:
    """Units by id in id order, refusing an id twice."""
    found: dict = {}
    for unit in units:
        if unit.id in found:
            raise ValueError(f"{what} {unit.id} is defined twice")
        found[unit.id] = unit
    return dict(sorted(found.items(), key=lambda kv: sort_key(kv[0])))


def suite_module(path: Path) -> ModuleType:
    """The module of one suite file, imported once under the name pytest imports it by (its stem)."""
    path = path.resolve()
    loaded = sys.modules.get(path.stem)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() == path:
        return loaded
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # what pytest's default import mode does for a folder without __init__
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(path.stem, None)
        raise
    return module


@cache
def load(*folders: Path) -> Catalogue:
    """The claims and probes defined by the `test_*.py` modules of these folders."""
    claims, probes, modules = [], [], {}
    for folder in folders:
        if not Path(folder).is_dir():
            raise FileNotFoundError(f"claim suite folder {folder} does not exist")
        for path in sorted(Path(folder).glob("test_*.py")):
            module = suite_module(path)
            for name, kind, found in (("CLAIM", Claim, claims), ("PROBE", Probe, probes)):
                unit = getattr(module, name, None)
                if isinstance(unit, kind):
                    found.append(unit)
                    modules[unit.id] = path.stem
    return Catalogue(tuple(claims), tuple(probes), modules)


def repository_suite() -> Path:
    """The claim suite of this repository's checkout (`claims/` beside `lib/`); an error saying so where this package
    was installed from a wheel (no checkout beside it: a pytest run of the suite names its claims/ itself)."""
    suite = Path(__file__).resolve().parents[2] / "claims"
    if not suite.is_dir():
        raise FileNotFoundError(f"no claim suite beside this package ({suite} does not exist): jepa_claims was "
                                "installed from a wheel; run from a checkout (pip install -e .), where claims/ lies "
                                "beside lib/")
    return suite
