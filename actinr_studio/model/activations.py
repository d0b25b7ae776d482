"""Real activations of the activation ablation (paper Fig. 9): Gauss and SIREN.

Both act on one real map per layer (WIRE's complex Gabor wavelet lives in ``gabor.py``):
  gauss: psi(u) = exp(-(s0 u)^2)   (compact, but no oscillation)
  siren: psi(u) = sin(w0 u)        (oscillates, not compact: moving a basis function changes it
                                    everywhere, which is why SIREN smears motion into the static
                                    background)
"""

from __future__ import annotations

import math

import torch

REAL_ACTIVATIONS = ("gauss", "siren")


def gauss(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    """exp(-(s0 * u)^2)."""
    return torch.exp(-(s0 * s0) * (pre * pre))


def siren(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    """sin(w0 * u)."""
    return torch.sin(w0 * pre)


REAL_ACTIVATION_FUNCTIONS = {"gauss": gauss, "siren": siren}


def real_weight_bounds(activation: str, hidden: int, w0: float) -> tuple[float, float, float]:
    """Uniform init bounds of (layer 1, layer 2, output) weights of a real frame network.

    siren: SIREN's init, first layer U(-1/in, 1/in), later layers U(+-sqrt(6/in) / w0).
    gauss: U(+-sqrt(3/fan_in)) (unit variance of the pre-activation per unit-variance input).
    """
    if activation == "siren":
        return 1.0 / 2.0, math.sqrt(6.0 / hidden) / w0, math.sqrt(6.0 / hidden) / w0
    if activation == "gauss":
        return math.sqrt(3.0 / 2.0), math.sqrt(3.0 / hidden), math.sqrt(3.0 / hidden)
    raise ValueError(f"not a real activation: {activation!r}")
