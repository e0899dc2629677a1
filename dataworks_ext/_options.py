"""The Extension's options, checked: policy results, the ``apis`` override, telemetry."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._audit import AuditRecord, MessageObserver, Trail
from .callback import Callback
from .errors import ConfigurationError
from .events import CallbackApi, EventKind, kind_for_code
from .verdicts import CheckResult

if TYPE_CHECKING:
    from .telemetry import Telemetry

__all__ = ["AutoTelemetry", "apis_option", "result_option", "takes_api", "telemetry_option"]


def result_option(value: CheckResult | str, name: str) -> CheckResult:
    try:
        return CheckResult(value.upper() if isinstance(value, str) else value)
    except (ValueError, AttributeError):
        raise ConfigurationError(f"{name} must be 'OK', 'WARN' or 'FAIL', got {value!r}") from None


def apis_option(apis: Mapping[Any, Any] | None) -> dict[str, CallbackApi]:
    """The ``apis`` override by event code, checked: known extension-point codes, known APIs."""
    if apis is None:
        return {}
    if not isinstance(apis, Mapping):
        raise ConfigurationError(
            f"apis must map event codes to CallbackApi values, got {type(apis).__name__}"
        )
    out: dict[str, CallbackApi] = {}
    for key, value in apis.items():
        code = key.event_code if isinstance(key, EventKind) else key
        kind = kind_for_code(code) if isinstance(code, str) else None
        if kind is None or not kind.is_extension_point:
            raise ConfigurationError(
                f"apis: {key!r} is not the code of an extension-point event in EVENT_KINDS"
            )
        try:
            out[code] = CallbackApi(value)
        except ValueError:
            choices = ", ".join(api.value for api in CallbackApi)
            raise ConfigurationError(
                f"apis[{code!r}] must be one of {choices}; got {value!r}"
            ) from None
    return out


def takes_api(callback: Callback) -> bool:
    """Whether the callback's ``deliver`` takes the ``api`` keyword (custom callbacks written
    before it existed do not: they are called without it)."""
    import inspect

    try:
        parameters = inspect.signature(callback.deliver).parameters
    except (TypeError, ValueError):
        return True
    return "api" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


class AutoTelemetry:
    """``telemetry="auto"``: a Telemetry on the global providers once the application set one.

    Until then each message costs a look into ``sys.modules``; nothing is imported.  A
    :class:`~dataworks_ext.telemetry.MessageObserver`.
    """

    __slots__ = ("found",)

    def __init__(self) -> None:
        self.found: Telemetry | None = None

    @property
    def active(self) -> bool:
        if self.found is not None:
            return True
        if sys.modules.get("opentelemetry.trace") is None:  # not imported: nothing set
            return False
        from .telemetry import Telemetry, provider_set

        if not provider_set():
            return False
        self.found = Telemetry()
        return True

    def observe(self, record: AuditRecord, trail: Trail) -> None:
        """Hand the message to the Telemetry found, if one was."""
        if self.found is not None:
            self.found.observe(record, trail)


def telemetry_option(option: Any) -> MessageObserver | None:
    """What the ``telemetry`` option asks for, or ``None`` (nothing imported when off)."""
    if option is False or option is None:
        return None
    if isinstance(option, str) and option == "auto":
        return AutoTelemetry()
    if option is True:
        if not _importable("opentelemetry.trace", "opentelemetry.metrics"):
            raise ConfigurationError(
                "telemetry=True needs opentelemetry-api: pip install 'dataworks-ext[otel]'"
            )
        from .telemetry import Telemetry

        return Telemetry()
    if isinstance(option, MessageObserver) and callable(option.observe):
        return option
    missing = []
    if not callable(getattr(option, "observe", None)):
        missing.append("observe(record, trail) method")
    if not hasattr(option, "active"):
        missing.append("active property")
    raise ConfigurationError(
        "telemetry must be True, False, 'auto', a Telemetry or another MessageObserver "
        f"(an active property and an observe(record, trail) method); got a "
        f"{type(option).__name__}, which has no {' and no '.join(missing)}"
    )


def _importable(*names: str) -> bool:
    """Whether every module of ``names`` can be imported, without importing any."""
    from importlib.util import find_spec

    try:
        return all(find_spec(name) is not None for name in names)
    except (ImportError, ValueError):
        return False
