"""The recorder: the replication record at the top of the HTML report, and its JSON sidecar.

Registered by the suite's plugin (lib/suite/plugin.py), which hands it the run's options and world
once it has resolved them. What it does, by process:

* every process that collects (the only one without xdist; each worker with it): a catalogue of the
  claim, probe and numeric tests (node id, claim or probe id, checkpoint, slice, the module's quoted
  paper sentence, the test's docstring). Workers hand it to the controller in `workeroutput`.
* the controller: the outcome of every test and the `verdict` / `numeric` / `probe` / `diagnostic`
  (P1's per-cell finding) properties the tests recorded (they arrive from the workers in the test
  reports); at session end it builds the record (`record.build_record`), adds provenance, regenerates the figures from the tables already in
  the cache (it never computes one), writes `stats_summary.json` beside the HTML report, and hands
  the rendered record to pytest-html (`pytest_html_results_summary`), whose report it tops. A run
  that never resolved the world (not the claim suite) writes nothing.
"""
from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Callable

import pytest

from jepa_claims.claim.unit import Claim, Probe

CATALOGUE_KEY = "jepa_claims_catalogue"
PROCESS_KEY = "jepa_claims_process"
SUMMARY_NAME = "stats_summary.json"
PLUGIN_NAME = "jepa-claims-record"
RECORDED = ("verdict", "numeric", "probe", "diagnostic")  # the record_property names the record reads
XDIST_GROUP_SUFFIX = re.compile(r"@[^@/\[\]:]+$")  # "...[ijepa_1k-8x3]@ijepa_1k" -> "...[ijepa_1k-8x3]"


def _doc(obj) -> str:
    """A docstring, stripped."""
    return (getattr(obj, "__doc__", None) or "").strip()


def _marked(node: pytest.Item, name: str, kind: type, constant: str):
    """The unit a test's `name` marker carries (None without the marker); anything else is a usage error."""
    marker = node.get_closest_marker(name)
    if marker is None:
        return None
    if not (marker.args and isinstance(marker.args[0], kind)):
        raise pytest.UsageError(f"{node.nodeid}: the {name} marker carries the module's {name}: {constant} = "
                                f"{kind.__name__}(...) and pytestmark = pytest.mark.{name}({constant}) (lib/claim/unit.py)")
    return marker.args[0]


def marked_claim(node: pytest.Item) -> Claim | None:
    """The claim a test's `claim` marker carries (None without the marker)."""
    return _marked(node, "claim", Claim, "CLAIM")


def marked_probe(node: pytest.Item) -> Probe | None:
    """The probe a test's `probe` marker carries (None without the marker)."""
    return _marked(node, "probe", Probe, "PROBE")


def catalogue_entry(item: pytest.Item) -> dict | None:
    """What the record needs to know about one collected test (JSON-ready, picklable by execnet)."""
    claim = marked_claim(item)
    probe = marked_probe(item)
    params = getattr(getattr(item, "callspec", None), "params", {})
    cell, param_claim = params.get("cell"), params.get("claim")
    if not (claim or probe or cell is not None):
        return None
    return {"module": item.module.__name__ if getattr(item, "module", None) else "", "doc": _doc(getattr(item, "function", None)),
            "claim": claim.id if claim else None,
            "paper_cells": claim.numeric_cells(params["checkpoint"], params["slice_name"]) if claim and params.get("checkpoint") else [],
            "probe": probe.id if probe else None, "probe_unit": probe.describe() if probe else None,
            "checkpoint": params.get("checkpoint"), "slice": params.get("slice_name"),
            "param_claim": param_claim.id if isinstance(param_claim, Claim) else param_claim if isinstance(param_claim, str) else None,
            "cell": getattr(cell, "id", None) if cell is not None else None,
            "other_claims": probe.other_claims if probe else None,
            "sentences": dict(getattr(getattr(item, "module", None), "SENTENCES", {})) if cell is not None else {}}


def plain_id(nodeid: str) -> str:
    """A test's id without the `@group` suffix xdist's loadgroup adds on workers, so that the record
    names each test the same way under -n 4 and -n 0."""
    return XDIST_GROUP_SUFFIX.sub("", nodeid)


def build_catalogue(items) -> dict:
    """Catalogue of the collected claim, probe and numeric tests, their modules' docstrings, and each collected
    claim's definition (lib/claim/unit.py `Claim.describe`)."""
    out: dict = {"items": {}, "modules": {}, "claims": {}}
    for item in items:
        entry = catalogue_entry(item)
        if entry is None:
            continue
        out["items"][plain_id(item.nodeid)] = entry
        out["modules"].setdefault(entry["module"], {"doc": _doc(getattr(item, "module", None))})
        for claim in (marked_claim(item), getattr(getattr(item, "callspec", None), "params", {}).get("claim")):
            if isinstance(claim, Claim):
                out["claims"].setdefault(claim.id, claim.describe())
    return out


def outcome_of(report: pytest.TestReport) -> dict:
    """Outcome of one phase, with the reason of a skip or the last line of an error."""
    reason = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    elif report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        reason = crash.message if crash is not None else str(report.longrepr).strip().splitlines()[-1:][0] if report.longrepr else ""
    return {"outcome": report.outcome, "when": report.when, "reason": reason.strip()[:400]}


class Recorder:
    """Gathers the catalogue, outcomes and recorded properties; writes the record (controller)."""

    def __init__(self, config: pytest.Config, state: Callable[[], tuple | None], store: Callable[[], object]):
        self.config = config
        self.state = state  # () -> (SuiteOptions, World) once the suite resolved them, else None
        self.store = store  # () -> the run's TableStore; the record only reads its cache (never computes)
        self.worker = hasattr(config, "workerinput")
        self.catalogue: dict = {"items": {}, "modules": {}, "claims": {}}
        self.outcomes: dict[str, dict] = {}
        self.records: list[dict] = []
        self.processes: dict[str, dict] = {}  # where each process ran: device and torch threads
        self.html: str | None = None
        self.record: dict | None = None

    # ---------------------------------------------------------------- collection (worker or single process)
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items) -> None:
        """Catalogue what was collected; a worker sends it to the controller."""
        catalogue = build_catalogue(items)
        self._merge(catalogue)
        if self.worker:
            config.workeroutput[CATALOGUE_KEY] = json.loads(json.dumps(catalogue, default=str))
            config.workeroutput[PROCESS_KEY] = process_info(self.state())
        else:
            self.processes["main"] = process_info(self.state())

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """xdist controller: the catalogue a worker collected, and where it ran."""
        output = getattr(node, "workeroutput", {})
        self._merge(output.get(CATALOGUE_KEY) or {})
        if PROCESS_KEY in output:
            self.processes[output.get("workerid", node.gateway.id)] = output[PROCESS_KEY]

    def _merge(self, catalogue: dict) -> None:
        self.catalogue["items"].update(catalogue.get("items", {}))
        self.catalogue["modules"].update(catalogue.get("modules", {}))
        self.catalogue["claims"].update(catalogue.get("claims", {}))

    # ---------------------------------------------------------------- results (controller)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep each test's outcome and the properties it recorded (xdist worker reports arrive here too)."""
        if self.worker:
            return
        nodeid = plain_id(report.nodeid)
        if report.when == "call" or report.outcome != "passed":
            previous = self.outcomes.get(nodeid)
            if previous is None or previous["outcome"] == "passed" or report.when == "call":
                self.outcomes[nodeid] = outcome_of(report)
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name in RECORDED and isinstance(value, dict):
                self.records.append({"kind": name, "test": nodeid, "outcome": report.outcome, **value})

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Build the record and write the JSON (before pytest-html renders, which is trylast)."""
        state = self.state()
        if self.worker or state is None or self.config.option.collectonly:
            return  # not the claim suite; or a listing (--collect-only), which must not overwrite the last run's record
        started = time.perf_counter()
        self.record = assemble(self.config, state, self.store, self.catalogue, self.outcomes, self.records, self.processes)
        images = self.record.pop("_images", {})
        from jepa_claims.record.html import render

        self.record["report_seconds"] = round(time.perf_counter() - started, 3)
        self.html = render(self.record, images)
        from jepa_claims.cache import write_atomic

        write_atomic(summary_path(self.config), (json.dumps(self.record, indent=1, default=str, allow_nan=False) + "\n").encode())

    def pytest_terminal_summary(self, terminalreporter) -> None:
        """The claims x grades table closes the run (and goes to summary.md beside the record)."""
        if self.worker or self.record is None:
            return
        from jepa_claims.record.terminal import write_summary

        text = write_summary(self.record, summary_path(self.config).parent)
        terminalreporter.write_sep("=", "replication record")
        terminalreporter.write_line(text.rstrip("\n"))

    # ---------------------------------------------------------------- pytest-html
    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report) -> None:
        """The report's title says what it is, and says it is not a replication in the toy world."""
        state = self.state()
        if state is None:
            return
        world = state[1]
        prefix = "" if world.name == "paper" else f"{world.name.upper()} WORLD (not a replication) - "
        report.title = f"{prefix}Replication record: A Late Semantic Repair Pathway in I-JEPA's Visual World Model"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix, summary, postfix, session) -> None:
        """The record goes first in the summary: the top of the report."""
        if self.html:
            prefix.insert(0, self.html)


def summary_path(config: pytest.Config) -> Path:
    """stats_summary.json beside the HTML report (reports/ when there is none)."""
    html = getattr(config.option, "htmlpath", None)
    folder = Path(html).expanduser().parent if html else Path("reports")
    return (folder if folder.is_absolute() else Path(config.invocation_params.dir) / folder) / SUMMARY_NAME


def _world_dict(world, cache_dir: Path) -> dict:
    from jepa_claims.worlds.trained import training_rows

    return {"name": world.name, "banner": world.banner, "slices": list(world.slices), "data_root": str(world.data_root),
            "checkpoints": [{"key": c.key, "family": c.family, "label": c.label, "source": c.source,
                             "stands_for": c.stands_for, "confirmation_slices": list(world.confirmation_slices(c.key))}
                            for c in world.checkpoints],
            "variants": world.notes.get("variants", []), "training": training_rows(world, Path(cache_dir))}


def _curve_images(training: list[dict]) -> dict:
    """The trained world's loss curves (PNGs saved beside the checkpoints) as base64, by `training:<key>`."""
    return {f'training:{r["key"]}': base64.b64encode(Path(r["curve"]).read_bytes()).decode("ascii")
            for r in training if r.get("trained") and Path(r["curve"]).is_file()}


def process_info(state: tuple | None) -> dict:
    """The device and torch CPU threads this process ran its claims with."""
    import torch

    return {"device": state[0].device if state else None, "torch_threads": torch.get_num_threads()}


def assemble(config: pytest.Config, state: tuple, store_of_run: Callable[[], object], catalogue: dict, outcomes: dict,
             records: list[dict], processes: dict) -> dict:
    """The full record: verdicts, Holm, numeric, probes, provenance, figures (plotted numbers + PNGs)."""
    from dataclasses import asdict

    from jepa_claims.paper import values as pv
    from jepa_claims.record.figures import CachedSource, draw, figure_data
    from jepa_claims.record.paper_tables import paper_tables
    from jepa_claims.record.provenance import collect
    from jepa_claims.record.sentences import sentence_rows
    from jepa_claims.record.summary import build_record, clean, conventions_note, sentence_tests

    options, world = state
    record = build_record(catalogue, outcomes, records, _world_dict(world, options.cache_dir))
    record["generated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    record["paper_notes"] = {k: asdict(v) for k, v in pv.NOTES.items()}
    record["sentences"] = sentence_rows(record, tests=sentence_tests(catalogue))
    used = {r.get("checkpoint") for r in records} | {c["checkpoint"] for c in record["matrix"].values() if c["status"] in ("PASS", "FAIL")}
    try:
        store = store_of_run()
    except Exception as exc:  # noqa: BLE001 - the record must render whatever failed
        store, record["store_error"] = None, f"{type(exc).__name__}: {exc}"
    record["provenance"] = clean(collect(config, options, world, store, used, processes)) if store is not None else None
    record["conventions_note"] = conventions_note((record["provenance"] or {}).get("conventions"))
    figures, images = [], {}
    if store is not None:
        source = CachedSource(store)
        try:
            figures = figure_data(source, world)
        except Exception as exc:  # noqa: BLE001
            figures = [{"id": "figures", "title": "Figures", "paper_caption": None, "note": "", "available": False, "reason": f"{type(exc).__name__}: {exc}"}]
        for fig in figures:
            try:
                images[fig["id"]] = draw(fig, source)
            except Exception as exc:  # noqa: BLE001
                fig |= {"available": False, "reason": f"drawing failed: {type(exc).__name__}: {exc}"}
    record["figures"] = clean(figures)
    record["paper_tables"] = clean(paper_tables(record, source if store is not None else None))
    if store is not None:
        record["tables_read"] = sorted(set(source.read))
    record["_images"] = images | _curve_images(record["world"]["training"])
    return record
