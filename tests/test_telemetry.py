"""OpenTelemetry: a span per message with child spans, metrics, and a trace continued from the
CloudEvent's traceparent; with OpenTelemetry absent, nothing of it is imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import pytest
from _observing import MODES, answering, closed_port, handle
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

from dataworks_ext import (
    ConfigurationError,
    Extension,
    FreezeNodeEvent,
    MemoryAnswerStore,
    RedisAnswerStore,
    Registry,
    Verdict,
)
from dataworks_ext.lookups import Lookups
from dataworks_ext.nodes import NodeInfo
from dataworks_ext.telemetry import Telemetry
from dataworks_ext.testing import LocalDataWorks, freeze_event

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"


class Otel:
    """An SDK tracer provider with an in-memory exporter, and a meter with an in-memory reader."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.telemetry = Telemetry(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def root(self) -> ReadableSpan:
        [root] = [span for span in self.spans() if span.name.startswith("process ")]
        return root

    def children(self) -> list[ReadableSpan]:
        root = self.root()
        return [s for s in self.spans() if s.parent and s.parent.span_id == root.context.span_id]

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        found: list[Any] = []
        if data is None:
            return found
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found


@pytest.fixture
def otel() -> Otel:
    return Otel()


@pytest.fixture(scope="module")
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        yield server


def _traced(message_id: str) -> dict[str, Any]:
    raw = freeze_event(message_id=message_id).to_dict()
    raw["traceparent"] = f"00-{TRACE_ID}-{PARENT_ID}-01"
    raw["tracestate"] = "vendor=1"
    return raw


@pytest.mark.parametrize("mode", MODES)
def test_a_message_span_continues_the_cloudevent_trace(
    local: LocalDataWorks, otel: Otel, mode: str
) -> None:
    ext = Extension("ext", local.client(), answering(), telemetry=otel.telemetry)
    handle(ext, _traced(f"traced-{mode}"), mode)
    root = otel.root()
    assert root.name == "process freeze-node" and root.kind is SpanKind.CONSUMER
    assert format(root.context.trace_id, "032x") == TRACE_ID
    assert root.parent is not None and format(root.parent.span_id, "016x") == PARENT_ID
    assert root.context.trace_state.get("vendor") == "1"
    attributes = dict(root.attributes or {})
    assert attributes["messaging.message.id"] == f"traced-{mode}"
    assert attributes["cloudevents.event_id"] == f"traced-{mode}"
    assert attributes["cloudevents.event_type"] == "dataworks:NodeChange:FreezeNode"
    assert attributes["cloudevents.event_source"] == "acs.dataworks"
    assert attributes["dataworks.event_code"] == "freeze-node"
    assert attributes["dataworks.result"] == "OK"
    assert attributes["dataworks.disposition"] == "ACK"
    assert root.status.status_code is StatusCode.UNSET
    names = sorted(span.name for span in otel.children())
    assert names == ["check protect", "deliver UpdateWorkbenchEventResult"]
    for child in otel.children():
        assert root.start_time is not None and child.start_time is not None
        assert root.end_time is not None and child.end_time is not None
        assert root.start_time <= child.start_time <= child.end_time <= root.end_time


def test_without_traceparent_a_new_trace_starts(otel: Otel) -> None:
    Extension("ext", registry=answering(), telemetry=otel.telemetry).handle(freeze_event())
    assert otel.root().parent is None


def test_a_refusal_and_a_crash_are_on_the_check_spans(otel: Otel) -> None:
    reg = answering(ValueError("x"))
    reg.add(FreezeNodeEvent, lambda event: Verdict.fail("no"), name="refuse")
    Extension("ext", registry=reg, telemetry=otel.telemetry).handle(freeze_event())
    checks = {span.name: span for span in otel.children()}
    crashed = checks["check protect"]
    assert crashed.status.status_code is StatusCode.ERROR
    assert dict(crashed.attributes or {})["error.type"] == "ValueError"
    refused = dict(checks["check refuse"].attributes or {})
    assert refused["dataworks.check.result"] == "FAIL"
    root = dict(otel.root().attributes or {})
    assert (root["dataworks.result"], root["dataworks.decided_by"]) == ("FAIL", "refuse,protect")
    assert otel.root().status.status_code is StatusCode.ERROR  # the check's error


def test_every_delivery_attempt_has_a_span(local: LocalDataWorks, otel: Otel) -> None:
    ext = Extension("ext", local.client(), answering(), telemetry=otel.telemetry)
    local.inject("throttle", 2)
    ext.handle(freeze_event(message_id="retried"))
    attempts = sorted(
        (dict(s.attributes or {})["dataworks.attempt"], s.status.status_code)
        for s in otel.children()
        if s.name.startswith("deliver ")
    )
    assert attempts == [(1, StatusCode.ERROR), (2, StatusCode.ERROR), (3, StatusCode.UNSET)]
    [retries] = otel.points("dataworks_ext.delivery.retries")
    assert retries.value == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_delivery_marks_the_span(local: LocalDataWorks, otel: Otel, mode: str) -> None:
    ext = Extension("ext", local.client(max_attempts=2), answering(), telemetry=otel.telemetry)
    local.inject("error", 2)
    handle(ext, freeze_event(message_id=f"failed-{mode}"), mode)
    root = otel.root()
    assert root.status.status_code is StatusCode.ERROR
    attributes = dict(root.attributes or {})
    assert attributes["dataworks.disposition"] == "RETRY"
    assert attributes["dataworks.reason"] == "delivery failed"
    assert attributes["error.type"] == "CallbackError"
    [duration] = otel.points("dataworks_ext.delivery.duration")
    assert duration.count == 1 and dict(duration.attributes)["dataworks.delivered"] is False


def test_a_node_lookup_in_a_check_has_a_span(local: LocalDataWorks, otel: Otel) -> None:
    local.add_nodes(NodeInfo(node_id=7, priority=8))
    client = local.client()  # one client for the lookups and the delivery, as documented
    lookups = Lookups(client, ttl=60)
    reg = Registry()

    @reg.on_freeze
    def high_priority(event: FreezeNodeEvent) -> bool:
        return lookups.node(7).priority < 8

    Extension("ext", client, reg, telemetry=otel.telemetry).handle(
        freeze_event(message_id="looked-up")
    )
    names = [span.name for span in otel.spans()]
    assert "lookup get_node" in names
    [lookup] = [span for span in otel.spans() if span.name == "lookup get_node"]
    assert lookup.parent is not None
    assert lookup.parent.span_id == otel.root().context.span_id


def test_lookups_made_in_parallel_have_a_span_each(local: LocalDataWorks, otel: Otel) -> None:
    local.add_nodes(*(NodeInfo(node_id=i, priority=1) for i in (11, 12, 13)))
    client = local.client()
    lookups = Lookups(client, ttl=60)
    reg = Registry()

    @reg.on_freeze
    def low_priority(event: FreezeNodeEvent) -> bool:
        return all(node.priority < 8 for node in lookups.nodes([11, 12, 13]).values())

    Extension("ext", client, reg, telemetry=otel.telemetry).handle(freeze_event())
    lookups_seen = [s for s in otel.children() if s.name == "lookup get_node"]
    assert len(lookups_seen) == 3
    [delivery] = [s for s in otel.children() if s.name.startswith("deliver ")]
    assert dict(delivery.attributes)["dataworks.attempt"] == 1


@pytest.mark.parametrize(
    ("case", "reason"),
    [("duplicate", "duplicate"), ("in progress", "in progress"), ("unreadable", "unreadable")],
)
def test_other_paths_have_a_span(otel: Otel, case: str, reason: str) -> None:
    store = MemoryAnswerStore()
    ext = Extension("ext", registry=answering(), store=store, telemetry=otel.telemetry)
    raw: Any = freeze_event(message_id="m")
    if case == "duplicate":
        ext.handle(raw)
        otel.exporter.clear()
    elif case == "in progress":
        store.claim("ext", "m", 60)
    else:
        data = raw.to_dict()
        data["data"]["nodeIds"] = "1,2"
        raw = json.dumps(data)
    ext.handle(raw)
    assert dict(otel.root().attributes or {})["dataworks.reason"] == reason


def test_a_deadline_has_a_span(otel: Otel) -> None:
    reg = Registry()

    @reg.on_freeze
    def slow(event: FreezeNodeEvent) -> bool:
        time.sleep(0.5)
        return True

    ext = Extension("ext", registry=reg, handler_timeout=0.1, telemetry=otel.telemetry)
    ext.handle(freeze_event())
    attributes = dict(otel.root().attributes or {})
    assert (attributes["dataworks.reason"], attributes["dataworks.result"]) == ("deadline", "FAIL")


def test_a_store_that_is_down_counts_a_store_error(otel: Otel) -> None:
    store = RedisAnswerStore.from_url(f"redis://127.0.0.1:{closed_port()}/0")
    Extension("ext", registry=answering(), store=store, telemetry=otel.telemetry).handle(
        freeze_event()
    )
    assert dict(otel.root().attributes or {})["dataworks.reason"] == "store down"
    assert otel.root().status.status_code is StatusCode.ERROR
    [errors] = otel.points("dataworks_ext.store.errors")
    assert errors.value == 1


def test_metrics_count_messages_by_code_result_and_disposition(otel: Otel) -> None:
    ext = Extension("ext", registry=answering(Verdict.fail("no")), telemetry=otel.telemetry)
    for index in range(3):
        ext.handle(freeze_event(message_id=f"m-{index}"))
    ext.handle(freeze_event(message_id="m-0"))  # a duplicate
    counts = {
        (
            dict(p.attributes)["dataworks.result"],
            dict(p.attributes)["dataworks.reason"],
            dict(p.attributes)["dataworks.disposition"],
        ): p.value
        for p in otel.points("dataworks_ext.messages")
    }
    assert counts == {("FAIL", "checked", "ACK"): 3, ("FAIL", "duplicate", "ACK"): 1}
    [checks] = otel.points("dataworks_ext.check.duration")
    assert checks.count == 3 and dict(checks.attributes)["dataworks.check.name"] == "protect"


def test_a_report_only_check_is_on_its_span_and_in_the_metrics(otel: Otel) -> None:
    ext = Extension(
        "ext", registry=answering(Verdict.fail("no"), enforce=False), telemetry=otel.telemetry
    )
    ext.handle(freeze_event())
    [check] = [s for s in otel.children() if s.name == "check protect"]
    assert dict(check.attributes or {})["dataworks.check.enforced"] is False
    root = dict(otel.root().attributes or {})
    assert (root["dataworks.result"], root["dataworks.would_have"]) == ("OK", "FAIL")
    [point] = otel.points("dataworks_ext.check.duration")
    assert dict(point.attributes)["dataworks.check.result"] == "FAIL"


@pytest.mark.parametrize("option", ["False", "'auto'"])
def test_telemetry_off_or_waiting_imports_nothing_of_it(option: str) -> None:
    """Installed but neither asked for nor configured by the application: nothing imported."""
    script = (
        "import sys; from dataworks_ext import Extension, Registry;"
        "from dataworks_ext.testing import freeze_event;"
        f"Extension('ext', registry=Registry(), telemetry={option}).handle(freeze_event());"
        "print(sorted(m for m in sys.modules if 'opentelemetry' in m or m.endswith('telemetry')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_telemetry_option_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="telemetry"):
        Extension("ext", telemetry="sometimes")
    assert Extension("ext", telemetry=False).telemetry is None


def test_auto_telemetry_waits_for_a_configured_provider() -> None:
    script = textwrap.dedent(
        """
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter)
        from dataworks_ext import Extension, Registry
        from dataworks_ext.testing import freeze_event

        ext = Extension("ext", registry=Registry())
        assert ext.telemetry is None
        ext.handle(freeze_event())  # nothing set yet: nothing made
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        ext.handle(freeze_event())
        assert ext.telemetry is not None
        print([span.name for span in exporter.get_finished_spans()])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['process freeze-node']"


def test_without_opentelemetry_nothing_is_imported() -> None:
    script = textwrap.dedent(
        """
        import sys

        for name in ("opentelemetry", "opentelemetry.trace", "opentelemetry.metrics"):
            sys.modules[name] = None  # as if not installed: importing it raises ImportError
        from dataworks_ext import AuditRecord, ConfigurationError, Extension, Registry
        from dataworks_ext.testing import freeze_event

        records = []
        ext = Extension("ext", registry=Registry(), on_audit=records.append)
        assert ext.telemetry is None
        assert ext.handle(freeze_event()).verdict.passed and len(records) == 1
        try:
            Extension("ext", telemetry=True)
        except ConfigurationError as exc:
            print("refused:", exc)
        loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry") and sys.modules[m])
        print("loaded:", loaded, "dataworks_ext.telemetry" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("refused: telemetry=True needs opentelemetry-api")
    assert lines[1] == "loaded: [] False"
