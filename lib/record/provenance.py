"""Provenance of a replication run: what ran, on what, with which code, conventions and inputs.

Everything here is read, never computed: git state, installed versions, the world's checkpoints
(source, pinned and resolved revision), slice manifest hashes, conventions, and the model work this
run logged (`tables.worklog.forwards_of_run`) with the cache repairs it made. Each item that cannot
be read is recorded as an error string, so the report always renders.
"""
from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("torch", "transformers", "huggingface_hub", "safetensors", "numpy", "scipy", "pandas", "pyarrow",
            "matplotlib", "pytest", "pytest-xdist", "pytest-html")
REPO = Path(__file__).resolve().parent.parent


def _error(exc: BaseException) -> str:
    """One line naming an exception."""
    text = str(exc).strip().splitlines()
    return f"unavailable: {type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _changed_files(porcelain_z: str) -> list[str]:
    """Paths of `git status --porcelain -z` (NUL-separated, so the two status columns stay intact)."""
    entries, changed = iter(porcelain_z.split("\0")), []
    for entry in entries:
        if entry:
            changed.append(entry[3:])
            if entry[0] in "RC":  # a rename or copy is followed by its source path
                next(entries, None)
    return changed


def git_state(repo: Path = REPO) -> dict:
    """Commit, branch and dirty flag of the repository the suite runs from."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=20).stdout

    try:
        changed = _changed_files(git("status", "--porcelain", "-z", "--untracked-files=no"))
        return {"commit": git("rev-parse", "HEAD").strip(), "branch": git("rev-parse", "--abbrev-ref", "HEAD").strip(),
                "dirty": bool(changed), "changed_files": changed}
    except (OSError, subprocess.SubprocessError) as exc:
        return {"commit": _error(exc), "branch": None, "dirty": None, "changed_files": []}


def package_versions(names=PACKAGES) -> dict:
    """Installed version of each package (None when not installed)."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def device_info(device: str) -> dict:
    """The device the claims ran on, with the accelerator's name when there is one."""
    info = {"device": device, "platform": platform.platform(), "machine": platform.machine()}
    if device.startswith("cuda") and "torch" in sys.modules:
        torch = sys.modules["torch"]
        try:
            index = torch.device(device).index or 0
            info |= {"accelerator": torch.cuda.get_device_name(index), "cuda": torch.version.cuda,
                     "gpus": torch.cuda.device_count()}
        except Exception as exc:  # noqa: BLE001 - provenance must never stop the report
            info["accelerator"] = _error(exc)
    return info


def checkpoint_rows(world, cache_dir: Path, used: set[str]) -> list[dict]:
    """Every checkpoint of the world: source, pinned revision, and the resolved identity of those used.

    The identity (`checkpoints.checkpoint_identity`) is read only for checkpoints this run touched: for
    a toy checkpoint it would otherwise build the weights, which the report must never do.
    """
    from jepa_claims.worlds.checkpoints import checkpoint_identity

    rows = []
    for spec in world.checkpoints:
        row = {"key": spec.key, "family": spec.family, "label": spec.label, "source": spec.source,
               "pinned_revision": spec.revision}
        if spec.key in used or world.name == "paper":
            try:
                row["resolved"] = checkpoint_identity(spec, cache_dir)
            except Exception as exc:  # noqa: BLE001
                row["resolved"] = _error(exc)
        else:
            row["resolved"] = "not used in this run"
        rows.append(row)
    return rows


def manifest_rows(store, slices) -> list[dict]:
    """Per slice: the sha256 of its manifest and how many images it holds."""
    rows = []
    for name in slices:
        try:
            manifest = store.manifest(name)
            unreadable = [s["image_id"] for s in manifest.header.get("skipped", []) if s["reason"].startswith("unreadable")]
            rows.append({"slice": name, "sha256": manifest.sha256, "images": len(manifest.records), "unreadable_skipped": unreadable})
        except Exception as exc:  # noqa: BLE001
            rows.append({"slice": name, "sha256": _error(exc), "images": None, "unreadable_skipped": []})
    return rows


def role_rows(store, used: set[str]) -> dict:
    """The layers that played the paper's roles in each checkpoint this run used (windows scale with depth)."""
    from dataclasses import asdict

    rows = {}
    for key in sorted(k for k in used if k):
        try:
            rows[key] = asdict(store.roles(key))
        except Exception as exc:  # noqa: BLE001
            rows[key] = {"error": _error(exc)}
    return rows


def checkpoint_keys(used: set[str | None]) -> set[str]:
    """Single checkpoint keys from the cells' checkpoint fields (a cell over several, like P6's Holm
    family, names them joined by commas)."""
    return {part for cell in used if cell for part in cell.split(",") if part}


def collect(config, options, world, store, used_checkpoints: set[str], processes: dict | None = None) -> dict:
    """The provenance block of the record, from the pytest config, the suite's options and world, and the (read-only) table store."""
    used_checkpoints = checkpoint_keys(used_checkpoints)
    from jepa_claims.stats.paired import settings
    from jepa_claims.cache import code_version
    from jepa_claims.tables.worklog import forwards_of_run
    from jepa_claims.tables.probes import untrained_seeds

    try:
        work = forwards_of_run(options.cache_dir, options.run_id)
    except Exception as exc:  # noqa: BLE001
        work = {"forwards": None, "tables_computed": None, "entries": [], "error": _error(exc)}
    try:
        conventions, layer_reading = store.conv.as_dict(), store.conv.reading.sentence
    except Exception as exc:  # noqa: BLE001
        conventions, layer_reading = {"error": _error(exc)}, _error(exc)
    try:
        code = code_version()
    except Exception as exc:  # noqa: BLE001
        code = _error(exc)
    return {
        "world": world.name,
        "run_id": options.run_id,
        "command": "pytest " + " ".join(str(a) for a in config.invocation_params.args),
        "git": git_state(),
        "packages": package_versions(),
        "device": device_info(options.device),
        "dtype": options.dtype,
        "untrained_seeds": list(untrained_seeds(options.untrained_seeds)),  # P1: init seeds of the untrained architectures
        "data_root": str(world.data_root),
        "cache_dir": str(options.cache_dir),
        "code_version": code,
        "checkpoints": checkpoint_rows(world, Path(options.cache_dir), used_checkpoints),
        "manifests": manifest_rows(store, world.slices),
        "conventions": conventions,
        "layer_reading": layer_reading,
        "statistics": settings(),
        "roles": role_rows(store, used_checkpoints),
        "processes": dict(sorted((processes or {}).items())),
        "cache_repairs": {"tables_recomputed": work.get("recomputed", []), "log_lines_skipped": work.get("log_lines_skipped", [])},
        "model_work": {"forwards": work.get("forwards"), "tables_computed": work.get("tables_computed"),
                       "computed_twice": work.get("computed_twice"),
                       "tables": [{k: e.get(k) for k in ("table", "kind", "checkpoint", "slice", "forwards", "seconds")}
                                  for e in work.get("entries", [])]},
    }
