"""The ``dataworks-ext`` command, run as users run it: real subprocesses of the installed script
and of ``python -m dataworks_ext``, plus a few in-process tests of the details."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from dataworks_ext import (
    ConfigurationError,
    Extension,
    Outcome,
    Reason,
    Registry,
    StoreError,
    Verdict,
)
from dataworks_ext.cli import ExitCode, load_app, main
from dataworks_ext.cli._terminal import _color_enabled, table_lines
from dataworks_ext.testing import (
    backfill_event,
    batch,
    freeze_event,
    restore_event,
    unpublish_event,
    with_payload,
)

SCRIPT = Path(sys.executable).with_name("dataworks-ext" + (".exe" if os.name == "nt" else ""))

CHECKS = """
from dataworks_ext import BackfillEvent, Extension, FreezeNodeEvent, Registry, Verdict

registry = Registry()

@registry.on_freeze(name="protected")
def protected(event: FreezeNodeEvent) -> Verdict:
    if 700005966962 in event.node_ids:
        return Verdict.fail("node 700005966962 is protected")
    return Verdict.ok()

@registry.on_backfill(name="max-days")
def max_days(event: BackfillEvent) -> Verdict:
    if event.total_days > 31:
        return Verdict.fail(f"{event.total_days} days is over 31")
    return Verdict.ok()
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    env.update(extra)
    return env


def run(
    *args: str,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    script: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the command in a subprocess, the way a user does."""
    if script:
        assert SCRIPT.exists(), f"{SCRIPT} is missing: run pip install -e . again"
        cmd = [str(SCRIPT), *args]
    else:
        cmd = [sys.executable, "-m", "dataworks_ext", *args]
    return subprocess.run(
        cmd,
        cwd=cwd,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env or _env(),
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project folder with a checks module, as ``--app mychecks:registry`` sees it."""
    (tmp_path / "mychecks.py").write_text(CHECKS)
    return tmp_path


# ---------------------------------------------------------------------------- general


@pytest.mark.parametrize(
    "command",
    [[], ["demo"], ["trigger"], ["check"], ["parse"], ["samples"], ["serve"], ["local"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: dataworks-ext")
    assert "--color" in result.stdout


def test_the_installed_script_runs_and_reports_its_version() -> None:
    from dataworks_ext import __version__

    result = run("--version", script=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"dataworks-ext {__version__}"


def test_no_command_prints_help_and_exits_2() -> None:
    result = run()
    assert result.returncode == ExitCode.USAGE
    assert "demo" in result.stdout and "trigger" in result.stdout


def test_a_missing_required_option_is_a_usage_error() -> None:
    result = run("trigger", "freeze")
    assert result.returncode == 2
    assert "--app" in result.stderr


# ---------------------------------------------------------------------------- demo


def test_demo_runs_every_event_through_the_whole_path() -> None:
    result = run("demo", script=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout  # a pipe is not a terminal: no colour
    rows = {
        line[:28].strip(): re.split(r"\s{2,}", line[28:].strip())
        for line in result.stdout.splitlines()
        if line[:1].isalpha() and "  " in line[:28]
    }
    workbench = "UpdateWorkbenchEventResult"
    assert rows["freeze, protected node"][:2] == ["700005966962 +1", "FAIL"]
    assert rows["freeze, protected node"][-2:] == ["yes", workbench]
    assert rows["freeze, ordinary node"][1:] == ["OK", "yes", workbench]
    assert rows["restore (Function Compute)"][1] == "OK"
    assert rows["unpublish"][1:] == ["OK", "yes", workbench]
    assert rows["backfill, 7 days"][1:] == ["OK", "yes", workbench]
    assert rows["backfill, 90 days"][1:] == [
        "FAIL", "The backfill covers 90 days; the limit is 31", "yes", workbench
    ]  # fmt: skip
    assert rows["unreadable message"][:2] == ["-", "FAIL"]
    assert rows["unreadable message"][-1] == workbench  # the API of the event it names
    commit = rows["commit, code calls MAX_PT"]
    assert commit[:2] == ["-", "FAIL"] and commit[-2:] == ["yes", "UpdateIDEEventResult"]
    assert commit[2].startswith("dws_orders_d line 3 calls MAX_PT")
    assert rows["sync job start, no check"][1:] == ["OK", "yes", "CallbackExtension"]
    assert rows["duplicate of the first"][1:] == [  # the verdict it was answered with
        "FAIL", "already answered; not answered again", "no, duplicate", "-"
    ]  # fmt: skip
    assert "(data.nodeIds)" in result.stdout
    assert (
        "\n✓ LocalDataWorks recorded 9 verdicts for 9 messages (5 OK, 4 FAIL), "
        "each as decided; the duplicate was answered once.\n" in result.stdout
    )


def test_the_demo_says_what_its_rows_mean_and_where_to_go_next() -> None:
    import dataworks_ext.cli.demo_checks as demo_checks

    result = run("demo", script=True)
    assert result.returncode == 0, result.stderr
    restore = next(line for line in result.stdout.splitlines() if line.startswith("restore"))
    assert "Allowed, and logged for audit: operator 1107550004253538" in restore
    assert "_demo" not in result.stdout  # no private module named as the checks' home
    assert f"written in {demo_checks.__file__}" in result.stdout
    tail = result.stdout.rstrip().splitlines()[-3:]
    assert tail[0].startswith("Next: write a check of your own")
    assert tail[1].strip().startswith("dataworks-ext trigger freeze --app ")
    assert "getting-started" in tail[2]


def test_color_always_wins_over_no_color_and_a_pipe() -> None:
    result = run("--color", "always", "demo", env=_env(NO_COLOR="1"))
    assert result.returncode == 0, result.stderr
    assert "\x1b[1;31mFAIL\x1b[0m" in result.stdout
    assert "\x1b[32myes\x1b[0m" in result.stdout


def test_the_demo_fails_when_a_verdict_is_not_the_expected_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import attrs

    from dataworks_ext.cli import demo_checks as _demo

    real = _demo.cases

    def wrong_expectation() -> list[_demo.DemoCase]:
        first, *rest = real()
        return [attrs.evolve(first, expect="OK"), *rest]

    monkeypatch.setattr(_demo, "cases", wrong_expectation)
    assert main(["demo"]) == ExitCode.FAILED
    captured = capsys.readouterr()
    assert "error: freeze, protected node: expected OK, got FAIL" in captured.err
    assert "✓" not in captured.out


# ---------------------------------------------------------------------------- trigger


def test_trigger_shows_the_verdict_of_the_users_registry(project: Path) -> None:
    result = run(
        "trigger", "freeze", "--app", "mychecks:registry", "--node-id", "700005966962",
        "--message-id", "m-1", "--dry-run", cwd=project, script=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["event"] == "freeze-node (FreezeNodeEvent)"
    assert lines["message"] == "m-1"
    assert lines["nodes"] == "700005966962"
    assert lines["checks"] == "protected"
    assert lines["verdict"] == "FAIL"
    assert lines["tip"] == "node 700005966962 is protected"
    assert lines["delivered"] == "no (dry run)"
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


@pytest.mark.parametrize(("expect", "code"), [("fail", ExitCode.OK), ("OK", ExitCode.FAILED)])
def test_trigger_expect_sets_the_exit_code(project: Path, expect: str, code: int) -> None:
    result = run(
        "trigger", "backfill", "--days", "90", "--app", "mychecks", "--dry-run",
        "--expect", expect, cwd=project,
    )  # fmt: skip
    assert result.returncode == code, result.stderr
    assert "90 days is over 31" in result.stdout
    assert ("expected OK, got FAIL" in result.stderr) == (code == ExitCode.FAILED)


def test_trigger_json_agrees_with_the_library(
    project: Path, make_extension: Any, recording_callback: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(
        "trigger", "backfill", "--days", "40", "--node-id", "11", "--node-id", "12",
        "--app", "mychecks.py:registry", "--envelope", "function-compute",
        "--extension-code", "team-ext", "--message-id", "m-7", "--json", "--dry-run",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["message_id"] == "m-7"
    assert data["event_code"] == "backfill-data"
    assert data["extension_code"] == "team-ext"
    assert (data["delivered"], data["duplicate"], data["disposition"]) == (False, False, "ACK")

    # The same event through the library, with the plugin's fixtures, decides the same.
    monkeypatch.syspath_prepend(str(project))
    registry = load_app("mychecks:registry")
    make_extension(registry).handle(backfill_event(days=40, message_id="m-7"))
    expected = recording_callback.verdicts["m-7"]
    assert (data["result"], data["tip"]) == (expected.result.value, expected.tip)


def test_trigger_uses_the_apps_extension_code_and_policies(project: Path) -> None:
    (project / "teamext.py").write_text(
        CHECKS
        + textwrap.dedent(
            """
            @registry.on_unpublish
            def broken(event):
                raise RuntimeError("the CMDB is down")

            extension = Extension("team-ext", registry=registry, error_result="OK")
            """
        )
    )
    result = run("trigger", "unpublish", "--app", "teamext", "--dry-run", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["extension_code"] == "team-ext"
    assert data["result"] == "OK"  # error_result="OK" was carried over
    assert data["error"] == "RuntimeError"  # the string every host answers
    assert data["error_detail"]["type"] == "RuntimeError"
    assert data["error_detail"]["message"] == "the CMDB is down"
    assert "RuntimeError: the CMDB is down" in result.stderr  # the check's traceback is logged


def test_trigger_delivers_to_an_embedded_local_dataworks(project: Path) -> None:
    result = run(
        "trigger", "backfill", "--days", "45", "--app", "mychecks:registry", cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    delivered = result.stdout.splitlines()[-1]
    assert re.fullmatch(
        r"delivered\s+yes, to LocalDataWorks at http://127\.0\.0\.1:\d+ \(recorded FAIL\)",
        delivered,
    ), delivered


def test_trigger_delivers_to_an_endpoint_with_credentials_from_the_environment(
    project: Path, local_dataworks: Any, local_dataworks_env: dict[str, str]
) -> None:
    result = run(
        "trigger", "freeze", "--node-id", "700005966962", "--app", "mychecks",
        "--endpoint", local_dataworks.endpoint, "--extension-code", "team-ext",
        "--message-id", "m-42", cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"delivered  yes, to {local_dataworks.endpoint}" in result.stdout
    recorded = local_dataworks.verdict_for("m-42")
    assert recorded is not None
    assert (recorded.extension_code, recorded.result) == ("team-ext", "FAIL")
    assert recorded.tip == "node 700005966962 is protected"
    assert local_dataworks.count_for("m-42") == 1


def test_trigger_reports_a_verdict_that_could_not_be_delivered(
    project: Path, local_dataworks: Any, local_dataworks_env: dict[str, str]
) -> None:
    local_dataworks.inject("forbidden")
    result = run(
        "trigger", "restore", "--app", "mychecks", "--endpoint", local_dataworks.endpoint,
        cwd=project,
    )  # fmt: skip
    assert result.returncode == ExitCode.UNDELIVERED
    assert "Forbidden.Access" in result.stdout.splitlines()[-1]
    assert result.stdout.splitlines()[-1].startswith("delivered  no: ")
    assert local_dataworks.verdicts == []


def test_trigger_needs_both_keys_for_an_endpoint(project: Path) -> None:
    env = _env(ALIBABA_CLOUD_ACCESS_KEY_ID="LTAI-only-the-id")
    env.pop("ALIBABA_CLOUD_ACCESS_KEY_SECRET", None)
    result = run(
        "trigger", "freeze", "--app", "mychecks", "--endpoint", "http://127.0.0.1:9",
        cwd=project, env=env,
    )  # fmt: skip
    assert result.returncode == ExitCode.USAGE
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("app", "files", "message"),
    [
        ("nosuchmodule:registry", {}, "there is no module named 'nosuchmodule'"),
        ("mychecks:nope", {}, "module 'mychecks' has no attribute 'nope'; its Extension and "
         "Registry objects: registry"),
        ("mychecks:Verdict", {}, "mychecks:Verdict is a type, not an Extension or a Registry"),
        ("empty", {"empty.py": "X = 1\n"}, "module 'empty' has no Extension or Registry"),
        ("two", {"two.py": "from dataworks_ext import Registry\na = Registry()\nb = Registry()\n"},
         "several Registry objects (a, b); name one with --app two:ATTR"),
        ("boom", {"boom.py": "import json\n\nraise ValueError('no config file')\n"},
         "importing 'boom' raised ValueError: no config file (at "),
        ("needs", {"needs.py": "import not_installed_lib\n"},
         "importing 'needs' raised ModuleNotFoundError: No module named 'not_installed_lib'"),
        ("missing.py", {}, "--app 'missing.py': no such file"),
        (":registry", {}, "is not MODULE or MODULE:ATTR"),
    ],
)  # fmt: skip
def test_a_bad_app_is_explained_without_a_traceback(
    project: Path, app: str, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (project / name).write_text(text)
    result = run("trigger", "freeze", "--app", app, "--dry-run", cwd=project)
    assert result.returncode == ExitCode.USAGE
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_trigger_days_only_applies_to_backfills(project: Path) -> None:
    result = run("trigger", "freeze", "--days", "3", "--app", "mychecks", "--dry-run", cwd=project)
    assert result.returncode == ExitCode.USAGE
    assert "--days applies to backfill only" in result.stderr


def test_dry_run_and_endpoint_exclude_each_other(project: Path) -> None:
    result = run(
        "trigger", "freeze", "--app", "mychecks", "--dry-run", "--endpoint", "http://x",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_trigger_file_sends_a_captured_message(project: Path) -> None:
    captured = project / "captured.json"
    captured.write_bytes(freeze_event(node_ids=[700005966962], message_id="cap-1").to_json())
    result = run(
        "trigger", "--file", str(captured), "--app", "mychecks:registry", "--expect", "FAIL",
        cwd=project, script=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["message"] == "cap-1"
    assert lines["verdict"] == "FAIL"
    assert lines["delivered"].startswith("yes, to LocalDataWorks at http://127.0.0.1:")
    assert lines["delivered"].endswith("(recorded FAIL)")


def test_trigger_file_reads_a_batch_from_stdin(project: Path) -> None:
    body = batch(
        freeze_event(node_ids=[1], message_id="b-1"),
        backfill_event(days=90, message_id="b-2"),
    )
    result = run(
        "trigger", "--file", "-", "--app", "mychecks", "--dry-run", "--json", "--expect", "OK",
        cwd=project, stdin=body,
    )  # fmt: skip
    assert result.returncode == ExitCode.FAILED
    data = json.loads(result.stdout)
    assert [(d["message_id"], d["result"]) for d in data] == [("b-1", "OK"), ("b-2", "FAIL")]
    assert "expected OK, got OK, FAIL" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--file", "x.json", "--node-id", "1"], "--node-id build an event"),
        (["freeze", "--file", "x.json"], "--file sends a captured message: drop 'freeze'"),
        ([], "name the event to build (freeze, ...) or give --file"),
        (["--file", "missing.json"], "cannot read missing.json"),
    ],
)
def test_trigger_file_refuses_what_does_not_apply(
    project: Path, args: list[str], message: str
) -> None:
    (project / "x.json").write_bytes(freeze_event().to_json())
    result = run("trigger", *args, "--app", "mychecks", "--dry-run", cwd=project)
    assert result.returncode == ExitCode.USAGE
    assert message in result.stderr


# ---------------------------------------------------------------------------- parse


def test_parse_shows_the_typed_event(tmp_path: Path) -> None:
    path = tmp_path / "captured.json"
    path.write_bytes(backfill_event(days=3, message_id="m-1", extra={"newField": 1}).to_json())
    result = run("parse", str(path), script=True)
    assert result.returncode == 0, result.stderr
    lines = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in result.stdout.splitlines())
    assert lines["message id"] == "m-1"
    assert lines["event"] == "backfill-data (BackfillEvent)"
    assert lines["total_days"] == "3"
    assert "periods (multipleTimePeriods)" in result.stdout
    assert '{"newField": 1}' in result.stdout  # fields the SDK does not model are shown


def test_parse_reads_a_batch_from_stdin_and_names_the_offending_field() -> None:
    body = json.dumps(
        [
            freeze_event(message_id="m-1").to_dict(),
            with_payload(unpublish_event(message_id="m-2"), nodeIds="1,2"),
            {"hello": "world"},
        ]
    ).encode()
    result = run("parse", "-", stdin=body)
    assert result.returncode == ExitCode.FAILED
    assert "an EventBridge batch of 3 messages" in result.stdout
    assert "[1].data.nodeIds" in result.stdout
    assert "m-2" in result.stdout
    assert "nobody to answer" in result.stdout  # the message without a readable id
    assert result.stderr.strip() == "error: 2 of 3 messages could not be read"


def test_parse_json_output_is_typed() -> None:
    body = batch(freeze_event(message_id="m-1", node_ids=[5]), backfill_event(message_id="m-2"))
    result = run("parse", "--json", "-", stdin=body)
    assert result.returncode == 0, result.stderr
    first, second = json.loads(result.stdout)
    assert first["event_class"] == "FreezeNodeEvent"
    assert first["event"]["node_ids"] == [5]
    assert first["needs_answer"] is True
    assert second["event"]["total_days"] == 1
    assert second["event"]["periods"][0].keys() == {"begin", "end"}


def test_parse_json_reports_an_unreadable_message() -> None:
    body = json.dumps(with_payload(freeze_event(message_id="m-3"), projectId="x")).encode()
    result = run("parse", "--json", "-", stdin=body)
    assert result.returncode == ExitCode.FAILED
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "FieldError"
    assert (error["field"], error["message_id"]) == ("data.projectId", "m-3")


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (None, ExitCode.USAGE, "error: cannot read {path}: No such file or directory"),
        (b"not json", ExitCode.FAILED, "error: the message could not be read"),
    ],
)
def test_parse_errors(tmp_path: Path, content: bytes | None, code: int, message: str) -> None:
    path = tmp_path / "captured.json"
    if content is not None:
        path.write_bytes(content)
    result = run("parse", str(path))
    assert result.returncode == code
    assert message.format(path=path) in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------- serve


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url

    def post(self, body: bytes) -> tuple[int, Any]:
        request = urllib.request.Request(self.url, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def get(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def serve(project: Path, *extra: str, app: str = "mychecks:registry") -> Served:
    proc = subprocess.Popen(
        [str(SCRIPT), "serve", "--app", app, "--port", "0", *extra],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if "Serving" not in first:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"serve did not start: {first!r} {err!r}")
    return Served(proc, first.split(" on ", 1)[1].strip())


def stop(served: Served) -> tuple[int, str, str]:
    served.proc.send_signal(signal.SIGTERM)
    out, err = served.proc.communicate(timeout=30)
    return served.proc.returncode, out, err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_serve_answers_posted_events_and_stops_cleanly(project: Path) -> None:
    served = serve(project, "--dry-run")
    try:
        status, info = served.get("")
        assert status == 200
        assert info["checks"] == "protected (freeze), max-days (backfill)"

        status, body = served.post(
            freeze_event(node_ids=[700005966962], message_id="m-1").to_json()
        )
        assert status == 200
        (outcome,) = body["outcomes"]
        assert (outcome["message_id"], outcome["result"]) == ("m-1", "FAIL")
        assert outcome["tip"] == "node 700005966962 is protected"

        status, body = served.post(batch(freeze_event(message_id="m-1"), backfill_event()))
        assert (status, body["disposition"]) == (200, "ACK")
        assert [o["duplicate"] for o in body["outcomes"]] == [True, False]
        assert body["outcomes"][0]["result"] == "FAIL"  # what it was answered with

        status, body = served.post(b'{"hello": "world"}')
        assert status == 400
        assert body["outcomes"][0]["error"].startswith("EnvelopeError: ")
        assert body["outcomes"][0]["error_detail"]["type"] == "EnvelopeError"

        status, body = served.post(b"{not json")
        assert (status, body["disposition"]) == (400, "REJECT")
        assert body["outcomes"][0]["error"].startswith("MessageDecodeError: ")
    finally:
        code, out, err = stop(served)
    assert code == 0, err
    assert "FAIL" in out and "m-1" in out  # a line per request
    assert out.rstrip().endswith("stopped")
    assert "Traceback" not in err


def _post_raw(url: str, body: bytes, chunked: bool) -> tuple[int, Any]:
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        if chunked:
            pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
            connection.request("POST", "/", body=pieces, encode_chunked=True)
        else:
            connection.request("POST", "/", body=body)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_serve_reads_chunked_bodies_and_refuses_large_ones_with_413(project: Path) -> None:
    from dataworks_ext import MAX_BODY_BYTES

    served = serve(project, "--dry-run")
    try:
        small = freeze_event(message_id="chunked-1").to_json()
        status, body = _post_raw(served.url, small, chunked=True)
        assert (status, body["outcomes"][0]["message_id"]) == (200, "chunked-1")
        padding = b" " * (MAX_BODY_BYTES + 10)
        for chunked in (True, False):
            status, body = _post_raw(served.url, small + padding, chunked=chunked)
            assert status == 413, body
            assert body["outcomes"][0]["error"].startswith("RequestTooLargeError: ")
        status, body = _post_raw(served.url, small + b" " * 1000, chunked=True)
        assert status == 200  # and the server still answers after a refusal
    finally:
        code, _, err = stop(served)
    assert code == 0, err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_serve_delivers_to_an_embedded_local_dataworks(project: Path) -> None:
    served = serve(project)
    try:
        status, body = served.post(backfill_event(days=60, message_id="m-1").to_json())
        assert status == 200
        assert body["outcomes"][0]["delivered"] is True
        status, recorded = served.get("verdicts")
        assert status == 200
        assert recorded == [
            {
                "message_id": "m-1",
                "extension_code": "local-extension",
                "result": "FAIL",
                "tip": "60 days is over 31",
                "api": "UpdateWorkbenchEventResult",
            }
        ]
    finally:
        code, _, err = stop(served)
    assert code == 0, err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_serve_answers_503_retry_when_a_verdict_cannot_be_delivered(
    project: Path, local_dataworks: Any, local_dataworks_env: dict[str, str]
) -> None:
    served = serve(project, "--endpoint", local_dataworks.endpoint)
    try:
        local_dataworks.inject("bad-request")
        status, body = served.post(freeze_event(message_id="m-1").to_json())
        assert (status, body["disposition"]) == (503, "RETRY")  # EventBridge sends it again
        assert body["outcomes"][0]["error_detail"]["code"] == "InvalidParameter"
        assert "InvalidParameter" in body["outcomes"][0]["error"]
        status, body = served.post(freeze_event(message_id="m-1").to_json())
        assert status == 200
        assert local_dataworks.verdict_for("m-1") is not None
    finally:
        stop(served)


TEAM_EXTENSION = """
import time

@registry.on_restore(name="slow")
def slow(event):
    time.sleep(3)

extension = Extension("team-ext", registry=registry, unhandled_result="FAIL",
                      handler_timeout=0.3)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_serve_keeps_the_extensions_own_settings(project: Path) -> None:
    (project / "teamext.py").write_text(CHECKS + TEAM_EXTENSION)
    served = serve(project, app="teamext:extension")
    assert served.proc.stdout is not None
    banner = [served.proc.stdout.readline() for _ in range(2)][1].rstrip()
    try:
        status, body = served.post(unpublish_event(message_id="u-1").to_json())
        assert status == 200
        (outcome,) = body["outcomes"]
        assert outcome["result"] == "FAIL"  # unhandled_result="FAIL", not the default OK
        assert outcome["tip"] == "This extension has no check for undeploy-node events"
        assert outcome["extension_code"] == "team-ext"
        assert outcome["delivered_to"].startswith("LocalDataWorks at http://127.0.0.1:")
        status, body = served.post(restore_event(message_id="r-1").to_json())
        (outcome,) = body["outcomes"]
        assert outcome["result"] == "FAIL"  # handler_timeout=0.3, not the default 30 s
        assert outcome["tip"] == "The extension's checks did not finish within 0.3s"
    finally:
        code, _, err = stop(served)
    assert code == 0, err
    assert banner.startswith("  your Extension as configured (handler_timeout 0.3s, ")
    assert "unhandled FAIL" in banner and banner.endswith("only its callback is replaced")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
@pytest.mark.parametrize("where", ["--dry-run", "--endpoint"])
def test_serve_says_why_it_lists_no_verdicts(
    project: Path, where: str, local_dataworks: Any, local_dataworks_env: dict[str, str]
) -> None:
    extra = [where] if where == "--dry-run" else [where, local_dataworks.endpoint]
    served = serve(project, *extra)
    try:
        status, body = served.get("verdicts")
        posted_status, posted = served.post(freeze_event().to_json())
    finally:
        stop(served)
    assert (status, posted_status) == (404, 200)
    assert body["error"].startswith("verdicts are listed only with the embedded LocalDataWorks")
    if where == "--dry-run":
        assert "here they go to nowhere (dry run)" in body["error"]
        assert posted["outcomes"][0]["delivered_to"] is None
    else:
        assert f"here they go to {local_dataworks.endpoint}" in body["error"]
        assert posted["outcomes"][0]["delivered_to"] == local_dataworks.endpoint


def test_a_command_runs_a_copy_of_the_apps_extension_with_only_its_callback_replaced() -> None:
    from dataworks_ext.cli._app import extension_for
    from dataworks_ext.testing import RecordingCallback

    ext = Extension(
        "team-ext",
        registry=Registry(),
        handler_timeout=7,
        unhandled_result="FAIL",
        telemetry="auto",
        check_threads=3,
    )
    store = ext.store
    recorder = RecordingCallback()
    served = extension_for(ext, recorder, None)
    assert served is not ext and ext.callback is None  # the user's Extension is not changed
    assert served.callback is recorder and served.store is store
    assert (served.handler_timeout, served.unhandled_result.value) == (7.0, "FAIL")
    assert (served.check_threads, served._given_telemetry, served._given_lease) == (3, "auto", None)
    renamed = extension_for(ext, None, "other-code")
    assert (renamed.extension_code, ext.extension_code) == ("other-code", "team-ext")


def test_replace_carries_every_option_of_the_extension() -> None:
    import inspect

    from dataworks_ext import CheckResult, MemoryAnswerStore
    from dataworks_ext.testing import RecordingCallback

    given: dict[str, Any] = {
        "extension_code": "team-ext",
        "callback": RecordingCallback(),
        "registry": Registry(),
        "handler_timeout": 7.0,
        "unreadable_result": CheckResult.WARN,
        "error_result": CheckResult.OK,
        "timeout_result": CheckResult.WARN,
        "unhandled_result": CheckResult.FAIL,
        "store": MemoryAnswerStore(),
        "lease": 3.0,
        "on_audit": print,
        "enforce": False,
        "telemetry": False,
        "apis": {},
        "check_threads": 2,
        "honour_parameters": False,
    }
    assert set(given) == set(inspect.signature(Extension).parameters)  # a new option: add it
    copy = Extension(**given).replace()
    for name, value in given.items():
        kept = {"lease": copy._given_lease, "telemetry": copy._given_telemetry}.get(
            name, getattr(copy, name, None)
        )
        assert kept == value or kept is value, name
    with pytest.raises(ConfigurationError, match="not colour"):
        Extension("e").replace(colour="blue")


def test_serve_explains_a_port_in_use(project: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            "serve", "--app", "mychecks", "--dry-run", "--port", str(port), cwd=project
        )  # fmt: skip
    assert result.returncode == ExitCode.USAGE
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr


# ---------------------------------------------------------------------------- in process


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert _color_enabled("auto", Tty()) is True
    assert _color_enabled("auto", io.StringIO()) is False
    assert _color_enabled("never", Tty()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert _color_enabled("auto", Tty()) is False
    assert _color_enabled("always", io.StringIO()) is True  # an explicit choice wins
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset, per no-color.org
    assert _color_enabled("auto", Tty()) is True


def test_color_always_colours_the_verdict(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    code = main(
        ["--color", "always", "trigger", "freeze", "--app", "mychecks", "--dry-run",
         "--node-id", "700005966962"]
    )  # fmt: skip
    assert code == 0
    assert "\x1b[1;31mFAIL\x1b[0m" in capsys.readouterr().out


def test_table_wraps_the_tip_column_to_the_terminal_width() -> None:
    from dataworks_ext.cli._terminal import Style

    rows = [[("x", None), ("a very long tip that does not fit", None), ("yes", None)]]
    lines = table_lines(["a", "tip", "delivered"], rows, Style(False), width=30, wrapped=1)
    assert lines == [
        "a  tip              delivered",
        "x  a very long tip  yes",
        "   that does not",
        "   fit",
    ]
    assert all(len(line) < 30 for line in lines)  # the last column is left free


def test_table_breaks_words_wider_than_the_column_by_display_width() -> None:
    from dataworks_ext.cli._terminal import Style, _text_width

    tip = "节点700005966962属于财务结算不能冻结"
    lines = table_lines(["tip"], [[(tip, None)]], Style(False), width=17, wrapped=0)
    assert "".join(lines[1:]) == tip
    assert all(_text_width(line) <= 16 for line in lines)


def test_load_app_finds_the_only_extension_and_wraps_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "withext.py").write_text(
        CHECKS + "\nextension = Extension('ext', registry=registry)\n"
    )
    monkeypatch.syspath_prepend(str(project))
    app = load_app("withext")
    assert isinstance(app, Extension)
    assert isinstance(load_app("withext:registry"), Registry)
    with pytest.raises(ConfigurationError, match="is a function"):
        load_app("withext:protected")


def test_a_module_using_the_module_level_decorators_needs_no_attr(project: Path) -> None:
    (project / "decorated.py").write_text(
        "from dataworks_ext import Verdict, on_restore\n\n"
        "@on_restore\ndef log(event):\n    return Verdict.ok('restores are logged')\n"
    )
    result = run("trigger", "restore", "--app", "decorated", "--dry-run", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tip"] == "restores are logged"


DOCS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


@pytest.mark.skipif(not DOCS_PAGE.exists(), reason="the docs are not part of this tree")
def test_the_docs_page_describes_every_command_and_option() -> None:
    from dataworks_ext.cli._main import _parser

    page = DOCS_PAGE.read_text(encoding="utf-8")
    parser = _parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(commands.choices) == {
        "demo", "trigger", "check", "parse", "samples", "serve", "send", "local"
    }  # fmt: skip
    for name, command in commands.choices.items():
        assert f"## `dataworks-ext {name}`" in page
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in page or f"[{option}" in page, (name, option)
    for code in ExitCode:
        assert f"| {int(code)}    |" in page


@pytest.mark.parametrize(
    ("reason", "delivered", "error", "text"),
    [
        (Reason.ANSWERED, False, None, "no (dry run)"),
        (Reason.ANSWERED, True, None, "yes, to LocalDataWorks"),
        (Reason.DUPLICATE, False, None, "no: already answered"),
        (Reason.IN_PROGRESS, False, None, "no: being answered elsewhere right now"),
        (Reason.CLAIM_LOST, False, None, "no: another instance took the message over"),
        (Reason.NOTHING_TO_ANSWER, False, None, "no: nothing to answer"),
        (Reason.CANCELLED, False, None, "no: cancelled before a verdict was decided"),
        (
            Reason.STORE_DOWN,
            False,
            StoreError("the store is down", operation="claim"),
            "no: the answer store failed to claim: the store is down",
        ),
    ],
)
def test_the_delivered_text_follows_the_outcomes_reason(
    reason: Reason, delivered: bool, error: BaseException | None, text: str
) -> None:
    from dataworks_ext.cli._delivery import DeliveryTarget, delivered_text

    outcome = Outcome("m-1", None, Verdict.ok(), delivered, error=error, reason=reason)
    assert delivered_text(outcome, DeliveryTarget(None, "LocalDataWorks")).startswith(text)
