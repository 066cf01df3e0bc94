"""A few malloc arenas for all threads (app/memory.py): the server's RSS stopped growing with its worker threads'
fragmented arenas. Counted with glibc's own `malloc_info` in a fresh process whose threads allocate at once."""
import platform
import subprocess
import sys

import pytest

from app.memory import limit_malloc_arenas

PROBE = '''
import ctypes, ctypes.util, sys, tempfile, threading
from app.memory import limit_malloc_arenas
limit_malloc_arenas(int(sys.argv[1]))
barrier, kept = threading.Barrier(8), []
def work():
    barrier.wait()  # all eight allocate at the same moment
    kept.append([bytes(4096) for _ in range(200)])  # past pymalloc's 512 bytes: malloc's own
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc = ctypes.CDLL(ctypes.util.find_library('c'))
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile() as out:
    stream = libc.fopen(out.name.encode(), b'w')
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(open(out.name).read().count('<heap nr='))
'''


def arenas_with(limit: int) -> int:
    done = subprocess.run([sys.executable, '-c', PROBE, str(limit)], capture_output=True, text=True, timeout=60,
                          check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason='malloc arenas are glibc’s')
def test_threads_share_the_few_arenas_the_setting_allows() -> None:
    assert arenas_with(0) > 2  # glibc's default: arenas of their own (the test could fail)
    assert arenas_with(2) <= 2


def test_no_limit_asked_changes_nothing() -> None:
    assert limit_malloc_arenas(0) is False
