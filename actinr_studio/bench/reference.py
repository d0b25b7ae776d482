"""A straightforward complex64 ActINR frame network (the maths of the released code, native
complex tensors, eager). Kept only as the benchmark's reference point."""

from __future__ import annotations

import math

import torch
from torch import nn


class ComplexReference(nn.Module):
    """Same maps and shapes as the real-split model, in native complex arithmetic."""

    def __init__(self, units: int, hidden: int, w0: float, s0: float, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        h = hidden
        self.w0, self.s0 = w0, s0

        def real(shape, fan):
            return nn.Parameter((torch.rand(shape, generator=g) * 2 - 1) * math.sqrt(3 / fan))

        def cplx(shape, fan):
            bound = math.sqrt(3 / fan) / math.sqrt(2)
            re = (torch.rand(shape, generator=g) * 2 - 1) * bound
            im = (torch.rand(shape, generator=g) * 2 - 1) * bound
            return nn.Parameter(torch.complex(re, im))

        self.w1u, self.w1v = real((units, 2, h), 2), real((units, 2, h), 2)
        self.w2u, self.w2v = cplx((units, h, h), h), cplx((units, h, h), h)
        self.w3 = cplx((units, h, 3), h)

    def gabor(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return torch.exp(1j * self.w0 * u - (self.s0 * u).abs().square()
                         - (self.s0 * v).abs().square())

    def forward(self, points, b1u, b1v, b2u, b2v, b3):
        """points (U, N, 2); biases (U, 1, width) broadcast over the points (complex for L2)."""
        z = self.gabor(points @ self.w1u + b1u, points @ self.w1v + b1v)
        z = self.gabor(z @ self.w2u + b2u, z @ self.w2v + b2v)
        return (z @ self.w3 + b3).real
