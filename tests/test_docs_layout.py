"""The generated tables of the built docs fit the page, measured in a real browser.

The docs are built once (the strict build: ``sphinx-build -W --keep-going -n``), and every
page with a generated table (``dwx-fields``, ``dwx-table``) is opened in headless Chromium at
a laptop's width and a phone's.  A script run in the page measures the tables: none may reach
past the content area or hide text in a cell, and the meaning column keeps a readable width.
The browser is driven through the DevTools protocol on a pipe, so the page is laid out at
exactly the width asked for.  Skipped, saying why, when Sphinx, its theme or Chromium is not
installed (Debian: ``apt-get install chromium``), or failed instead when the environment
variable ``DWX_DOCS_LAYOUT_REQUIRED`` is set (as CI should).

To look at the pages by eye: ``DWX_DOCS_SCREENSHOTS=folder pytest tests/test_docs_layout.py``
saves a screenshot of each page at each width into that folder.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import importlib.util
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _docs_text import DOCS

WIDTHS = {1400: 300, 390: 250}  # viewport width -> least width of a meaning cell, in px
SPHINX = [sys.executable, "-m", "sphinx", "-q", "-W", "--keep-going", "-n", "-b", "html"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

MEASURE = """
(() => {
  const article = document.querySelector("article[role=main]");
  const box = article.getBoundingClientRect();
  const tables = [...document.querySelectorAll("table.dwx-fields, table.dwx-table")];
  const found = tables.map((table, index) => {
    const r = table.getBoundingClientRect();
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const meaning = heads.indexOf("Meaning");
    const widths = [];
    if (meaning >= 0) {
      for (const row of table.querySelectorAll("tbody tr")) {
        widths.push(row.children[meaning].getBoundingClientRect().width);
      }
    }
    const hidden = [...table.querySelectorAll("td, th")]
      .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
      .map((cell) => cell.textContent.trim().slice(0, 60));
    const wrapper = table.parentElement;
    return {
      index: index,
      heads: heads,
      left: r.left,
      right: r.right,
      scrolls: wrapper.scrollWidth > wrapper.clientWidth + 1,
      meaning: widths.length ? Math.min(...widths) : null,
      hidden: hidden,
    };
  });
  return {
    viewport: window.innerWidth,
    content: {left: box.left, right: box.right},
    tables: found,
  };
})()
"""


def _above_9(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class Browser:
    """Headless Chromium driven through the DevTools protocol on a pipe (no port, no package).

    ``--remote-debugging-pipe`` reads commands on fd 3 and writes answers and events on fd 4,
    each a JSON object ended by a NUL byte.  A page is given a device width with
    ``Emulation.setDeviceMetricsOverride``: the window itself cannot be narrower than 500 px.
    """

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser, self._commands = os.pipe()
        self._answers, from_browser = os.pipe()
        # Moved above 9, so that putting them on 3 and 4 cannot overwrite one with the other.
        to_browser, from_browser = (_above_9(fd) for fd in (to_browser, from_browser))

        def onto_3_and_4() -> None:  # in the child, before exec: where the browser reads
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        self._process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=onto_3_and_4,
            close_fds=False,  # the parent's other descriptors are not inheritable anyway
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._answers], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("the browser did not answer in time")
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                raise RuntimeError("the browser closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        found: dict[str, Any] = json.loads(message)
        return found

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command; return its result (events that arrive meanwhile are kept)."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self._commands, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            message = self._read(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self._events.append(message)

    def wait_for(self, method: str, session: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            for index, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self._events[index]
                    return
            self._events.append(self._read(deadline))

    def open(self, url: str, width: int) -> str:
        """A new page at ``url`` laid out ``width`` CSS pixels wide; returns its session."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.enable", session)
        self.send("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        found = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        if "exceptionDetails" in found:
            raise RuntimeError(f"the script failed: {found['exceptionDetails']}")
        return found["result"]["value"]

    def screenshot(self, session: str, path: Path) -> None:
        """Save the whole page as a PNG (to look at a layout by eye)."""
        metrics = self.send("Page.getLayoutMetrics", session)["cssContentSize"]
        data = self.send(
            "Page.captureScreenshot",
            session,
            captureBeyondViewport=True,
            clip={
                "x": 0,
                "y": 0,
                "width": metrics["width"],
                "height": min(metrics["height"], 4000),
                "scale": 1,
            },
        )["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._commands)
        os.close(self._answers)


def _missing(reason: str) -> None:
    """Skip, saying why; fail instead where CI asks for the layout test to run."""
    if os.environ.get("DWX_DOCS_LAYOUT_REQUIRED"):
        pytest.fail(f"{reason}, and DWX_DOCS_LAYOUT_REQUIRED is set")
    pytest.skip(reason)


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    _missing(f"no headless browser to measure the docs with ({', '.join(BROWSERS)})")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for needed in ("sphinx", "myst_parser", "furo"):
        if importlib.util.find_spec(needed) is None:
            _missing(f"the docs build needs {needed} (pip install -e '.[docs]')")
    _browser()
    out = tmp_path_factory.mktemp("docs-html")
    result = subprocess.run(
        [*SPHINX, "-d", str(out / ".doctrees"), str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _pages(out: Path) -> list[Path]:
    return sorted(
        page
        for page in out.rglob("*.html")
        if re.search(r'<table class="[^"]*\bdwx-(fields|table)\b', page.read_text("utf-8"))
    )


@pytest.fixture(scope="module")
def browser(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    started = Browser(_browser(), tmp_path_factory.mktemp("browser-profile"))
    try:
        yield started
    finally:
        started.close()


def _measure(browser: Browser, page: Path, name: str, width: int) -> dict[str, Any]:
    session = browser.open(page.as_uri(), width)
    measured: dict[str, Any] = browser.evaluate(session, MEASURE)
    shots = os.environ.get("DWX_DOCS_SCREENSHOTS")
    if shots:
        shot = name.removesuffix(".html").replace("/", "-")
        browser.screenshot(session, Path(shots) / f"{shot}-{width}.png")
    assert measured["viewport"] == width, "the browser did not lay the page out as wide as asked"
    return measured


def test_the_pages_with_generated_tables_are_found(built: Path) -> None:
    names = {page.relative_to(built).as_posix() for page in _pages(built)}
    assert {"extension-points/backfill.html", "messages.html"} <= names


@pytest.mark.parametrize("width", sorted(WIDTHS, reverse=True))
def test_generated_tables_fit_the_page(built: Path, browser: Browser, width: int) -> None:
    problems: list[str] = []
    measured_tables = 0
    for page in _pages(built):
        name = page.relative_to(built).as_posix()
        measured = _measure(browser, page, name, width)
        left, right = measured["content"]["left"], measured["content"]["right"]
        for table in measured["tables"]:
            measured_tables += 1
            where = (
                f"{name} at {width} px, table {table['index'] + 1} ({', '.join(table['heads'])})"
            )
            if table["left"] < left - 1 or table["right"] > right + 1:
                problems.append(
                    f"{where}: spans {table['left']:.0f}-{table['right']:.0f} px, "
                    f"the content area {left:.0f}-{right:.0f} px"
                )
            if table["scrolls"]:
                problems.append(f"{where}: scrolls sideways")
            if table["hidden"]:
                problems.append(f"{where}: text cut off in {table['hidden'][:3]}")
            if table["meaning"] is not None and table["meaning"] < WIDTHS[width]:
                problems.append(
                    f"{where}: the meaning column is {table['meaning']:.0f} px wide "
                    f"(at least {WIDTHS[width]} px expected)"
                )
    assert measured_tables, "no generated table was measured"
    assert not problems, "\n".join(problems)
