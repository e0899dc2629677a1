"""The ``dataworks-ext`` command: try checks locally, read captured messages, serve a dev webhook.

Commands (each has ``--help``)::

    dataworks-ext demo                                   example checks, realistic events, a table
    dataworks-ext trigger freeze --app checks:registry   one event through your checks
    dataworks-ext check captured/ --app checks:registry  captured messages against expected verdicts
    dataworks-ext parse captured.json                    a captured message or batch, typed
    dataworks-ext samples --output samples/              sample messages of every event
    dataworks-ext serve --app checks:registry            a local webhook to replay events against
    dataworks-ext send URL freeze                        post an event to a running host
    dataworks-ext local                                  a local DataWorks printing verdicts

Exit codes (:class:`ExitCode`): 0 success; 1 a message is unreadable (``parse``, ``serve``
never exits with it), a verdict differs from ``--expect`` (``trigger``, ``send``) or from its
expectation (``check``), a host answered ``send`` with an error status, or the demo went
wrong; 2 a usage error: bad arguments, an ``--app`` that cannot be loaded, a file that cannot
be read, missing credentials, a host ``send`` cannot reach; 3 a verdict could not be
delivered (for ``send``: the host answered 503, RETRY).

Each command is a module of this package (``demo``, ``trigger``, ``check``, ``parse``,
``samples``, ``serve``, ``send``, ``local``: its options and what it runs); the loader of
``--app``, the reading of captured messages and the terminal helpers sit beside them.

Colour is used only when the output is a terminal and ``NO_COLOR`` is not set;
``--color always|never`` overrides both.

Example:
    >>> from dataworks_ext.cli import main
    >>> main(["--color", "never", "trigger", "restore", "--app", "dataworks_ext.cli.demo_checks",
    ...       "--dry-run", "--expect", "OK", "--message-id", "m-1"])  # doctest: +ELLIPSIS
    event      unfreeze-node (RestoreNodeEvent)
    ...
    verdict    OK
    tip        Allowed, and logged for audit: operator 1107550004253538 restores nodes ...
    api        UpdateWorkbenchEventResult
    delivered  no (dry run)
    0
"""

from __future__ import annotations

from ._app import APP_VARIABLE, extension_from_env, load_app
from ._exit_codes import ExitCode
from ._main import main

__all__ = ["APP_VARIABLE", "ExitCode", "extension_from_env", "load_app", "main"]
