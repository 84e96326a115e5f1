"""The process's resources: one thread for torch, BLAS and OpenMP; the memory a request may still take.

One thread makes results byte-identical whatever the machine's core count. ``threadpoolctl`` only limits
libraries already loaded, so the native libraries the analyses use (numpy's and scipy's OpenBLAS,
scikit-learn's OpenMP) are loaded first.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

from threadpoolctl import threadpool_info, threadpool_limits

_LIMIT: threadpool_limits | None = None


def single_threaded() -> None:
    """Limit torch and every loaded BLAS/OpenMP pool to one thread for the rest of the process."""
    global _LIMIT
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS)
    import sklearn.cluster  # noqa: F401  (loads scikit-learn's OpenMP runtime)
    import torch

    torch.set_num_threads(1)
    _LIMIT = threadpool_limits(limits=1)


def thread_counts() -> list[int]:
    """Threads of every loaded BLAS/OpenMP pool (for tests of :func:`single_threaded`)."""
    return [pool["num_threads"] for pool in threadpool_info()]


def machine_memory() -> int | None:
    """Physical memory of this machine in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes.

    Linux's ``VmHWM`` where there is one: ``ru_maxrss`` survives ``fork`` and ``exec``, so a fresh subprocess
    would report at least its parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def memory_left() -> int | None:
    """Bytes a request may still take: physical memory less this process's peak resident memory so far."""
    total = machine_memory()
    return None if total is None else total - peak_rss()
