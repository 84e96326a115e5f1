"""One thread for torch, BLAS and OpenMP: results are byte-identical whatever the machine's core count.

``threadpoolctl`` only limits libraries already loaded, so the native libraries the analyses use (numpy's
and scipy's OpenBLAS, scikit-learn's OpenMP) are loaded first.
"""

from __future__ import annotations

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
