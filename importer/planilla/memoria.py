"""Giving freed memory back to the system after a sheet was read.

calamine builds a whole sheet in native memory (about twice the cells while it lays them out)
and frees it once the cells are Python columns. glibc keeps those pages for the process, and
Python's own objects live in separate arenas that cannot reuse them: without a trim, validation
grows on top of memory no one uses (100,000 rows: about 90 MB, which made validation the peak).
"""

from __future__ import annotations

import ctypes
import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")  # glibc's name (musl has no malloc_trim and no such file)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the system where the C library can (glibc); else nothing."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
