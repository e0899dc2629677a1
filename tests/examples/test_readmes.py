"""Each example runs from its own folder exactly as its README's "Run it locally" steps say, in
subprocesses: ``dataworks-ext local``, the example with the README's environment, the README's
request.  Only the ports are free ones instead of the README's 9000 and 8080, so that test runs
side by side do not collide."""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from _docs_text import ROOT, blocks, section
from conftest import EXAMPLES, free_port, wait_until_healthy

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell steps")

SCRIPT = Path(sys.executable).with_name("dataworks-ext")
RUN_LOCALLY = "## Run it locally against LocalDataWorks"


def steps(folder: str) -> list[str]:
    """The bash blocks of the README's "Run it locally" section."""
    readme = (EXAMPLES / folder / "README.md").read_text(encoding="utf-8")
    return [b.text for b in blocks(section(readme, RUN_LOCALLY)) if b.info == "bash"]


def _env(exports: dict[str, str], local_port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATAWORKS_", "KAFKA_"))}
    env.pop("PYTHONPATH", None)
    for key, value in exports.items():
        env[key] = value.replace("127.0.0.1:9000", f"127.0.0.1:{local_port}")
    env.update(extra)
    return env


class Local:
    """``dataworks-ext local`` as the README's first step runs it, on a free port."""

    def __init__(self, step: str) -> None:
        assert step.strip() == "dataworks-ext local --port 9000", step
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(SCRIPT), "local", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        while "Ctrl+C" not in (line := self.lines.get(timeout=30)):
            assert line, "local ended before it was ready"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def verdict_line(self) -> str:
        """The next line local prints (a verdict), waiting at most a minute."""
        return self.lines.get(timeout=60)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=30)  # its output is the reading thread's
        assert self.proc.stderr is not None
        assert code == 0, self.proc.stderr.read()


def _exports(step: str) -> tuple[list[str], dict[str, str], list[str]]:
    """(pip lines, the exported variables, the remaining commands) of a bash block."""
    text = step.replace("\\\n", " ")
    pip, exports, commands = [], {}, []
    for line in text.splitlines():
        words = shlex.split(line)
        if not words:
            continue
        if words[0] == "pip":
            pip.append(line.strip())
        elif words[0] == "export":
            exports.update(word.split("=", 1) for word in words[1:])  # type: ignore[misc]
        else:
            commands.append(line.strip())
    return pip, exports, commands


def _requirements_installed(folder: str) -> None:
    """``pip install -r requirements.txt`` is not run (no index here): what it lists must be
    installed already, as the project's ``examples`` extra."""
    from importlib.metadata import distribution

    lines = (EXAMPLES / folder / "requirements.txt").read_text().splitlines()
    for line in lines:
        name = re.split(r"[<>=!~ #\[]", line.strip(), maxsplit=1)[0]
        if name:
            distribution(name)  # raises PackageNotFoundError when missing


def test_the_flask_example_runs_as_its_readme_says() -> None:
    local_step, app_step, curl_step = steps("flask_app")
    pip, exports, commands = _exports(app_step)
    assert pip == ["pip install -r requirements.txt"]
    assert commands == ["python app.py"]
    _requirements_installed("flask_app")
    port = free_port()
    _serve_and_post(
        [sys.executable, "app.py"], exports, port, curl_step, local_step, PORT=str(port)
    )


def _serve_and_post(
    command: list[str], exports: dict[str, str], port: int, curl: str, local_step: str, **extra: str
) -> int:
    """Run the Flask app with ``command`` from its folder, post the README's request, and
    stop it with SIGTERM; returns its exit code."""
    local = Local(local_step)
    app = subprocess.Popen(
        command,
        cwd=EXAMPLES / "flask_app",
        env=_env(exports, local.port, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _post_the_readme_request(app, port, curl, local)
    finally:
        app.send_signal(signal.SIGTERM)
        app.communicate(timeout=60)
        local.stop()
    return app.returncode


def _post_the_readme_request(
    app: subprocess.Popen[str], port: int, curl: str, local: Local
) -> None:
    """Wait for the app's health check, post the README's request, and see the verdict."""
    wait_until_healthy(app, f"http://127.0.0.1:{port}")
    words = shlex.split(curl.replace("\\\n", " "))
    target = next(w for w in words if w.startswith("http://127.0.0.1:8080/"))
    body = words[words.index("-d") + 1]
    request = urllib.request.Request(
        target.replace("127.0.0.1:8080", f"127.0.0.1:{port}"),
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        reply = json.loads(response.read())
    message_id = json.loads(body)["id"]
    assert reply["outcomes"][0]["message_id"] == message_id
    line = local.verdict_line()
    assert f"FAIL  {message_id}  (local-extension, UpdateWorkbenchEventResult)" in line


def test_the_flask_deploy_step_serves_under_gunicorn() -> None:
    readme = (EXAMPLES / "flask_app" / "README.md").read_text(encoding="utf-8")
    deploy = next(b.text for b in blocks(readme) if "gunicorn " in b.text)
    pip, _, commands = _exports(deploy)
    assert pip == ["pip install dataworks_ext-*.whl -r requirements.txt"]
    (command,) = commands
    local_step, app_step, curl_step = steps("flask_app")
    _, exports, _ = _exports(app_step)
    port = free_port()
    words = shlex.split(command)
    assert words[0] == "gunicorn"
    gunicorn = [sys.executable, "-m", "gunicorn", *words[1:], "--bind", f"127.0.0.1:{port}"]
    assert _serve_and_post(gunicorn, exports, port, curl_step, local_step) == 0


def test_the_flask_folder_cannot_stand_in_for_flask() -> None:
    _, exports, _ = _exports(steps("flask_app")[1])
    found = subprocess.run(
        [sys.executable, "-c", "import flask; print(flask.__file__)"],
        cwd=EXAMPLES / "flask_app",
        env=_env(exports, 9000),
        capture_output=True,
        text=True,
        check=True,
    )
    assert not Path(found.stdout.strip()).is_relative_to(EXAMPLES)


def test_the_function_compute_example_runs_as_its_readme_says() -> None:
    local_step, call_step = steps("fc")
    _requirements_installed("fc")
    words = shlex.split(call_step)
    assignments = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    command = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
    assert command[:2] == ["python", "-c"]
    local = Local(local_step)
    try:
        done = subprocess.run(
            [sys.executable, *command[1:]],
            cwd=EXAMPLES / "fc",
            env=_env(assignments, local.port),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        first, second = local.verdict_line(), local.verdict_line()
    finally:
        local.stop()
    assert "  FAIL  " in first and "  OK  " in second


def test_every_example_lists_its_requirements_and_the_extra_has_them() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli")
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    provided = {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower() for r in extra["examples"]}
    for folder in sorted(p for p in EXAMPLES.iterdir() if (p / "README.md").is_file()):
        listed = (folder / "requirements.txt").read_text().splitlines()
        names = {
            re.split(r"[<>=!~ #\[]", line.strip(), maxsplit=1)[0].lower()
            for line in listed
            if line.strip() and not line.lstrip().startswith("#")
        }
        assert names <= provided, folder.name
        readme = (folder / "README.md").read_text()
        assert 'pip install "dataworks-ext' not in readme, folder.name  # not on an index yet
        assert "pip install dataworks-ext" not in readme, folder.name
        assert "dataworks_ext-*.whl" in readme, folder.name


def test_the_kafka_example_runs_as_its_readme_says(kafka_broker: Any) -> None:
    broker_step, local_step, run_step = steps("kafka")
    assert "--listener-url tcp://127.0.0.1:9092" in broker_step  # the fixture's broker, as here
    head, consumer, producer = run_step.partition("python consumer.py &\n")
    assert consumer, run_step
    pip, exports, commands = _exports(head)
    assert (pip, commands) == (["pip install -r requirements.txt"], [])
    _requirements_installed("kafka")
    topic = kafka_broker.create_topic()
    exports.update(KAFKA_BOOTSTRAP_SERVERS=kafka_broker.bootstrap, KAFKA_TOPIC=topic)
    produce = shlex.split(producer)
    assert produce[:2] == ["python", "-c"]
    code = produce[2].replace("127.0.0.1:9092", kafka_broker.bootstrap)
    code = code.replace("'dataworks-events'", repr(topic))
    local = Local(local_step)
    env = _env(exports, local.port)
    consumer_process = subprocess.Popen(
        [sys.executable, "consumer.py"],
        cwd=EXAMPLES / "kafka",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        produced = subprocess.run(
            [sys.executable, "-c", code],
            cwd=EXAMPLES / "kafka",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert produced.returncode == 0, produced.stderr
        lines = [local.verdict_line(), local.verdict_line()]
    finally:
        consumer_process.send_signal(signal.SIGTERM)  # the README's kill $!
        _, err = consumer_process.communicate(timeout=60)
        local.stop()
    assert consumer_process.returncode == 0, err
    assert all("  FAIL  " in line for line in lines), lines
