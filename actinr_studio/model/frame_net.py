"""The per-unit frame network ("2-D WIRE"), all units in one batched matmul.

Shapes: U units, each with K frame times and M points per time.
Layer 1: real (x, y) -> u, v (real)               weights (U, 2, 2h)   biases (U, K, 2h)
Layer 2: complex z -> u, v (complex)              weights (U, h, 2h) real and imaginary parts,
                                                  applied as one real (2h x 4h) block matrix
Output:  complex z -> RGB, real part taken        weights (U, h, 3) real and imaginary parts
The imaginary part of the output bias cannot change Re(output), so the output bias is real.
Biases of every layer come from the bias network (there are no static biases here).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from actinr_studio.model.gabor import (
    gabor_complex_input,
    gabor_layer_complex,
    gabor_layer_real,
    gabor_real_input,
)


def frame_forward(
    points: torch.Tensor,
    w1: torch.Tensor,
    w2_re: torch.Tensor,
    w2_im: torch.Tensor,
    w3_re: torch.Tensor,
    w3_im: torch.Tensor,
    b1: torch.Tensor,
    b2: torch.Tensor,
    b3: torch.Tensor,
    w0: float,
    s0: float,
    traceable: bool = False,
) -> torch.Tensor:
    """Evaluate the frame networks.

    points: (U, K, M, 2) local coordinates; b1: (U, K, 2h) as [u | v]; b2: (U, K, 4h) as
    [ur | vr | ui | vi]; b3: (U, K, 3). Returns RGB (U, K, M, 3).

    ``traceable=False`` (eager) uses Gabor layers with a hand-written backward that needs no
    transcendental functions (about 1.3x faster eager training); ``traceable=True`` uses plain
    tensor maths, which ``torch.compile`` fuses better than the hand-written form.
    """
    layer_real = _plain_real if traceable else gabor_layer_real
    layer_complex = _plain_complex if traceable else gabor_layer_complex
    units, k, m, _ = points.shape
    h = w2_re.shape[1]
    # Layer 1 (inner size 2): two broadcast multiply-adds beat a bmm.
    x = points[..., 0:1]
    y = points[..., 1:2]
    pre1 = x * w1[:, None, None, 0, :] + y * w1[:, None, None, 1, :] + b1[:, :, None, :]
    z = layer_real(pre1, w0, s0).reshape(units, k * m, 2 * h)
    # Layer 2: [a | b] @ [[Wr, Wi], [-Wi, Wr]] = [Re(zW) | Im(zW)] for W = [W_u | W_v].
    block = torch.cat(
        (torch.cat((w2_re, w2_im), dim=2), torch.cat((-w2_im, w2_re), dim=2)), dim=1
    )
    pre2 = torch.bmm(z, block).reshape(units, k, m, 4 * h) + b2[:, :, None, :]
    z = layer_complex(pre2, w0, s0).reshape(units, k * m, 2 * h)
    # Output: Re(z W3) = a W3re - b W3im.
    w3 = torch.cat((w3_re, -w3_im), dim=1)
    return torch.bmm(z, w3).reshape(units, k, m, 3) + b3[:, :, None, :]


def _plain_real(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    h = pre.shape[-1] // 2
    return torch.cat(gabor_real_input(pre[..., :h], pre[..., h:], w0, s0), dim=-1)


def _plain_complex(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    ur, vr, ui, vi = pre.chunk(4, dim=-1)
    return torch.cat(gabor_complex_input(ur, ui, vr, vi, w0, s0), dim=-1)


class FrameNetworks(nn.Module):
    """The weights of every unit's frame network (biases come from the bias network)."""

    def __init__(self, units: int, hidden: int, generator: torch.Generator | None = None):
        super().__init__()
        self.units = units
        self.hidden = hidden
        h = hidden

        def uniform(shape, fan_in, scale=1.0):
            bound = scale * math.sqrt(3.0 / fan_in)
            return nn.Parameter((torch.rand(shape, generator=generator) * 2 - 1) * bound)

        # Complex weights: real and imaginary parts each uniform, |w|^2 with variance 1/fan_in.
        c = 1.0 / math.sqrt(2.0)
        self.w1 = uniform((units, 2, 2 * h), fan_in=2)
        self.w2_re = uniform((units, h, 2 * h), fan_in=h, scale=c)
        self.w2_im = uniform((units, h, 2 * h), fan_in=h, scale=c)
        self.w3_re = uniform((units, h, 3), fan_in=h, scale=c)
        self.w3_im = uniform((units, h, 3), fan_in=h, scale=c)

    @property
    def bias_sizes(self) -> dict[str, int]:
        """Bias length of every map, as the bias network must produce them."""
        h = self.hidden
        return {"l1_u": h, "l1_v": h, "l2_u": 2 * h, "l2_v": 2 * h, "out": 3}

    def weights(self, unit_index: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        params = (self.w1, self.w2_re, self.w2_im, self.w3_re, self.w3_im)
        if unit_index is None:
            return params
        return tuple(p[unit_index] for p in params)
