"""Cold start, the SDK way: one fresh process answers one message with dataworks-ext.

Reads the message from stdin; the extension code, endpoint and keys come from the
environment (``DATAWORKS_EXTENSION_CODE``, ``DATAWORKS_ENDPOINT``, ``ALIBABA_CLOUD_*``), as
in a Function Compute function.  Exits 0 once the verdict is delivered.
"""

import sys

from dataworks_ext import Extension, FreezeNodeEvent, Registry, Verdict

registry = Registry()


@registry.on_freeze
def protect_core(event: FreezeNodeEvent) -> Verdict:
    if 700005966962 in event.node_ids:
        return Verdict.fail("node 700005966962 feeds the finance close")
    return Verdict.ok()


outcome = Extension.from_env(registry).handle(sys.stdin.buffer.read())
sys.exit(0 if outcome.delivered else 1)
