"""The running engine: state, durability, job waiters and time, shared by the gRPC and HTTP APIs.

A command is applied synchronously on the event loop, then its caller awaits ``durable()``: the
batch holding its effects is written by the store on a background thread while later commands are
already being applied (group commit). A response is sent only once its batch is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from engine.runtime.engine import Engine
from engine.runtime.journal import Journal
from engine.runtime.lifecycle import NO_OBSERVER, LifecycleObserver
from engine.runtime.partition import Partition
from engine.runtime.rejections import Rejection, RejectionType
from engine.runtime.state import ProcessInstance
from engine.storage.sqlite_store import Batch, SqliteStore

T = TypeVar("T")
log = logging.getLogger(__name__)

TICK_SECONDS = 0.05
"""How often due timers, job deadlines and back-offs are looked at: timers fire at most this late."""


class StoreWriter:
    """The thread that writes batches, one at a time, and tells the event loop when each is durable.

    A thread of its own fed through a ``SimpleQueue`` rather than ``run_in_executor``: a flush happens
    every few commands, and the executor's hand-over (its locks and condition variables, the work item,
    chaining a concurrent future to an asyncio one) cost about three times this one's CPU.

    The thread is a daemon, as it may never be told to stop (a test abandoning an engine to simulate a
    crash): it holds nothing that is not on disk or acknowledged, since a command is only answered once
    its batch is written. ``close`` writes what was queued before it, then ends the thread.
    """

    def __init__(self, store: SqliteStore, name: str) -> None:
        self._store = store
        self._name = name
        self._queue: queue.SimpleQueue[
            tuple[Batch, asyncio.AbstractEventLoop, asyncio.Future[None]] | None
        ] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def write(self, batch: Batch) -> asyncio.Future[None]:
        """Queue ``batch``; the future is done once it is durable, or failed with the write's error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        self._queue.put((batch, loop, future))
        return future

    def close(self) -> None:
        """Let the batches queued so far be written, then end the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            batch, loop, future = item
            try:
                self._store.write(batch)
            except BaseException as error:  # whatever it is, the flush loop must hear of it
                _settle(loop, future, error)
            else:
                _settle(loop, future, None)


def _settle(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[None], error: BaseException | None
) -> None:
    """Complete ``future`` on its loop's thread; a closed loop has no one left waiting."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(_complete, future, error)


def _complete(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # the waiting flush was cancelled
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class EngineService:
    """One partition with its store; every state change goes through ``command``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        synchronous: str = "FULL",
        max_pending: int = 5000,
        lifecycle: LifecycleObserver = NO_OBSERVER,
    ) -> None:
        self.partition = Partition()
        self.store = SqliteStore(data_dir / "engine.db", synchronous=synchronous)
        self.store.load(self.partition)
        # Only now: what loading restored had its transitions observed before the restart, if ever.
        self.partition.lifecycle = lifecycle
        self.engine = Engine(self.partition)
        self.max_pending = max_pending
        self._writer = StoreWriter(self.store, name="engine-store")
        self._waiters: list[asyncio.Future[None]] = []
        self._flushing = False
        self._job_events: dict[str, asyncio.Event] = {}
        self._results: dict[int, list[asyncio.Future[ProcessInstance]]] = {}
        self.partition.jobs_available = self._jobs_available
        self.partition.instance_finished = self._instance_finished
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False
        self._failure: BaseException | None = None
        """Set when a write failed: memory is then ahead of disk, so nothing more is acknowledged."""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def close(self) -> None:
        self._closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.flush()
        self._writer.close()
        self.store.close()

    # ------------------------------------------------------------------ commands
    def overloaded(self) -> bool:
        return len(self._waiters) >= self.max_pending

    async def command(self, apply: Callable[[Engine], T], *, exempt_from_backpressure: bool = False) -> T:
        """Apply one command and return its result once it is durable."""
        self._check_healthy()
        if not exempt_from_backpressure and self.overloaded():
            raise Rejection(
                "ANY",
                RejectionType.RESOURCE_EXHAUSTED,
                "Expected to handle the command, but the engine is overloaded: too many commands await writing",
            )
        result = apply(self.engine)
        await self.durable()
        return result

    async def durable(self) -> None:
        """Wait until everything applied so far is on disk."""
        self._check_healthy()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._kick()
        await future

    async def flush(self) -> None:
        if self._failure is None and (self.partition.journal or self._waiters):
            await self.durable()

    def _check_healthy(self) -> None:
        """Fail-stop: after a failed write the engine refuses everything until it is restarted from disk."""
        if self._failure is not None:
            raise self._unavailable()

    def _unavailable(self) -> Rejection:
        return Rejection(
            "ANY",
            RejectionType.UNAVAILABLE,
            f"Expected to handle the command, but the engine could not write its state ({self._failure}); "
            "restart it to recover from its data directory",
        )

    def _kick(self) -> None:
        if not self._flushing and self._failure is None:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush_loop())

    async def _flush_loop(self) -> None:
        try:
            while self._waiters or self.partition.journal:
                journal, self.partition.journal = self.partition.journal, Journal()
                waiters, self._waiters = self._waiters, []
                batch = SqliteStore.batch(self.partition, journal)
                try:
                    await self._writer.write(batch)
                except Exception as error:  # a failed write must never be acknowledged
                    log.exception("writing engine state failed; refusing all commands until restarted")
                    self._failure = error
                    for waiter in waiters + self._waiters:
                        if not waiter.done():
                            waiter.set_exception(self._unavailable())
                    self._waiters = []
                    return
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
        finally:
            self._flushing = False

    # ------------------------------------------------------------------ jobs
    def _jobs_available(self, job_type: str) -> None:
        event = self._job_events.get(job_type)
        if event is not None:
            event.set()

    async def wait_for_jobs(self, job_type: str, timeout: float) -> None:
        """Return when a job of this type may have become activatable, or after ``timeout``."""
        event = self._job_events.setdefault(job_type, asyncio.Event())
        if self.partition.activatable.get(job_type):
            return
        event.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    # ------------------------------------------------------------------ results
    def _instance_finished(self, instance: ProcessInstance) -> None:
        for future in self._results.pop(instance.key, []):
            if not future.done():
                future.set_result(instance)

    def result_of(self, instance_key: int) -> asyncio.Future[ProcessInstance]:
        future: asyncio.Future[ProcessInstance] = asyncio.get_running_loop().create_future()
        self._results.setdefault(instance_key, []).append(future)
        return future

    # ------------------------------------------------------------------ time
    async def _tick_forever(self) -> None:
        while not self._closed:
            await asyncio.sleep(TICK_SECONDS)
            due = self.partition.next_due()
            if due is not None and due <= time.time():
                self.engine.tick()
                self.engine.execution.run()
                if self.partition.journal:
                    self._kick()
