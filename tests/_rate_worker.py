"""One replica delivering verdicts through a CallbackClient that takes from a shared
RedisRateLimiter.  Run by tests/test_ratelimit.py: the callback from ``DATAWORKS_*``, the
limiter from ``WORKER_REDIS_URL`` / ``WORKER_KEY_PREFIX`` / ``WORKER_WRITES``; delivers
``WORKER_COUNT`` verdicts with ids ``WORKER_NAME-i`` once ``WORKER_START`` (a wall-clock
time) is reached, and prints one line per delivery: ``ok <id>`` or ``error <id> <code>``.
"""

from __future__ import annotations

import os
import time

from dataworks_ext import CallbackClient, CallbackError, RedisRateLimiter, Verdict

limiter = RedisRateLimiter.from_url(
    os.environ["WORKER_REDIS_URL"],
    reads_per_second=float(os.environ["WORKER_WRITES"]),
    writes_per_second=float(os.environ["WORKER_WRITES"]),
    key_prefix=os.environ["WORKER_KEY_PREFIX"],
)
client = CallbackClient.from_env(limiter=limiter, deadline=60.0, backoff_base=0.01)
name = os.environ["WORKER_NAME"]
# Warm up before the start: the SDK imported, its client built, a connection open (a read,
# from the read budget), so the first delivery is not slower than the others.
client.call("get_extension", "GetExtensionRequest", {"extension_code": "warm"}, False)
time.sleep(max(0.0, float(os.environ["WORKER_START"]) - time.time()))
for i in range(int(os.environ["WORKER_COUNT"])):
    try:
        client.deliver(f"{name}-{i}", "ext-rate", Verdict.ok())
        print(f"ok {name}-{i}", flush=True)
    except CallbackError as exc:
        print(f"error {name}-{i} {exc.code}", flush=True)
