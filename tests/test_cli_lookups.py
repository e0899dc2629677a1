"""Checks that look things up, run from the command line: ``trigger``, ``check`` and ``serve``
start the embedded LocalDataWorks before importing ``--app`` and export its endpoint and keys,
so a module that builds ``Lookups(CallbackClient.from_env())`` at import reaches it; ``--seed``
gives it nodes and event details, ``--code`` a DataStudio event's code.  Each command runs as a
subprocess of the installed script, from a temporary folder, with no DataWorks variables set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dataworks_ext import ConfigurationError
from dataworks_ext.cli import main
from dataworks_ext.testing import SEED_KEYS, LocalDataWorks, commit_file_event, load_seed

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("dataworks-ext" + (".exe" if os.name == "nt" else ""))

CHECKS = """
from dataworks_ext import CallbackClient, Lookups, Registry
from dataworks_ext.policies import ForbiddenCode, ProtectedNodes, register

lookups = Lookups(CallbackClient.from_env())  # at import: what the CLI exports must be set
registry = Registry()
register(
    registry,
    ProtectedNodes(where=lambda node: (node.priority or 0) >= 7, lookups=lookups,
                   message="{nodes} are urgent"),
    on=["freeze"],
    name="urgent-nodes",
)
register(registry, ForbiddenCode([r"\\bMAX_PT\\b"], lookups=lookups), name="no-max-pt")
"""

SEED = {
    "nodes": [
        {"NodeId": 7, "NodeName": "dws_finance_d", "Priority": 8},
        {"NodeId": 9, "NodeName": "tmp_scratch", "Priority": 1},
    ]
}


def _env() -> dict[str, str]:
    """The environment of a newcomer: no DataWorks endpoint, no keys."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATAWORKS_", "ALIBABA_CLOUD_")) and k != "PYTHONPATH"
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "mychecks.py").write_text(textwrap.dedent(CHECKS), encoding="utf-8")
    (tmp_path / "seed.json").write_text(json.dumps(SEED), encoding="utf-8")
    (tmp_path / "bad.sql").write_text("SELECT *\nFROM t\nWHERE ds = MAX_PT('t');\n")
    (tmp_path / "good.sql").write_text("SELECT * FROM t WHERE ds = '${bizdate}';\n")
    return tmp_path


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "--color", "never", *args],
        cwd=folder,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_forbidden_code_runs_through_trigger_code(folder: Path) -> None:
    bad = run(folder, "trigger", "commit-file", "--app", "mychecks", "--code", "bad.sql")
    assert bad.returncode == 0, bad.stderr
    assert "verdict    FAIL" in bad.stdout
    assert "line 3 uses \\bMAX_PT\\b, which is not allowed: WHERE ds = MAX_PT('t');" in bad.stdout
    assert "(recorded FAIL)" in bad.stdout
    assert "Traceback" not in bad.stderr and "credentials" not in bad.stderr
    good = run(
        folder, "trigger", "deploy-file", "--app", "mychecks", "--code", "good.sql",
        "--expect", "OK",
    )  # fmt: skip
    assert good.returncode == 0, good.stdout + good.stderr


def test_protected_nodes_where_runs_through_trigger_seed(folder: Path) -> None:
    found = run(folder, "trigger", "freeze", "--app", "mychecks", "--seed", "seed.json", "--json")
    assert found.returncode == 0, found.stderr
    outcome = json.loads(found.stdout)
    assert outcome["result"] == "FAIL"
    assert outcome["tip"] == "7 are urgent"  # the seed's nodes, looked up with GetNode
    calm = run(
        folder, "trigger", "freeze", "--app", "mychecks", "--seed", "seed.json",
        "--node-id", "9", "--expect", "OK",
    )  # fmt: skip
    assert calm.returncode == 0, calm.stdout + calm.stderr
    assert "Traceback" not in calm.stderr


def test_a_node_the_seed_lacks_is_pointed_out_and_fails_with_the_lookup_error(
    folder: Path,
) -> None:
    done = run(
        folder, "trigger", "freeze", "--app", "mychecks", "--seed", "seed.json",
        "--node-id", "10",
    )  # fmt: skip
    assert "seed.json has no node 10" in done.stderr
    assert "verdict    FAIL" in done.stdout
    assert "NodeNotExists" in done.stdout
    assert "Traceback" not in done.stderr  # -v shows it
    verbose = run(
        folder, "-v", "trigger", "freeze", "--app", "mychecks", "--seed", "seed.json",
        "--node-id", "10",
    )  # fmt: skip
    assert "Traceback" in verbose.stderr


def test_check_looks_up_the_seeded_event_details_of_captured_messages(folder: Path) -> None:
    message = commit_file_event(message_id="captured-1", file_name="dws_orders_d")
    captured = folder / "captured"
    captured.mkdir()
    (captured / "commit.json").write_text(message.to_json().decode())
    (captured / "commit.expect.json").write_text(
        json.dumps({"result": "FAIL", "tip_contains": "not allowed"})
    )
    seed = {"event_details": {"captured-1": {"CommittedFile": {"Content": "x = MAX_PT('t')"}}}}
    (folder / "details.json").write_text(json.dumps(seed))
    done = run(folder, "check", "captured", "--app", "mychecks", "--seed", "details.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 messages: 1 as expected" in done.stdout
    unseeded = run(folder, "check", "captured", "--app", "mychecks")
    assert unseeded.returncode == 1  # GetIDEEventDetail finds nothing: an error's FAIL
    assert "tip lacks 'not allowed'" in unseeded.stdout


def test_a_bad_seed_is_a_usage_error_naming_the_item(folder: Path) -> None:
    (folder / "typo.json").write_text(json.dumps({"node": []}))
    done = run(folder, "trigger", "freeze", "--app", "mychecks", "--seed", "typo.json")
    assert done.returncode == 2
    assert "typo.json: unknown key 'node'; the keys are" in done.stderr
    (folder / "wrong.json").write_text(json.dumps({"nodes": [{"NodeId": 7, "Priority": "x"}]}))
    done = run(folder, "trigger", "freeze", "--app", "mychecks", "--seed", "wrong.json")
    assert done.returncode == 2
    assert "wrong.json: nodes[0]: " in done.stderr and "Priority" in done.stderr


def test_code_needs_a_built_datastudio_event(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    assert main(["trigger", "freeze", "--app", "mychecks", "--code", "bad.sql"]) == 2
    assert "--code applies to commit-file, deploy-file, delete-file, run-file events" in (
        capsys.readouterr().err
    )
    code = main(
        ["trigger", "commit-file", "--app", "mychecks", "--code", "bad.sql",
         "--endpoint", "http://127.0.0.1:9"]
    )  # fmt: skip
    assert code == 2
    assert "--code fills the embedded LocalDataWorks" in capsys.readouterr().err


def test_the_exported_variables_are_restored_after_an_in_process_run(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("DATAWORKS_ENDPOINT", raising=False)
    monkeypatch.setenv("DATAWORKS_REGION_ID", "cn-beijing")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "caller-token")
    sys.modules.pop("mychecks", None)
    assert main(["trigger", "freeze", "--app", "mychecks", "--seed", "seed.json"]) == 0
    assert "verdict    FAIL" in capsys.readouterr().out
    assert "DATAWORKS_ENDPOINT" not in os.environ
    assert os.environ["DATAWORKS_REGION_ID"] == "cn-beijing"
    assert os.environ["ALIBABA_CLOUD_SECURITY_TOKEN"] == "caller-token"
    sys.modules.pop("mychecks", None)


@pytest.mark.parametrize("path", ["examples/seed.json", "docs/snippets/seed.json"])
def test_the_example_seed_files_load(path: str) -> None:
    data = json.loads((ROOT / path).read_text(encoding="utf-8"))
    assert set(data) == set(SEED_KEYS)
    with LocalDataWorks() as local:
        counts = load_seed(local, str(ROOT / path))
    assert all(counts[key] >= 1 for key in SEED_KEYS)


def test_load_seed_rejects_what_is_not_an_object() -> None:
    with pytest.raises(ConfigurationError, match="a seed is a JSON object"):
        load_seed(LocalDataWorks(), [])  # type: ignore[arg-type]


def test_the_datastudio_readme_tries_its_checks_from_the_command_line() -> None:
    """The DataStudio example's "Try it from the command line" step, run as written from the
    example's folder."""
    readme = (ROOT / "examples" / "datastudio" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it from the command line", 1)[1].split("\n## ", 1)[0]
    (command,) = [
        line for line in section.split("```sh", 1)[1].split("```", 1)[0].splitlines() if line
    ]
    words = command.split()
    assert words[:2] == ["dataworks-ext", "trigger"]
    done = subprocess.run(
        [str(SCRIPT), "--color", "never", *words[1:]],
        cwd=ROOT / "examples" / "datastudio",
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tip        ods_orders_d line 3 calls MAX_PT; name the partition instead" in done.stdout


def test_the_credential_chains_logger_is_quiet_in_the_cli(folder: Path) -> None:
    """The official SDK's credential chain logs a traceback on its own stream handler for each
    provider that fails (the ECS metadata service, ...); a check that meets it stands in for
    it here, through the same logger, so no network is needed."""
    (folder / "noisy.py").write_text(
        textwrap.dedent(
            """
            import logging

            from dataworks_ext import Registry, Verdict

            chain = logging.getLogger("credentials")  # the SDK's logger, set up as it does
            chain.setLevel(logging.INFO)
            chain.addHandler(logging.StreamHandler())
            registry = Registry()

            @registry.on_freeze
            def noisy(event):
                try:
                    raise RuntimeError("Failed to get RAM session credentials")
                except RuntimeError:
                    chain.warning("Refresh credentials failed", exc_info=True)
                return Verdict.ok()
            """
        )
    )
    quiet = run(folder, "trigger", "freeze", "--app", "noisy", "--expect", "OK")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "Refresh credentials failed" not in quiet.stderr
    assert "Traceback" not in quiet.stderr
    loud = run(folder, "-vv", "trigger", "freeze", "--app", "noisy", "--expect", "OK")
    assert "Refresh credentials failed" in loud.stderr  # -vv shows the chain again
