"""The drivers of the pipeline: they perform its steps, blocking or with awaits.

:class:`SyncDriver` serves :meth:`Extension.handle <dataworks_ext.Extension.handle>`: it makes
blocking calls, runs the checks on the calling thread and keeps their deadline with the
shared watchdog.  When the deadline passes while a sync check is stuck, the watchdog starts a
thread that runs :meth:`Pipeline.answer <dataworks_ext._pipeline.Pipeline.answer>` with the
timeout verdict (a new run of the answer steps on the same job: the stuck thread's generator
is never resumed elsewhere); the stuck thread, once its check returns, takes that outcome.

:class:`AsyncDriver` serves ``handle_async``: async checks run on the loop, sync checks in a
bounded thread pool, both cut at the deadline by asyncio, so a slow sync check never blocks
the loop nor other messages.  Everything from deciding the verdict on (decide, deliver,
complete) runs in a task of its own, shielded from the caller's cancellation: a host that
gives up on a request (a client disconnect) never leaves a verdict half sent.

Each driver holds its claims' leases with a heartbeat (:mod:`dataworks_ext._heartbeat`).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from ._audit import trail_open
from ._heartbeat import AsyncHeartbeat, Heartbeat
from ._pipeline import PASSED, TIMED_OUT, Decided, Job, Pipeline, Step, Steps, store_error
from ._watchdog import WATCHDOG, Watch
from .errors import CallbackError
from .outcomes import Outcome
from .registry import Check
from .stores._base import Claim, ClaimState

if TYPE_CHECKING:
    from .extension import Extension

__all__ = ["AsyncDriver", "SyncDriver"]

logger = logging.getLogger("dataworks_ext")

_watch = WATCHDOG.watch
_cancel = WATCHDOG.cancel
_HOLDS = (ClaimState.ACQUIRED, ClaimState.DECIDED)
_BEFORE_DECIDING = frozenset({Step.CLAIM, Step.SETTINGS, Step.CHECK, Step.RELEASE})
"""The steps of handle_async that a cancel interrupts (the pipeline then gives its claim up);
from DECIDE, DELIVER or COMPLETE on, the answer runs in a shielded task."""


class _HandedOver(Exception):
    """The deadline fired: the answer was given on the deadline's thread, with this outcome."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


class _Late:
    """The deadline's thread reports the outcome of the answer it gave."""

    __slots__ = ("done", "outcome")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.outcome: Outcome | None = None


class _DeadlinePassed(Exception):
    """The extension's deadline (not a check's own TimeoutError) cut an async check short."""


def _performers(driver: Any) -> tuple[Any, ...]:
    """The driver's method for each :class:`Step`, in the order of its values: ``_claim``
    for CLAIM, ``_check`` for CHECK, and so on."""
    return tuple(getattr(driver, f"_{step.name.lower()}") for step in sorted(Step))


def _store_failed(job: Job, operation: str, exc: Exception) -> Any:
    """The StoreError of a store step, counted in the job's trail."""
    if job.trail is not None:
        job.trail.store_errors += 1
    return store_error(operation, job.message_id, exc)


def _attempts(trail: Any, refused: Any) -> int:
    """Calls made by a delivery: a CallbackError's count, else the delivery calls noted, or 1."""
    attempts = getattr(refused, "attempts", None)
    if type(attempts) is not int:
        attempts = sum(1 for call in trail.calls if call.delivery) or 1
    return attempts


class Driver:
    """What both drivers hold: the Extension, its pipeline and wiring, a heartbeat for the
    claims in flight, and the method performing each step."""

    def __init__(self, ext: Extension, pipeline: Pipeline, heartbeat: Any) -> None:
        self.ext = ext
        self.pipeline = pipeline
        wiring = self.wiring = pipeline.wiring
        self.heartbeat = heartbeat(lambda: wiring.store, lambda: ext.lease)
        self._perform = _performers(self)


class SyncDriver(Driver):
    """Performs the pipeline's steps with blocking calls (``handle``, ``handle_batch``)."""

    heartbeat: Heartbeat

    def __init__(self, ext: Extension, pipeline: Pipeline) -> None:
        super().__init__(ext, pipeline, Heartbeat)

    def run(self, raw: Any) -> Outcome:
        """Handle one message."""
        job = self.pipeline.job(raw)
        return self.drive(job, self.pipeline.steps(job))

    def drive(self, job: Job, steps: Steps) -> Outcome:
        """Perform ``steps`` on ``job`` to the end; emit the job's record."""
        send = steps.send
        perform = self._perform
        try:
            step = send(None)
            while True:
                try:
                    value = perform[step](job)
                except _HandedOver as handed:  # the answer was given on the deadline's thread
                    steps.close()
                    return handed.outcome
                except BaseException as exc:  # the pipeline gives its claim up, re-raises
                    step = steps.throw(exc)
                    continue
                step = send(value)
        except StopIteration as stop:
            return self.pipeline.finish(job, stop.value)
        except BaseException as exc:
            self.pipeline.cancelled(job, exc)
            raise

    # ------------------------------------------------------------------ store steps

    def _claim(self, job: Job) -> Any:
        ext = self.ext
        try:
            claim = self.wiring.store.claim(ext.extension_code, job.message_id, ext.lease)
        except Exception as exc:
            return _store_failed(job, "claim", exc)
        if type(claim) is Claim and claim.state in _HOLDS:
            self.heartbeat.hold(claim)
        return claim

    def _decide(self, job: Job) -> Any:
        try:
            return bool(self.wiring.store.decide(job.claim, job.verdict, self.ext.lease))
        except Exception as exc:
            return _store_failed(job, "decide", exc)

    def _complete(self, job: Job) -> Any:
        claim = job.claim
        self.heartbeat.drop(claim)  # type: ignore[arg-type]
        try:
            return bool(self.wiring.store.complete(claim, job.verdict))
        except Exception as exc:
            return _store_failed(job, "complete", exc)

    def _release(self, job: Job) -> Any:
        claim = job.claim
        self.heartbeat.drop(claim)  # type: ignore[arg-type]
        try:
            return bool(self.wiring.store.release(claim))
        except Exception as exc:
            return _store_failed(job, "release", exc)

    def _settings(self, job: Job) -> str | None:
        cache = self.ext.settings_cache
        if cache is None:
            return None
        try:
            settings = cache.get()
        except Exception:  # the settings never stop a message
            logger.exception("could not read the extension settings")
            return None
        return self.pipeline.switched_off(job, settings)

    # ------------------------------------------------------------------ delivery

    def _deliver(self, job: Job) -> Exception | None:
        trail = job.trail
        if trail is None:
            return self._send(job)
        started = time.perf_counter()
        with trail_open(trail):
            refused = self._send(job)
        trail.delivery = (started, time.perf_counter())
        trail.attempts = _attempts(trail, refused)
        return refused

    def _send(self, job: Job) -> Exception | None:
        ext = self.ext
        try:
            if self.wiring.takes_api:
                job.callback.deliver(job.message_id, ext.extension_code, job.verdict, api=job.api)
            else:
                job.callback.deliver(job.message_id, ext.extension_code, job.verdict)
        except Exception as exc:
            return exc
        return None

    # ------------------------------------------------------------------ checks

    def _check(self, job: Job) -> Decided:
        plan = job.plan
        assert plan is not None
        if plan.any_async:
            _refuse_inside_running_loop()
        timeout = self.ext.handler_timeout
        watch = None if timeout is None else _watch(timeout, self._on_deadline, job)
        decided: Decided | None
        trail = job.trail
        try:
            single = plan.single
            if single is not None and trail is None:
                decided = self._call(job, single, watch)
            else:
                with trail_open(trail):  # lookups made by the checks are noted in the trail
                    decided = self._run(job, watch)
        except BaseException:
            if watch is None or _cancel(watch):
                raise  # the job is still this thread's: the pipeline gives its claim up
            decided = None  # the deadline's thread answers
        else:
            if watch is None or _cancel(watch):
                return decided
        late: _Late | None = WATCHDOG.wait(watch)  # the deadline fired first
        if late is None:  # its thread could not start: answer here
            return TIMED_OUT
        late.done.wait()
        if type(decided) is tuple:
            self.pipeline.discard_late(job, decided[0])
        assert late.outcome is not None
        raise _HandedOver(late.outcome)

    def _run(self, job: Job, watch: Watch | None) -> Decided:
        runner = self.pipeline.checks(job)
        try:
            check = next(runner)
            while True:
                check = runner.send(self._call(job, check, watch))
        except StopIteration as done:
            decided: Decided = done.value
            return decided

    def _call(self, job: Job, check: Check, watch: Watch | None) -> Decided:
        try:
            result = self.pipeline.invoke(job, check)
            if result is None or result is True:
                return PASSED
            if check.is_async or hasattr(result, "__await__"):
                result = _run_coroutine(result, _remaining(watch))
        except _DeadlinePassed:
            return TIMED_OUT
        except Exception as exc:
            return self.pipeline.failed(job, check, exc), exc
        return self.pipeline.result(job, check, result)

    def _on_deadline(self, job: Job) -> _Late:
        """Runs in the watchdog thread: starts a thread to answer (no I/O here)."""
        late = _Late()
        threading.Thread(
            target=self._answer_late, args=(job, late), name="dataworks-ext-deadline", daemon=True
        ).start()
        return late

    def _answer_late(self, job: Job, late: _Late) -> None:
        """Decide and deliver the timeout verdict while the stuck check runs on."""
        try:
            self.pipeline.timed_out(job)
            late.outcome = self.drive(job, self.pipeline.answer(job))
        except BaseException as exc:  # never leave the stuck thread waiting
            failure = CallbackError(
                f"answering with the timeout verdict raised {type(exc).__name__}",
                message_id=job.message_id,
                code=type(exc).__name__,
            )
            late.outcome = Outcome(job.message_id, None, None, False, error=failure)
        finally:
            late.done.set()


class AsyncDriver(Driver):
    """Performs the pipeline's steps with awaits (``handle_async``, ``handle_batch_async``)."""

    heartbeat: AsyncHeartbeat

    def __init__(self, ext: Extension, pipeline: Pipeline) -> None:
        self._pool: Any = None
        self._pool_lock = threading.Lock()
        self._answering: set[Any] = set()  # tasks giving answers, shielded from cancels
        super().__init__(ext, pipeline, AsyncHeartbeat)

    async def run(self, raw: Any) -> Outcome:
        """Handle one message."""
        job = self.pipeline.job(raw)
        return await self.drive(job, self.pipeline.steps(job))

    async def drive(self, job: Job, steps: Steps) -> Outcome:
        """Perform ``steps`` on ``job``: claim and checks here (a cancel gives the claim up),
        the answer in a shielded task."""
        import asyncio

        send = steps.send
        perform = self._perform
        try:
            step = send(None)
            while step in _BEFORE_DECIDING:
                try:
                    value = await perform[step](job)
                except BaseException as exc:  # a cancel: the pipeline gives its claim up
                    step = steps.throw(exc)
                    continue
                step = send(value)
        except StopIteration as stop:
            return self.pipeline.finish(job, stop.value)
        except BaseException as exc:
            self.pipeline.cancelled(job, exc)
            raise
        task = asyncio.get_running_loop().create_task(self._answer(job, steps, step))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)
        return await asyncio.shield(task)

    async def _answer(self, job: Job, steps: Steps, step: Step) -> Outcome:
        perform = self._perform
        try:
            while True:
                try:
                    value = await perform[step](job)
                except BaseException as exc:
                    step = steps.throw(exc)
                    continue
                step = steps.send(value)
        except StopIteration as stop:
            return self.pipeline.finish(job, stop.value)
        except BaseException as exc:
            self.pipeline.cancelled(job, exc)
            raise

    # ------------------------------------------------------------------ store steps

    async def _store(self, operation: str, *args: Any) -> Any:
        store = self.wiring.async_store
        if store is not None:
            return await getattr(store, f"{operation}_async")(*args)
        import asyncio

        return await asyncio.to_thread(getattr(self.wiring.store, operation), *args)

    async def _claim(self, job: Job) -> Any:
        ext = self.ext
        try:
            claim = await self._store("claim", ext.extension_code, job.message_id, ext.lease)
        except Exception as exc:
            return _store_failed(job, "claim", exc)
        if type(claim) is Claim and claim.state in _HOLDS:
            self.heartbeat.hold(claim)
        return claim

    async def _decide(self, job: Job) -> Any:
        try:
            return bool(await self._store("decide", job.claim, job.verdict, self.ext.lease))
        except Exception as exc:
            return _store_failed(job, "decide", exc)

    async def _complete(self, job: Job) -> Any:
        self.heartbeat.drop(job.claim)  # type: ignore[arg-type]
        try:
            return bool(await self._store("complete", job.claim, job.verdict))
        except Exception as exc:
            return _store_failed(job, "complete", exc)

    async def _release(self, job: Job) -> Any:
        self.heartbeat.drop(job.claim)  # type: ignore[arg-type]
        try:
            return bool(await self._store("release", job.claim))
        except Exception as exc:
            return _store_failed(job, "release", exc)

    async def _settings(self, job: Job) -> str | None:
        cache = self.ext.settings_cache
        if cache is None:
            return None
        try:
            settings = await cache.get_async()
        except Exception:  # the settings never stop a message
            logger.exception("could not read the extension settings")
            return None
        return self.pipeline.switched_off(job, settings)

    # ------------------------------------------------------------------ delivery

    async def _deliver(self, job: Job) -> Exception | None:
        trail = job.trail
        if trail is None:
            return await self._send(job)
        started = time.perf_counter()
        with trail_open(trail):
            refused = await self._send(job)
        trail.delivery = (started, time.perf_counter())
        trail.attempts = _attempts(trail, refused)
        return refused

    async def _send(self, job: Job) -> Exception | None:
        ext = self.ext
        callback = job.callback
        try:
            if self.wiring.takes_api:
                await callback.deliver_async(
                    job.message_id, ext.extension_code, job.verdict, api=job.api
                )
            else:
                await callback.deliver_async(job.message_id, ext.extension_code, job.verdict)
        except Exception as exc:
            return exc
        return None

    # ------------------------------------------------------------------ checks

    async def _check(self, job: Job) -> Decided:
        import asyncio

        timeout = self.ext.handler_timeout
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        runner = self.pipeline.checks(job)
        with trail_open(job.trail):  # lookups made by the checks are noted in the trail
            try:
                check = next(runner)
                while True:
                    check = runner.send(await self._call(job, check, deadline))
            except StopIteration as done:
                decided: Decided = done.value
                return decided

    async def _call(self, job: Job, check: Check, deadline: float | None) -> Decided:
        import asyncio

        invoke = self.pipeline.invoke
        try:
            if check.is_async:
                result = invoke(job, check)
            else:  # off the loop, so a slow one neither blocks it nor misses the deadline
                context = contextvars.copy_context()  # the trail, the caller's spans, ...
                result = asyncio.get_running_loop().run_in_executor(
                    self._checks_pool(), context.run, invoke, job, check
                )
            result = await _await_until(result, deadline)
            if hasattr(result, "__await__"):  # a sync function that returned an awaitable
                result = await _await_until(result, deadline)
        except _DeadlinePassed:
            return TIMED_OUT
        except Exception as exc:
            return self.pipeline.failed(job, check, exc), exc
        return self.pipeline.result(job, check, result)

    def _checks_pool(self) -> Any:
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                pool = self._pool
                if pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    pool = self._pool = ThreadPoolExecutor(
                        max_workers=self.ext.check_threads,
                        thread_name_prefix="dataworks-ext-check",
                    )
        return pool


async def _await_until(awaitable: Awaitable[Any], deadline: float | None) -> Any:
    """Await a check's result until ``deadline`` (loop time); raise :class:`_DeadlinePassed`.

    A check that raises TimeoutError itself before the deadline is a failing check, not a
    late one, so its error propagates as it is.
    """
    import asyncio

    if deadline is None:
        return await awaitable
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(awaitable, max(0.0, deadline - loop.time()))
    except asyncio.TimeoutError:
        if loop.time() >= deadline - 0.001:
            raise _DeadlinePassed from None
        raise


def _refuse_inside_running_loop() -> None:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "Extension.handle() was called inside a running event loop and a check is async; "
        "use 'await extension.handle_async(...)' instead"
    )


def _run_coroutine(awaitable: Awaitable[Any], timeout: float | None) -> Any:
    import asyncio

    async def run() -> Any:
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        return await _await_until(awaitable, deadline)

    return asyncio.run(run())


def _remaining(watch: Watch | None) -> float | None:
    """Seconds left before the watched deadline (``None`` without one)."""
    return None if watch is None else watch[0] - WATCHDOG.clock()
