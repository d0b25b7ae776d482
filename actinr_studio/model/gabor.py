"""The complex Gabor wavelet of WIRE in real-split arithmetic.

psi(u, v) = exp(j*w0*u - |s0*u|^2 - |s0*v|^2). With u = ur + j*ui this is
exp(-w0*ui - s0^2 (ur^2 + ui^2 + vr^2 + vi^2)) * (cos(w0*ur) + j*sin(w0*ur)).
Real and imaginary parts are kept as separate float tensors: native complex tensors are much
slower on CPUs and ``torch.compile`` cannot fuse them. The exponent is bounded above by
w0^2 / (4 s0^2), so a single ``exp`` never overflows.
"""

from __future__ import annotations

import torch


def gabor_real_input(u: torch.Tensor, v: torch.Tensor, w0: float, s0: float):
    """Gabor wavelet of real pre-activations u, v. Returns (real, imaginary) parts."""
    envelope = torch.exp(-(s0 * s0) * (u * u + v * v))
    phase = w0 * u
    return envelope * torch.cos(phase), envelope * torch.sin(phase)


def gabor_complex_input(
    ur: torch.Tensor, ui: torch.Tensor, vr: torch.Tensor, vi: torch.Tensor, w0: float, s0: float
):
    """Gabor wavelet of complex pre-activations u = ur + j ui, v = vr + j vi."""
    envelope = torch.exp(-w0 * ui - (s0 * s0) * (ur * ur + ui * ui + vr * vr + vi * vi))
    phase = w0 * ur
    return envelope * torch.cos(phase), envelope * torch.sin(phase)


def gabor_complex_reference(u: torch.Tensor, v: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    """The same wavelet in native complex arithmetic (for tests and the benchmark reference)."""
    return torch.exp(1j * w0 * u - (s0 * u).abs().square() - (s0 * v).abs().square())
