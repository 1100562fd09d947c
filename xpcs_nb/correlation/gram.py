"""The matrix product behind every C2: C += X X^T over pixel chunks, by BLAS SYRK on the
CPU or a GEMM on a torch device. Private helpers of :func:`xpcs_nb.correlation.two_time`.
"""

from __future__ import annotations

import numpy as np


def _syrk_accumulate(syrk, c: np.ndarray, x: np.ndarray, first: bool) -> None:
    """Lower triangle of ``c (T', T')`` += x x^T (``first``: = x x^T), in place, by BLAS SYRK.

    ``c.T`` is Fortran-ordered: SYRK accumulates into it in place, filling its upper
    triangle = the lower triangle of ``c``.  ``x`` is C-ordered (T', n): ``x.T`` is a
    Fortran (n, T') matrix A, and trans=1 gives A^T A = x x^T without a copy.  beta=0
    on the first chunk, so ``c`` need not be zeroed.
    """
    cf = c.T
    res = syrk(1.0, x.T, beta=0.0 if first else 1.0, c=cf, trans=1, lower=0, overwrite_c=1)
    if not np.shares_memory(res, cf):  # pragma: no cover - f2py made a copy
        cf[...] = res


class _TorchGram:
    """C += X X^T on a torch device (a GEMM); imported only when asked for."""

    def __init__(self, device, dtype: np.dtype, n: int) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.tdtype = torch.float32 if dtype == np.float32 else torch.float64
        self.n = n
        self.c = None

    def add(self, x: np.ndarray) -> None:
        t = self.torch.from_numpy(x).to(self.device, self.tdtype)
        if self.c is None:
            self.c = t @ t.T
        else:
            self.c.addmm_(t, t.T)

    def result(self) -> np.ndarray:
        c = self.c
        self.c = None
        if c is None:
            return np.zeros((self.n, self.n))
        return c.cpu().numpy()
