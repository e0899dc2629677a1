"""``dataworks-ext check``: a folder of captured messages against the verdicts expected of them,
run in a subprocess as a rules repository's CI runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import CHECKS, SCRIPT, _env, run

from dataworks_ext.cli import ExitCode
from dataworks_ext.testing import backfill_event, batch, freeze_event, with_payload

BROKEN = """
@registry.on_unpublish(name="cmdb")
def cmdb(event):
    raise RuntimeError("the CMDB is down")
"""


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A rules repository: the checks, and captured messages with what is expected of them."""
    from dataworks_ext.testing import unpublish_event

    (tmp_path / "mychecks.py").write_text(CHECKS + BROKEN)
    captured = tmp_path / "captured"
    protected = freeze_event(node_ids=[700005966962], message_id="f-1")
    _write(captured / "freeze" / "protected.json", protected.to_dict())
    _write(
        captured / "freeze" / "protected.expect.json",
        {"result": "FAIL", "tip_contains": "is protected", "decided_by": "protected"},
    )
    lines = [
        {**backfill_event(days=7, message_id="b-7").to_dict(), "expect": {"result": "OK"}},
        {**backfill_event(days=90, message_id="b-90").to_dict(), "expect": {"result": "FAIL"}},
    ]
    (captured / "backfills.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    pair = batch(freeze_event(node_ids=[1], message_id="p-1"), unpublish_event(message_id="p-2"))
    (captured / "batch.json").write_bytes(pair)
    _write(
        captured / "batch.expect.json",
        {"p-1": {"result": "OK"}, "p-2": {"result": "FAIL", "decided_by": "cmdb"}},
    )
    broken = with_payload(freeze_event(message_id="u-1"), nodeIds="1,2")
    _write(captured / "unreadable.json", broken)
    _write(captured / "unreadable.expect.json", {"decided_by": "unreadable_result"})
    _write(captured / "unexpected.json", freeze_event(message_id="n-1").to_dict())
    return tmp_path


def test_check_passes_when_every_verdict_is_as_expected(rules: Path) -> None:
    result = run("check", "captured", "--app", "mychecks:registry", cwd=rules)
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if "  " in line}
    protected = rows[os.path.join("captured", "freeze", "protected.json")]
    assert "freeze-node" in protected and "FAIL" in protected
    assert "protected" in protected and protected.rstrip().endswith("as expected")
    assert "max-days" in rows[os.path.join("captured", "backfills.jsonl") + ":2"]
    assert "  cmdb  " in rows[os.path.join("captured", "batch.json") + "[1]"]
    assert "unreadable_result" in rows[os.path.join("captured", "unreadable.json")]
    assert rows[os.path.join("captured", "unexpected.json")].rstrip().endswith("-")
    assert result.stdout.rstrip().endswith(
        "7 messages: 6 as expected, 0 differ, 1 without an expectation"
    )
    assert "RuntimeError: the CMDB is down" in result.stderr  # a check's bug is logged


def test_check_fails_when_a_verdict_differs_and_says_how(rules: Path) -> None:
    wrong = freeze_event(node_ids=[700005966962], message_id="w-1").to_dict()
    _write(
        rules / "captured" / "wrong.json",
        {**wrong, "expect": {"result": "OK", "tip_contains": "allowed"}},
    )
    result = run("check", "captured", "--app", "mychecks", "--differences", cwd=rules)
    assert result.returncode == ExitCode.FAILED
    body = [line for line in result.stdout.splitlines()[1:] if line.strip()]
    assert body[0].startswith(os.path.join("captured", "wrong.json"))
    assert "expected OK, got FAIL; tip lacks 'allowed'" in body[0]
    assert body[-1] == "8 messages: 6 as expected, 1 differ, 1 without an expectation"


def test_check_json_reports_every_message_and_a_summary(rules: Path) -> None:
    (rules / "captured" / "freeze" / "protected.expect.json").write_text('{"result": "OK"}')
    result = run("check", "captured", "--app", "mychecks:registry", "--format", "json", cwd=rules)
    assert result.returncode == ExitCode.FAILED
    data = json.loads(result.stdout)
    assert data["summary"] == {
        "messages": 7, "as_expected": 5, "differ": 1, "without_expectation": 1
    }  # fmt: skip
    by_id = {m["message_id"]: m for m in data["messages"]}
    assert by_id["f-1"]["as_expected"] is False
    assert by_id["f-1"]["differences"] == ["expected OK, got FAIL"]
    assert by_id["f-1"]["decided_by"] == ["protected"]
    assert by_id["b-7"] | {"source": None} == {
        "source": None, "message_id": "b-7", "event_code": "backfill-data", "result": "OK",
        "tip": None, "delivered": False, "duplicate": False, "in_progress": False,
        "reason": "answered", "api": None,
        "disposition": "ACK", "error": None, "error_detail": None, "decided_by": ["max-days"],
        "expected": {"result": "OK"}, "as_expected": True, "differences": [],
    }  # fmt: skip
    assert by_id["p-2"]["error"] == "RuntimeError"
    assert by_id["p-2"]["error_detail"]["type"] == "RuntimeError"
    assert by_id["n-1"]["as_expected"] is None


def test_a_message_id_used_twice_is_judged_twice(rules: Path) -> None:
    again = freeze_event(node_ids=[1], message_id="f-1").to_dict()
    _write(rules / "captured" / "freeze" / "variant.json", {**again, "expect": {"result": "OK"}})
    result = run("check", "captured", "--app", "mychecks", "--format", "json", cwd=rules)
    assert result.returncode == ExitCode.OK, result.stdout
    assert not any(m["duplicate"] for m in json.loads(result.stdout)["messages"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"result": "MAYBE"}', "result must be OK, WARN, FAIL or null"),
        ('{"verdict": "OK"}', "unknown expectation field 'verdict'"),
        ("{nope", "not JSON"),
    ],
)
def test_an_expectation_that_cannot_be_read_is_a_usage_error(
    rules: Path, content: str, message: str
) -> None:
    (rules / "captured" / "unexpected.expect.json").write_text(content)
    result = run("check", "captured", "--app", "mychecks", cwd=rules)
    assert result.returncode == ExitCode.USAGE
    assert "unexpected.expect.json" in result.stderr and message in result.stderr


def test_nothing_to_check_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "mychecks.py").write_text(CHECKS)
    (tmp_path / "empty").mkdir()
    result = run("check", "empty", "--app", "mychecks", cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert "no captured messages in empty" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_thousands_of_messages_with_progress_only_on_a_terminal(tmp_path: Path) -> None:
    import pty

    (tmp_path / "mychecks.py").write_text(CHECKS)
    lines = [
        json.dumps({**backfill_event(days=1 + i % 60).to_dict(), "expect": {"result": None}})
        for i in range(2000)
    ]
    lines[0] = json.dumps({**backfill_event(days=5).to_dict(), "expect": {"result": "OK"}})
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n")
    args = [str(SCRIPT), "check", "many.jsonl", "--app", "mychecks", "--format", "json"]

    piped = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, env=_env())
    summary = json.loads(piped.stdout)["summary"]
    assert summary == {"messages": 2000, "as_expected": 1, "differ": 1999, "without_expectation": 0}
    assert piped.stderr == ""  # not a terminal: no progress line

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=follower, env=_env(), text=True
    )
    os.close(follower)
    out, _ = proc.communicate(timeout=300)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert json.loads(out)["summary"]["messages"] == 2000
    assert b"checking  2000/2000" in shown
    assert shown.endswith(b"\r")  # the line is erased at the end


def _check_one_line(tmp_path: Path, source: str, line: dict[str, object]) -> dict[str, object]:
    (tmp_path / "codechecks.py").write_text(
        "from dataworks_ext import Registry, Verdict\n" + source
    )
    (tmp_path / "m.jsonl").write_text(json.dumps(line) + "\n")
    result = run("check", "m.jsonl", "--app", "codechecks", "--format", "json", cwd=tmp_path)
    data: dict[str, object] = json.loads(result.stdout)["messages"][0]
    return data


def test_an_async_check_of_a_datastudio_event_is_named(tmp_path: Path) -> None:
    from dataworks_ext.testing import commit_file_event

    checked = _check_one_line(
        tmp_path,
        "registry = Registry()\n"
        "@registry.on_commit_file(name='naming')\n"
        "async def naming(event, message):\n    return Verdict.warn('odd name')\n",
        {**commit_file_event(message_id="c-1").to_dict(), "expect": {"result": "WARN"}},
    )
    assert (checked["result"], checked["decided_by"]) == ("WARN", ["naming"])
    assert checked["as_expected"] is True


def test_a_check_registered_by_code_is_named(tmp_path: Path) -> None:
    from dataworks_ext.testing import extension_point_event

    checked = _check_one_line(
        tmp_path,
        "registry = Registry()\n"
        "@registry.on('start-diJob', name='no-sync-on-friday')\n"
        "def no_sync(event):\n    return Verdict.fail('no syncs today')\n",
        extension_point_event("start-diJob", message_id="s-1").to_dict(),
    )
    assert (checked["result"], checked["decided_by"]) == ("FAIL", ["no-sync-on-friday"])
