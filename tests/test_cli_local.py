"""``dataworks-ext local``: a LocalDataWorks on a port that prints each verdict as it arrives,
run as a user runs it and stopped with Ctrl+C (SIGINT)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import CHECKS, SCRIPT, _env, run

from dataworks_ext import CallbackClient, Verdict

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")


def start_local(*extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``local``; its first line (standard error with ``--json``) names the endpoint."""
    proc = subprocess.Popen(
        [str(SCRIPT), "local", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    stream = proc.stderr if "--json" in extra else proc.stdout
    assert stream is not None
    first = stream.readline()
    if "listening on" not in first:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"local did not start: {first!r} {err!r}")
    return proc, first.rsplit(" ", 1)[1].strip()


def interrupt(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


def test_local_prints_the_verdict_trigger_delivers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "mychecks.py").write_text(CHECKS)
    proc, endpoint = start_local()
    try:
        assert proc.stdout is not None
        exported = {}
        while True:
            line = proc.stdout.readline()
            assert line, "local ended before printing its environment"
            if line.startswith("  export "):
                key, _, value = line.strip().removeprefix("export ").partition("=")
                exported[key] = value
            if "Ctrl+C" in line:
                break
        assert exported["DATAWORKS_ENDPOINT"] == endpoint
        result = run(
            "trigger", "freeze", "--app", "mychecks:registry", "--node-id", "700005966962",
            "--message-id", "m-local", "--endpoint", endpoint,
            cwd=tmp_path, env=_env(**exported),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert f"yes, to {endpoint}" in result.stdout
        line = proc.stdout.readline()  # printed before DataWorks' answer went back
        assert " FAIL  m-local  (local-extension, UpdateWorkbenchEventResult)  " in line
        assert line.rstrip().endswith("  node 700005966962 is protected")
    finally:
        code, out, err = interrupt(proc)
    assert code == 0, err
    assert out.rstrip().endswith("stopped; 1 verdict received")
    assert "Traceback" not in err


def test_local_json_prints_one_line_per_verdict_from_an_sdk_call() -> None:
    proc, endpoint = start_local("--json")
    try:
        client = CallbackClient(
            region_id="cn-shanghai",
            endpoint=endpoint,
            access_key_id="LTAI5tLocalDataWorksKey",
            access_key_secret="local-dataworks-secret",
        )
        client.deliver("m-1", "ext", Verdict.fail("frozen on Fridays"))
        client.deliver("m-2", "ext", Verdict.ok())
        assert proc.stdout is not None
        first, second = json.loads(proc.stdout.readline()), json.loads(proc.stdout.readline())
    finally:
        code, out, err = interrupt(proc)
    assert code == 0, err
    assert first["message_id"] == "m-1"
    assert (first["result"], first["tip"]) == ("FAIL", "frozen on Fridays")
    assert (second["message_id"], second["result"]) == ("m-2", "OK")
    assert out == ""  # nothing but the verdicts
    assert err.rstrip().endswith("stopped; 2 verdicts received")


def test_local_explains_a_port_in_use() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("local", "--port", str(port))
    assert result.returncode == 2
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr
