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


# ---------------------------------------------------------------- fused forms with a cheap backward
# The derivative of e^(L) (cos P + j sin P) needs only the outputs a, b and the pre-activations:
#   dP: (-b, a),  dL: (a, b).  So the backward pass computes no transcendental function.


class _GaborFromReal(torch.autograd.Function):
    """pre (..., 2h) = [u | v] real  ->  (..., 2h) = [Re psi | Im psi]."""

    @staticmethod
    def forward(ctx, pre, w0: float, s0: float):
        h = pre.shape[-1] // 2
        u, v = pre[..., :h], pre[..., h:]
        a, b = gabor_real_input(u, v, w0, s0)
        out = torch.cat((a, b), dim=-1)
        ctx.save_for_backward(pre, out)
        ctx.w0, ctx.s0 = w0, s0
        return out

    @staticmethod
    def backward(ctx, grad):
        pre, out = ctx.saved_tensors
        w0, k = ctx.w0, -2.0 * ctx.s0 * ctx.s0
        h = pre.shape[-1] // 2
        a, b = out[..., :h], out[..., h:]
        ga, gb = grad[..., :h], grad[..., h:]
        g_phase = gb * a - ga * b
        g_log = ga * a + gb * b
        g_u = w0 * g_phase + k * pre[..., :h] * g_log
        g_v = k * pre[..., h:] * g_log
        return torch.cat((g_u, g_v), dim=-1), None, None


class _GaborFromComplex(torch.autograd.Function):
    """pre (..., 4h) = [ur | vr | ui | vi]  ->  (..., 2h) = [Re psi | Im psi]."""

    @staticmethod
    def forward(ctx, pre, w0: float, s0: float):
        ur, vr, ui, vi = pre.chunk(4, dim=-1)
        a, b = gabor_complex_input(ur, ui, vr, vi, w0, s0)
        out = torch.cat((a, b), dim=-1)
        ctx.save_for_backward(pre, out)
        ctx.w0, ctx.s0 = w0, s0
        return out

    @staticmethod
    def backward(ctx, grad):
        pre, out = ctx.saved_tensors
        w0, k = ctx.w0, -2.0 * ctx.s0 * ctx.s0
        ur, vr, ui, vi = pre.chunk(4, dim=-1)
        a, b = out.chunk(2, dim=-1)
        ga, gb = grad.chunk(2, dim=-1)
        g_phase = gb * a - ga * b
        g_log = ga * a + gb * b
        g_ur = w0 * g_phase + k * ur * g_log
        g_ui = (k * ui - w0) * g_log
        return torch.cat((g_ur, k * vr * g_log, g_ui, k * vi * g_log), dim=-1), None, None


def gabor_layer_real(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    """[u | v] -> [Re psi | Im psi] with the cheap backward."""
    return _GaborFromReal.apply(pre, w0, s0)


def gabor_layer_complex(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    """[ur | vr | ui | vi] -> [Re psi | Im psi] with the cheap backward."""
    return _GaborFromComplex.apply(pre, w0, s0)
