"""The GPU workflow parses, runs on the `gpu` runner, caches what it should, and runs only commands that exist."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is a dependency (pyproject) - install the project")

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "replication-gpu.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    """The workflow file as YAML."""
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(workflow: dict) -> list[dict]:
    """Every step of every job."""
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _commands(workflow: dict) -> list[list[str]]:
    """Every command line of every `run:` block, split as the shell would (without expansions)."""
    lines = []
    for step in _steps(workflow):
        for line in step.get("run", "").splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(shlex.split(line))
    return lines


class _Options:
    """Stands in for pytest's parser: records every option a plugin's pytest_addoption declares."""

    def __init__(self):
        self.options: dict[str, dict] = {}

    def getgroup(self, *args, **kwargs):
        """One group for all: only the options matter."""
        return self

    def addoption(self, *names, **kwargs):
        """Record the option under each of its names."""
        self.options.update({name: kwargs for name in names})

    _addoption = addoption

    def addini(self, *args, **kwargs):
        """Ini settings are not options of the command line."""


def _pytest_options() -> dict[str, dict]:
    """Options of the suite's plugin and of the plugins the command uses (xdist, pytest-html)."""
    import pytest_html.plugin
    import xdist.plugin

    from jepa_claims.suite import plugin as suite

    parser = _Options()
    for plugin in (suite, xdist.plugin, pytest_html.plugin):
        plugin.pytest_addoption(parser)
    return parser.options


def test_workflow_parses_and_runs_on_the_gpu_runner(workflow):
    """The YAML parses; the job runs on a self-hosted runner labelled gpu; it can be started by hand."""
    assert workflow["name"] == "replication-gpu"
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert "workflow_dispatch" in triggers
    for job in workflow["jobs"].values():
        assert "gpu" in job["runs-on"] and "self-hosted" in job["runs-on"]


def test_hub_and_data_sets_are_cached_between_runs(workflow):
    """The Hugging Face hub, the data sets and the measurement tables survive between runs."""
    cached = {step["with"]["path"] for step in _steps(workflow) if step.get("uses", "").startswith("actions/cache@")}
    assert {"~/.cache/huggingface", "data", ".cache/jepa-claims"} <= cached


def test_python_is_the_one_the_project_supports(workflow):
    """The runner's Python is set up explicitly (3.11, as in CI), not whatever the machine has."""
    setup = [s for s in _steps(workflow) if s.get("uses", "").startswith("actions/setup-python@")]
    assert len(setup) == 1 and setup[0]["with"]["python-version"] == "3.11"


def test_reports_are_uploaded_even_when_claims_fail(workflow):
    """reports/ is uploaded with `if: always()`, after the replication check."""
    uploads = [s for s in _steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(uploads) == 1 and uploads[0]["if"] == "always()" and uploads[0]["with"]["path"].rstrip("/") == "reports"
    names = [s.get("name", "") for s in _steps(workflow)]
    assert names.index(next(n for n in names if "Replication check" in n)) < names.index(uploads[0]["name"])


def test_every_action_is_pinned_to_a_version(workflow):
    """No action floats on a branch."""
    for step in _steps(workflow):
        if "uses" in step:
            assert "@v" in step["uses"], step["uses"]


def test_jepa_claims_commands_exist_in_the_cli(workflow):
    """Every `jepa-claims` line parses with the project's own CLI parser."""
    from jepa_claims.cli import build_parser

    parser = build_parser()
    used = [argv[1:] for argv in _commands(workflow) if argv[0] == "jepa-claims"]
    assert [argv[0] for argv in used] == ["fetch"]
    for argv in used:
        parser.parse_args(argv)  # exits (SystemExit) on an unknown subcommand or option


def test_pytest_command_uses_options_the_suite_declares(workflow):
    """Every option of the pytest line is declared by the suite, xdist or pytest-html, with a valid choice."""
    options = _pytest_options()
    runs = [argv for argv in _commands(workflow) if argv[0] == "pytest"]
    assert runs, "the workflow runs no pytest command"
    for argv in runs:
        assert argv[1] == "claims/" and (ROOT / "claims").is_dir()
        args = iter(argv[2:])
        for token in args:
            if not token.startswith("-"):
                continue
            name, _, value = token.partition("=")
            assert name in options, f"{name} is not an option of the suite (jepa_claims.suite.plugin), xdist or pytest-html"
            spec = options[name]
            if spec.get("action") not in ("store_true", "store_false", "count"):
                value = value or next(args)
                if spec.get("choices"):
                    assert value in spec["choices"], f"{name} {value}: not one of {spec['choices']}"
    assert {"--world", "--device", "--data-root", "-n"} <= {t.split("=")[0] for t in runs[0]}
    assert runs[0][runs[0].index("--world") + 1] == "paper"


def test_installs_the_project_before_running_it(workflow):
    """Install, then fetch, then the replication check."""
    commands = [" ".join(argv) for argv in _commands(workflow)]
    install = next(i for i, c in enumerate(commands) if "pip install" in c and "-e ." in c)
    fetch = next(i for i, c in enumerate(commands) if c.startswith("jepa-claims fetch"))
    check = next(i for i, c in enumerate(commands) if c.startswith("pytest claims/"))
    assert install < fetch < check
