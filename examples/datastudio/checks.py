"""DataWorks' two extension samples, written with dataworks-ext.

DataWorks documents two DataStudio gates as its own extension examples:

* refuse a commit (or deployment) whose code calls ``MAX_PT``: the code comes from
  ``GetIDEEventDetail``, and the tip names each offending line;
* refuse deployments on listed holiday dates (``HOLIDAYS``, whole days in ``TIMEZONE``).

Both answer through ``UpdateIDEEventResult``, DataStudio's callback API.  The code is looked up
through the same :class:`~dataworks_ext.CallbackClient` that delivers the verdicts, once per
message; a lookup that fails for good is a check error, answered by the Extension's
``error_result`` (FAIL: the commit waits until the check can run).

Host it like any registry: ``make_extension()`` for your own host (Flask, Function Compute,
Kafka: see the other examples), or ``dataworks-ext serve --app checks:registry``.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from dataworks_ext import CallbackClient, Extension, Lookups, Registry
from dataworks_ext.policies import ChangeFreezeWindow, Clock, Dates, ForbiddenCode, register

FORBIDDEN_PATTERNS = (r"\bMAX_PT\s*\(",)
"""Regular expressions no committed or deployed code may match: ``MAX_PT(`` scans a whole
table's partitions to find the latest one, and reads a partition that may not be complete."""
HOLIDAYS = ("2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07")
"""Dates on which nothing is deployed to production."""
TIMEZONE = ZoneInfo("Asia/Shanghai")
"""The time zone the holidays begin and end in."""


def build_registry(lookups: Lookups, *, clock: Clock | None = None) -> Registry:
    """The two gates, with ``lookups`` to fetch the committed code and ``clock`` (for tests)
    to tell the date."""
    registry = Registry()
    no_max_pt = ForbiddenCode(
        FORBIDDEN_PATTERNS,
        lookups=lookups,
        message="{file} line {line_number} calls MAX_PT; name the partition instead: {line}",
    )
    register(registry, no_max_pt, on=["commit", "deploy"], name="no-max-pt")
    holidays = ChangeFreezeWindow(
        Dates(HOLIDAYS, timezone=TIMEZONE, name="a public holiday"),
        clock=clock,
        message="Deployments are not allowed on {window} (until {end})",
    )
    register(registry, holidays, on="deploy", name="no-holiday-deploys")
    return registry


def make_extension(
    environ: Mapping[str, str] | None = None, *, clock: Clock | None = None
) -> Extension:
    """The Extension, from ``DATAWORKS_EXTENSION_CODE`` and the DataWorks client's variables
    (``DATAWORKS_REGION_ID``, ``DATAWORKS_ENDPOINT``, ``ALIBABA_CLOUD_ACCESS_KEY_ID`` ...):
    one client delivers the verdicts and looks the code up."""
    client = CallbackClient.from_env(environ)
    return Extension.from_env(
        build_registry(Lookups(client), clock=clock), environ=environ, callback=client
    )


registry = build_registry(Lookups(CallbackClient.from_env()))
"""The gates with a client from the environment (nothing is called until a check runs): what
``dataworks-ext serve --app checks:registry`` loads."""
