"""LocalDataWorks in a process of its own, so that its work does not share the benchmark's GIL.

Started by ``run.py``: prints one JSON line (endpoint and keys), then obeys one command a line
on stdin and answers one JSON line each:

    delay 0.02      set the seconds added to every answer
    stats           {"calls": n, "verdicts": n, "distinct": n}
    reset           forget verdicts and counters

End of input stops the server.
"""

from __future__ import annotations

import json
import sys

from dataworks_ext.testing import LocalDataWorks


def main() -> None:
    with LocalDataWorks(delay=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0) as local:
        print(
            json.dumps(
                {
                    "endpoint": local.endpoint,
                    "access_key_id": local.access_key_id,
                    "access_key_secret": local.access_key_secret,
                    "region_id": local.region_id,
                }
            ),
            flush=True,
        )
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "delay":
                local.delay = float(arg)
                answer: dict[str, object] = {"delay": local.delay}
            elif command == "stats":
                verdicts = local.verdicts
                answer = {
                    "calls": local.calls,
                    "verdicts": len(verdicts),
                    "distinct": len({v.message_id for v in verdicts}),
                }
            elif command == "reset":
                local.reset()
                answer = {"reset": True}
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
