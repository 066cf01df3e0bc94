"""The server process's C heap: a few malloc arenas shared by all threads instead of one per thread.

glibc gives threads malloc arenas of their own, up to eight per core, and memory freed inside an arena goes back
to the system only from its top. The server's worker threads (database
sessions, the roll-up, photos, the JMF writer) each left their arena fragmented, and the server's RSS grew about
25 MB an hour at one change a second, with the Python heap flat and nothing leaked (docs/BENCHMARKS.md, "Soak").
With two arenas it grew a quarter of that. This is glibc's own setting (`mallopt(M_ARENA_MAX)`, the same as the
`MALLOC_ARENA_MAX` environment variable), applied at start-up, before the threads start. Other C libraries: nothing.
"""
import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)
M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(arenas: int) -> bool:
    """At most `arenas` malloc arenas for the process (0: the C library's default). True when glibc took it."""
    if arenas <= 0:
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6').mallopt
    except (OSError, AttributeError):
        logger.info('malloc arenas: not glibc, left as they are')
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    taken = bool(mallopt(M_ARENA_MAX, arenas))
    logger.info('malloc arenas: at most %d (%s)', arenas, 'set' if taken else 'refused by the C library')
    return taken
