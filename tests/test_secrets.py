"""No secret in any text: AccessKey secrets, full AccessKey ids, STS tokens and Redis passwords
never appear in errors, reprs, DEBUG logs, audit JSON or health output, whichever way the
extension was configured."""

from __future__ import annotations

import io
import json
import logging
import traceback
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest

from dataworks_ext import (
    AuditJsonFormatter,
    CallbackClient,
    ConfigurationError,
    Extension,
    FreezeNodeEvent,
    Outcome,
    RedisAnswerStore,
    Registry,
    Verdict,
)
from dataworks_ext.testing import LocalDataWorks, freeze_event

KEY_ID = "LTAI5tKeyIdThatMustStayHidden01"
KEY_SECRET = "kEySeCrEt-3b9f1d2e-never-show"
TOKEN = "STS-ToKeN-CAIS8f7e6d5c4b3a-never-show"
REDIS_PASSWORD = "rEdIsPaSs-77aa"
SECRETS = (KEY_ID, KEY_SECRET, TOKEN, REDIS_PASSWORD)


def registry() -> Registry:
    reg = Registry()

    @reg.on_freeze
    def protect(event: FreezeNodeEvent) -> Verdict:
        return Verdict.fail("node 7 is protected") if 7 in event.node_ids else Verdict.ok()

    return reg


@pytest.fixture
def texts(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Everything said: DEBUG logs of every logger and audit JSON; scanned at the end."""
    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AuditJsonFormatter())
    audit = logging.getLogger("dataworks_ext.audit")
    audit.addHandler(handler)
    said: list[str] = []
    try:
        yield said
    finally:
        audit.removeHandler(handler)
    said += [caplog.text, stream.getvalue()]
    said += [repr(record.__dict__) for record in caplog.records]
    assert stream.getvalue(), "the audit log said nothing"
    leaks = [(secret, text[:300]) for text in said for secret in SECRETS if secret in text]
    assert not leaks, leaks[0]


def everything_about(extension: Extension, outcomes: list[Outcome]) -> list[str]:
    found = [repr(extension), str(extension), repr(extension.callback)]
    health = extension.health()
    found += [repr(health), json.dumps(health.to_dict()), health.http_reply().body.decode()]
    for outcome in outcomes:
        found += [repr(outcome), json.dumps(outcome.to_dict())]
        error: BaseException | None = outcome.error
        while error is not None:
            found += [repr(error), str(error), *traceback.format_exception(error)]
            error = error.__cause__ or error.__context__
    return found


def handle_some(extension: Extension, local: LocalDataWorks) -> list[Outcome]:
    outcomes = [
        extension.handle(freeze_event(message_id="s-ok", node_ids=[1]).to_json()),
        extension.handle(freeze_event(message_id="s-fail", node_ids=[7]).to_json()),
        extension.handle(b'{"id": "s-bad", "data": {"nodeIds": "1,2"}}'),
    ]
    for fault in ("throttle", "bad-request", "forbidden"):
        local.inject(fault, 10)
        outcomes.append(extension.handle(freeze_event(message_id=f"s-{fault}").to_json()))
        local.reset()
    return outcomes


CONFIGURATIONS: dict[str, Callable[[LocalDataWorks], Extension]] = {
    "keyword arguments": lambda local: Extension(
        "ext-secrets",
        CallbackClient(
            region_id=local.region_id,
            endpoint=local.endpoint,
            access_key_id=KEY_ID,
            access_key_secret=KEY_SECRET,
            security_token=TOKEN,
            max_attempts=2,
            backoff_base=0.001,
        ),
        registry(),
        on_audit=lambda record: None,
    ),
    "environment": lambda local: Extension.from_env(
        registry(),
        environ={
            **local.env(),
            "DATAWORKS_EXTENSION_CODE": "ext-secrets",
            "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN,
        },
    ),
    "function compute context": lambda local: Extension(
        "ext-secrets",
        CallbackClient.from_fc_context(
            SimpleNamespace(
                region=local.region_id,
                credentials=SimpleNamespace(
                    access_key_id=KEY_ID, access_key_secret=KEY_SECRET, security_token=TOKEN
                ),
            ),
            endpoint=local.endpoint,
            max_attempts=2,
        ),
        registry(),
    ),
    "environment with a redis url": lambda local: Extension.from_env(
        registry(),
        environ={
            **local.env(),
            "DATAWORKS_EXTENSION_CODE": "ext-secrets",
            "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN,
            "DATAWORKS_REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0",
        },
    ),
}


@pytest.mark.parametrize("how", sorted(CONFIGURATIONS))
def test_no_secret_in_any_text(how: str, texts: list[str]) -> None:
    pytest.importorskip("redis") if "redis" in how else None
    with LocalDataWorks(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, security_token=TOKEN
    ) as local:
        extension = CONFIGURATIONS[how](local)
        outcomes = handle_some(extension, local)
        texts += everything_about(extension, outcomes)
    if "redis" not in how:
        assert outcomes[0].delivered  # the credentials worked: the secrets were really used


def test_wrong_credentials_say_so_without_the_secret(texts: list[str]) -> None:
    with LocalDataWorks(
        access_key_id=KEY_ID, access_key_secret="another", security_token=TOKEN
    ) as local:
        extension = Extension(
            "ext-secrets",
            local.client(access_key_secret=KEY_SECRET, max_attempts=1),
            registry(),
        )
        outcomes = [extension.handle(freeze_event(message_id="s-wrong").to_json())]
        texts += everything_about(extension, outcomes)
    assert not outcomes[0].delivered


MALFORMED = [
    "redis://:{pw}@host:notaport/0",
    "redis://:{pw}@host:99999/0",
    "redis://:{pw}@[::1/0",
    "http://:{pw}@host:6379/0",
    "redis://user:{pw}@host:6379/0?db=x",
    "redis://host:6379/0?password={pw}&socket_timeout=abc",
    "redis://:{pw}/slash@host:6379/0",  # the "port" redis-py quotes is part of the password
    "user:{pw}@host:6379",
    "{pw}",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_every_malformed_redis_url_is_a_configuration_error_without_the_password(
    url: str,
) -> None:
    pytest.importorskip("redis")
    url = url.format(pw=REDIS_PASSWORD)
    with pytest.raises(ConfigurationError) as caught:
        RedisAnswerStore.from_url(url)
    with pytest.raises(ConfigurationError) as through_env:
        Extension.from_env(
            Registry(),
            environ={
                "DATAWORKS_EXTENSION_CODE": "e",
                "DATAWORKS_DRY_RUN": "1",
                "DATAWORKS_REDIS_URL": url,
            },
        )
    for exc in (caught.value, through_env.value):
        shown = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        assert not [text for text in shown if REDIS_PASSWORD in text or "/slash" in text]


def test_a_redis_store_shows_no_password() -> None:
    pytest.importorskip("redis")
    store = RedisAnswerStore.from_url(
        f"redis://me:{REDIS_PASSWORD}@cache:6379/0?password={REDIS_PASSWORD}"
    )
    assert REDIS_PASSWORD not in repr(store) and "me:***@cache" in repr(store)
