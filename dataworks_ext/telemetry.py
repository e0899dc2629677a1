"""OpenTelemetry traces and metrics of an :class:`~dataworks_ext.Extension` (optional).

With ``opentelemetry-api`` installed (``pip install 'dataworks-ext[otel]'``) and the
application's OpenTelemetry SDK configured, each message handled gives:

* a span ``process <event code>`` (kind CONSUMER) continuing the trace of the CloudEvent's
  ``traceparent``/``tracestate`` (the CloudEvents distributed-tracing extension), with a child
  span per check (``check <name>``), per node lookup (``lookup <action>``) and per delivery
  attempt (``deliver <API>``), the calls as the clients report them through their call
  hooks (the Extension's callback client, and the client of every ``Lookups``);
* metrics: ``dataworks_ext.messages`` (counter, by event code, result, disposition and
  reason), ``dataworks_ext.check.duration`` and ``dataworks_ext.delivery.duration``
  (histograms, seconds), ``dataworks_ext.delivery.retries`` and ``dataworks_ext.store.errors``
  (counters).

The spans are made from the message's audit trail once the message is settled, with the
times recorded on the way; nothing is traced while checks run.  This module is imported
only when telemetry is on: without OpenTelemetry, nothing of it is loaded.
"""

from __future__ import annotations

import sys
from typing import Any

from ._audit import AuditRecord, MessageObserver, Trail
from ._version import __version__

__all__ = ["MessageObserver", "Telemetry", "provider_set"]

_SCOPE = "dataworks_ext"


class Telemetry:
    """Where an Extension's spans and metrics go: the global providers unless given.

    A :class:`MessageObserver`: the Extension hands it each settled message.

    ``Extension(telemetry="auto")`` (the default) makes one on the global providers once the
    application has set one (see :func:`provider_set`), and ``telemetry=True`` at once; pass
    one with providers of its own to send an Extension's telemetry elsewhere (tests do, with
    the SDK's in-memory exporter).

    Args:
        tracer_provider: An OpenTelemetry ``TracerProvider``; the global one unless given.
        meter_provider: An OpenTelemetry ``MeterProvider``; the global one unless given.

    Example:
        >>> from opentelemetry.sdk.trace import TracerProvider
        >>> from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        >>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
        ...     InMemorySpanExporter)
        >>> from dataworks_ext import Extension, Registry
        >>> from dataworks_ext.telemetry import Telemetry
        >>> from dataworks_ext.testing import freeze_event
        >>> exporter = InMemorySpanExporter()
        >>> provider = TracerProvider()
        >>> provider.add_span_processor(SimpleSpanProcessor(exporter))
        >>> ext = Extension("ext", registry=Registry(),
        ...                 telemetry=Telemetry(tracer_provider=provider))
        >>> _ = ext.handle(freeze_event(message_id="m-1"))
        >>> [span.name for span in exporter.get_finished_spans()]
        ['process freeze-node']
    """

    def __init__(self, *, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        from ._extras import require

        require("opentelemetry.trace", "otel")  # else a ConfigurationError naming pip install
        from opentelemetry import metrics, trace
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self._trace = trace
        self._propagator = TraceContextTextMapPropagator()
        if tracer_provider is None:
            self._tracer = trace.get_tracer(_SCOPE, __version__)
        else:
            self._tracer = tracer_provider.get_tracer(_SCOPE, __version__)
        meter = (
            metrics.get_meter(_SCOPE, __version__)
            if meter_provider is None
            else meter_provider.get_meter(_SCOPE, __version__)
        )
        self._messages = meter.create_counter(
            "dataworks_ext.messages", unit="{message}", description="Messages handled"
        )
        self._check_duration = meter.create_histogram(
            "dataworks_ext.check.duration", unit="s", description="How long each check ran"
        )
        self._delivery_duration = meter.create_histogram(
            "dataworks_ext.delivery.duration",
            unit="s",
            description="How long delivering a verdict took, retries included",
        )
        self._retries = meter.create_counter(
            "dataworks_ext.delivery.retries", unit="{retry}", description="Delivery retries"
        )
        self._store_errors = meter.create_counter(
            "dataworks_ext.store.errors",
            unit="{error}",
            description="Answer-store calls that failed",
        )

    def __repr__(self) -> str:
        return f"Telemetry(tracer={self._tracer!r})"

    @property
    def active(self) -> bool:
        """Always ``True``: a Telemetry makes spans and metrics for every message.

        Example:
            >>> from opentelemetry.sdk.trace import TracerProvider
            >>> from dataworks_ext.telemetry import Telemetry
            >>> Telemetry(tracer_provider=TracerProvider()).active
            True
        """
        return True

    def observe(self, record: AuditRecord, trail: Trail) -> None:
        """Make the spans and measurements of one settled message (called by the Extension).

        Example:
            >>> from opentelemetry.sdk.trace import TracerProvider
            >>> from dataworks_ext.telemetry import MessageObserver, Telemetry
            >>> telemetry = Telemetry(tracer_provider=TracerProvider())
            >>> isinstance(telemetry, MessageObserver)
            True
        """
        trace = self._trace
        message = trail.message
        parent = None
        attributes = getattr(message, "attributes", None)
        if attributes and "traceparent" in attributes:
            carrier = {"traceparent": str(attributes["traceparent"])}
            if "tracestate" in attributes:
                carrier["tracestate"] = str(attributes["tracestate"])
            parent = self._propagator.extract(carrier)
        wall, perf = trail.wall, trail.perf

        def ns(moment: float) -> int:
            return wall + int((moment - perf) * 1e9)

        event_code = record.event_code or "unreadable"
        span = self._tracer.start_span(
            f"process {event_code}",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes=_span_attributes(message, record),
            start_time=wall,
        )
        context = trace.set_span_in_context(span)
        for check, verdict, error, started, ended, enforced in trail.checks:
            child = self._tracer.start_span(
                f"check {check.name}",
                context=context,
                attributes={
                    "dataworks.check.name": check.name,
                    "dataworks.check.result": verdict.result.value,
                    "dataworks.check.enforced": enforced,
                },
                start_time=ns(started),
            )
            if error is not None:
                child.set_attribute("error.type", type(error).__name__)
                child.set_status(trace.Status(trace.StatusCode.ERROR))
            child.end(ns(ended))
            self._check_duration.record(
                ended - started,
                {
                    "dataworks.check.name": check.name,
                    "dataworks.event_code": event_code,
                    "dataworks.check.result": verdict.result.value,
                    "dataworks.check.enforced": enforced,
                },
            )
        delivery = trail.delivery
        for call in trail.calls:
            attrs: dict[str, Any]
            if call.delivery:  # the client says so: a delivery attempt, not a read
                name = f"deliver {record.api or call.action}"
                attrs = {
                    "dataworks.api": record.api or call.action,
                    "dataworks.attempt": call.attempt,
                }
            else:
                name = f"lookup {call.action}"
                attrs = {"dataworks.action": call.action}
            child = self._tracer.start_span(
                name, context=context, attributes=attrs, start_time=ns(call.started)
            )
            if call.failure is not None:
                child.set_attribute("error.type", call.failure)
                child.set_status(trace.Status(trace.StatusCode.ERROR))
            child.end(ns(call.ended))
        if record.error is not None or record.disposition != "ACK":
            span.set_status(trace.Status(trace.StatusCode.ERROR, record.reason))
            if record.error is not None:
                span.set_attribute("error.type", record.error.split(" ", 1)[0])
        span.end()
        self._messages.add(
            1,
            {
                "dataworks.event_code": event_code,
                "dataworks.result": record.result or "none",
                "dataworks.disposition": record.disposition,
                "dataworks.reason": record.reason,
            },
        )
        if delivery is not None:
            api = record.api or "none"
            self._delivery_duration.record(
                delivery[1] - delivery[0],
                {"dataworks.api": api, "dataworks.delivered": record.delivered},
            )
            if record.delivery_attempts and record.delivery_attempts > 1:
                self._retries.add(record.delivery_attempts - 1, {"dataworks.api": api})
        if trail.store_errors:
            self._store_errors.add(trail.store_errors)


def provider_set() -> bool:
    """Whether the application has set a global OpenTelemetry tracer or meter provider.

    Imports nothing: without ``opentelemetry.trace`` imported, no provider can have been
    set.  Reads the API's own globals when present, else its public getters.

    Example:
        >>> from dataworks_ext.telemetry import provider_set
        >>> provider_set()
        False
    """
    trace: Any = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return False
    internal = sys.modules.get("opentelemetry.metrics._internal")
    tracer = getattr(trace, "_TRACER_PROVIDER", ...)
    meter = getattr(internal, "_METER_PROVIDER", ...)
    if tracer is ... or meter is ...:
        from opentelemetry import metrics

        return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider) or not (
            type(metrics.get_meter_provider()).__name__.startswith("_Proxy")
        )
    return tracer is not None or meter is not None


def _span_attributes(message: Any, record: AuditRecord) -> dict[str, Any]:
    """The message span's attributes: OpenTelemetry's messaging and CloudEvents conventions
    where they exist, ``dataworks.*`` for the rest; ``None`` values are left out."""
    found: dict[str, Any] = {
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.message.id": record.message_id,
        "cloudevents.event_id": record.message_id,
        "cloudevents.event_type": getattr(message, "event_type", None),
        "cloudevents.event_source": getattr(message, "source", None),
        "cloudevents.event_subject": getattr(message, "subject", None),
        "dataworks.extension_code": record.extension_code,
        "dataworks.event_code": record.event_code,
        "dataworks.module": record.module,
        "dataworks.workspace": record.workspace,
        "dataworks.result": record.result,
        "dataworks.decided_by": ",".join(record.decided_by) or None,
        "dataworks.would_have": record.would_have,
        "dataworks.reason": record.reason,
        "dataworks.api": record.api,
        "dataworks.delivered": record.delivered,
        "dataworks.delivery.attempts": record.delivery_attempts,
        "dataworks.store": record.store,
        "dataworks.disposition": record.disposition,
    }
    return {key: value for key, value in found.items() if value is not None}
