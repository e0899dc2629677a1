"""Settings every test shares."""

from __future__ import annotations

import os

import pytest

# The official SDK reads HTTP(S)_PROXY and ignores NO_PROXY, so a proxy set on the machine would
# capture even calls to 127.0.0.1.  Every test talks to loopback only: drop proxies for the run.
_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True, scope="session")
def _no_proxies() -> None:
    for name in _PROXY_VARIABLES:
        os.environ.pop(name, None)
