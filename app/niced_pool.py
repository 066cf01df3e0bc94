"""Thread pools whose threads yield the CPU to request handling: Argon2 checks and photo decoding."""
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar('T')


class NicedPool:
    """A thread pool created on first use; its threads run `niceness` steps below normal (Linux: per thread,
    and threads they start inherit it)."""

    def __init__(self, workers: int, name: str, niceness: int) -> None:
        self.workers, self.name, self.niceness = workers, name, niceness
        self._executor: ThreadPoolExecutor | None = None
        self._guard = threading.Lock()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        with self._guard:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix=self.name,
                                                    initializer=self._lower_priority)
        return self._executor.submit(fn, *args)

    def _lower_priority(self) -> None:
        thread = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + self.niceness)
        except OSError as error:
            logger.info('%s threads keep normal priority: %s', self.name, error)
