"""The official SDK's failures, classified: one row per kind of exception the SDK raises.

Every row raises a real exception class from the SDK's own packages (alibabacloud_tea_openapi,
darabonba, alibabacloud_credentials) or the transports beneath it (requests, aiohttp).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import aiohttp
import pytest
import requests
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_tea_openapi.exceptions import (
    ClientException,
    ServerException,
    ThrottlingException,
)
from darabonba.exceptions import RetryError, UnretryableException
from darabonba.policy.retry import RetryPolicyContext

from dataworks_ext._retry import RetryPolicy
from dataworks_ext._sdk_failures import SdkFailure, classify, unsuccessful
from dataworks_ext.errors import ConfigurationError

WHERE = "https://dataworks.cn-shanghai.aliyuncs.com"


def wrapped(inner: BaseException) -> BaseException:
    """What darabonba raises around a transport error when it will not retry."""
    return UnretryableException(RetryPolicyContext(exception=inner))


def raised_during(outer: Callable[[], BaseException], inner: BaseException) -> BaseException:
    """``outer()`` raised while handling ``inner`` (its ``__context__``)."""
    try:
        raise inner
    except BaseException:
        try:
            raise outer()
        except BaseException as exc:
            return exc
    raise AssertionError("unreachable")


# (exception, code, status, request id, retryable, reason starts with)
ROWS: list[tuple[str, BaseException, str | None, int | None, str | None, bool, str]] = [
    (
        "parameter error",
        ClientException(status_code=400, code="InvalidParameter", request_id="R1"),
        "InvalidParameter",
        400,
        "R1",
        False,
        "DataWorks rejected the call's parameters",
    ),
    (
        "edition lacks the feature",
        ClientException(status_code=403, code="Forbidden.Access", request_id="R2"),
        "Forbidden.Access",
        403,
        "R2",
        False,
        "DataWorks refused permission",
    ),
    (
        "bad signature",
        ClientException(status_code=400, code="SignatureDoesNotMatch"),
        "SignatureDoesNotMatch",
        400,
        None,
        False,
        "DataWorks rejected the credentials or the signature",
    ),
    (
        "unknown key id",
        ClientException(status_code=404, code="InvalidAccessKeyId.NotFound"),
        "InvalidAccessKeyId.NotFound",
        404,
        None,
        False,
        "DataWorks rejected the credentials",
    ),
    (
        "throttled by code",
        ThrottlingException(status_code=400, code="Throttling.User"),
        "Throttling.User",
        400,
        None,
        True,
        "DataWorks throttled the call",
    ),
    (
        "throttled by status",
        ClientException(status_code=429, code="Throttling.Api"),
        "Throttling.Api",
        429,
        None,
        True,
        "DataWorks throttled the call",
    ),
    (
        "server error",
        ServerException(status_code=500, code="InternalError.System", request_id="R3"),
        "InternalError.System",
        500,
        "R3",
        True,
        "DataWorks failed with a server error",
    ),
    (
        "status as text, code 'None'",
        ServerException(status_code="503", code="None", request_id="None"),  # type: ignore[arg-type]
        None,
        503,
        None,
        True,
        "DataWorks failed with a server error",
    ),
    (
        "request timeout answer",
        ClientException(status_code=408, code="RequestTimeout"),
        "RequestTimeout",
        408,
        None,
        True,
        "DataWorks rejected the call",
    ),
    (
        "refused before any call",
        ClientException(code="ParameterMissing"),
        "ParameterMissing",
        None,
        None,
        False,
        "the Alibaba Cloud SDK refused to make the call",
    ),
    (
        "no credentials",
        CredentialException("no credential found"),
        "CredentialError",
        None,
        None,
        False,
        "could not obtain Alibaba Cloud credentials",
    ),
    (
        "connect timeout (requests)",
        wrapped(requests.exceptions.ConnectTimeout("connect timed out")),
        "ConnectTimeout",
        None,
        None,
        True,
        f"could not connect to DataWorks at {WHERE} in time",
    ),
    (
        "read timeout (requests)",
        wrapped(requests.exceptions.ReadTimeout("read timed out")),
        "ReadTimeout",
        None,
        None,
        True,
        "DataWorks did not answer within 10s",
    ),
    (
        "connection refused (requests)",
        wrapped(requests.exceptions.ConnectionError("refused")),
        "ConnectionError",
        None,
        None,
        True,
        f"could not reach DataWorks at {WHERE}",
    ),
    (
        "read timeout (aiohttp)",
        aiohttp.ServerTimeoutError("timeout"),
        "ReadTimeout",
        None,
        None,
        True,
        "DataWorks did not answer",
    ),
    (
        "connection error (aiohttp)",
        aiohttp.ClientConnectionError("reset"),
        "ConnectionError",
        None,
        None,
        True,
        "could not reach DataWorks",
    ),
    (
        "bare connection refused",
        ConnectionRefusedError(111, "refused"),
        "ConnectionError",
        None,
        None,
        True,
        "could not reach DataWorks",
    ),
    (
        "darabonba's RetryError carries only text",
        RetryError("Max retries exceeded"),
        "ConnectionError",
        None,
        None,
        True,
        "could not reach DataWorks",
    ),
    (
        "answer is not JSON",
        json.JSONDecodeError("Expecting value", "<html>", 0),
        "InvalidResponse",
        None,
        None,
        True,
        "DataWorks sent an answer that is not JSON",
    ),
    (
        "answer inside the wrapper's context",
        raised_during(lambda: ValueError("decoding"), ServerException(status_code=502, code="Bad")),
        "Bad",
        502,
        None,
        True,
        "DataWorks failed with a server error",
    ),
    (
        "something else",
        wrapped(KeyError("x")),
        "KeyError",
        None,
        None,
        False,
        "the Alibaba Cloud SDK raised KeyError",
    ),
]


@pytest.mark.parametrize(
    ("exc", "code", "status", "request_id", "retryable", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in ROWS],
)
def test_sdk_failures_are_classified(
    exc: BaseException,
    code: str | None,
    status: int | None,
    request_id: str | None,
    retryable: bool,
    reason: str,
) -> None:
    failure = classify(exc, WHERE, 10.0)
    assert (failure.code, failure.status, failure.request_id, failure.retryable) == (
        code,
        status,
        request_id,
        retryable,
    )
    assert failure.reason.startswith(reason), failure.reason


def test_only_an_unknown_exception_is_unexpected() -> None:
    assert classify(ValueError("x"), WHERE, 1.0).unexpected
    assert not any(classify(row[1], WHERE, 1.0).unexpected for row in ROWS if row[2] != "KeyError")


def test_the_sdks_texts_never_reach_the_reason() -> None:
    secret = "AccessKeySecret=do-not-show"
    exc = ClientException(status_code=400, code="InvalidParameter", message=secret)
    for failure in (classify(exc, WHERE, 1.0), classify(wrapped(OSError(secret)), WHERE, 1.0)):
        assert secret not in failure.reason + failure.describe()


class Answer:
    def __init__(self, success: object, status: int = 200) -> None:
        self.status_code = status
        self.body = type("Body", (), {"success": success, "request_id": "R9"})()


@pytest.mark.parametrize(("success", "accepted"), [(True, True), (False, False), (None, False)])
def test_an_answer_is_accepted_only_when_success_is_true(success: object, accepted: bool) -> None:
    failure = unsuccessful(Answer(success), "the verdict")
    assert (failure is None) is accepted
    if failure is not None:
        assert (failure.code, failure.status, failure.request_id, failure.retryable) == (
            "Unsuccessful",
            200,
            "R9",
            False,
        )
        assert failure.reason == "DataWorks did not accept the verdict (Success is not true)"


# ---------------------------------------------------------------------------- the retry policy

RETRYABLE = SdkFailure("throttled", "Throttling.User", status=429, retryable=True)
FINAL = SdkFailure("bad parameter", "InvalidParameter", status=400)


@pytest.mark.parametrize(
    ("attempt", "failure", "elapsed", "retried"),
    [
        pytest.param(1, RETRYABLE, 0.0, True, id="retryable, first attempt"),
        pytest.param(3, RETRYABLE, 0.0, True, id="retryable, below max_attempts"),
        pytest.param(4, RETRYABLE, 0.0, False, id="max_attempts reached"),
        pytest.param(1, FINAL, 0.0, False, id="not retryable"),
        pytest.param(1, RETRYABLE, 20.0, False, id="deadline passed"),
    ],
)
def test_retry_policy_decides(
    attempt: int, failure: SdkFailure, elapsed: float, retried: bool
) -> None:
    policy = RetryPolicy(max_attempts=4, backoff_base=0.2, backoff_cap=5.0, deadline=20.0)
    assert (policy.delay(attempt, failure, elapsed) is not None) is retried


def test_retry_waits_grow_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, backoff_base=0.1, backoff_cap=0.5, deadline=1000.0)
    for attempt, bound in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (9, 0.5)]:
        waits = [policy.delay(attempt, RETRYABLE, 0.0) for _ in range(200)]
        assert all(w is not None and 0.0 <= w <= bound for w in waits)
        assert max(w for w in waits if w is not None) > bound / 2  # full jitter, not a fixed wait


def test_a_wait_that_would_end_past_the_deadline_gives_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = RetryPolicy(max_attempts=10, backoff_base=5.0, backoff_cap=5.0, deadline=1.0)
    drawn = iter([0.5, 0.005])  # the jittered waits, drawn in turn
    monkeypatch.setattr("dataworks_ext._retry.random.uniform", lambda low, high: next(drawn))
    assert policy.delay(1, RETRYABLE, 0.99) is None  # 0.99 + 0.5 ends past the deadline
    assert policy.delay(1, RETRYABLE, 0.99) == 0.005  # a wait that still fits is taken
    assert policy.cut_short(1, RETRYABLE)
    assert not policy.cut_short(10, RETRYABLE)


@pytest.mark.parametrize(
    "settings",
    [{"max_attempts": 0}, {"max_attempts": True}, {"deadline": 0}, {"backoff_base": -1}],
)
def test_retry_policy_settings_are_checked(settings: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError, match=next(iter(settings))):
        RetryPolicy(**settings)  # type: ignore[arg-type]
