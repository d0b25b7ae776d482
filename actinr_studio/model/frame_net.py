"""The per-unit frame network ("2-D WIRE"), all units in one batched matmul.

Shapes: U units, each with K frame times and M points per time.
Layer 1: real (x, y) -> u, v (real)               weights (U, 2, 2h)   biases (U, K, 2h)
Layer 2: complex z -> u, v (complex)              weights (U, h, 2h) real and imaginary parts,
                                                  applied as one real (2h x 4h) block matrix
Output:  complex z -> RGB, real part taken        weights (U, h, 3) real and imaginary parts
The imaginary part of the output bias cannot change Re(output), so the output bias is real.
Biases of every layer come from the bias network (there are no static biases here).

The activation ablation ('gauss', 'siren'; ``activations.py``) uses real networks instead,
evaluated by ``frame_forward_real``: layer 1 real 2 -> h, layer 2 real h -> h, output h -> 3,
one map per layer; weights (U, 2, h), (U, h, h), (U, h, 3); biases (U, K, h), (U, K, h),
(U, K, 3). ``FrameNetworks.forward_fn`` picks the function for the model's activation.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import nn

from actinr_studio.model.activations import REAL_ACTIVATION_FUNCTIONS, real_weight_bounds
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


def frame_forward_real(
    points: torch.Tensor,
    w1: torch.Tensor,
    w2: torch.Tensor,
    w3: torch.Tensor,
    b1: torch.Tensor,
    b2: torch.Tensor,
    b3: torch.Tensor,
    w0: float,
    s0: float,
    activation: str = "siren",
    traceable: bool = False,
) -> torch.Tensor:
    """Evaluate real frame networks ('gauss' or 'siren').

    points: (U, K, M, 2); b1, b2: (U, K, h); b3: (U, K, 3). Returns RGB (U, K, M, 3).
    Plain tensor maths, so ``traceable`` changes nothing (it is accepted for a common signature).
    """
    act = REAL_ACTIVATION_FUNCTIONS[activation]
    units, k, m, _ = points.shape
    h = w2.shape[1]
    x = points[..., 0:1]
    y = points[..., 1:2]
    pre1 = x * w1[:, None, None, 0, :] + y * w1[:, None, None, 1, :] + b1[:, :, None, :]
    z = act(pre1, w0, s0).reshape(units, k * m, h)
    pre2 = torch.bmm(z, w2).reshape(units, k, m, h) + b2[:, :, None, :]
    z = act(pre2, w0, s0).reshape(units, k * m, h)
    return torch.bmm(z, w3).reshape(units, k, m, 3) + b3[:, :, None, :]


def _plain_real(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    h = pre.shape[-1] // 2
    return torch.cat(gabor_real_input(pre[..., :h], pre[..., h:], w0, s0), dim=-1)


def _plain_complex(pre: torch.Tensor, w0: float, s0: float) -> torch.Tensor:
    ur, vr, ui, vi = pre.chunk(4, dim=-1)
    return torch.cat(gabor_complex_input(ur, ui, vr, vi, w0, s0), dim=-1)


class FrameNetworks(nn.Module):
    """The weights of every unit's frame network (biases come from the bias network).

    'wire': w1, w2_re, w2_im, w3_re, w3_im (complex layer 2 and output).
    'gauss' / 'siren': w1, w2, w3 (real). ``w0`` sets SIREN's init (unused otherwise).
    """

    def __init__(self, units: int, hidden: int, generator: torch.Generator | None = None,
                 activation: str = "wire", w0: float = 5.0):
        super().__init__()
        self.units = units
        self.hidden = hidden
        self.activation = activation
        h = hidden

        def uniform(shape, fan_in, scale=1.0):
            bound = scale * math.sqrt(3.0 / fan_in)
            return nn.Parameter((torch.rand(shape, generator=generator) * 2 - 1) * bound)

        if activation == "wire":
            # Complex weights: real and imaginary parts each uniform, |w|^2 with variance
            # 1/fan_in.
            c = 1.0 / math.sqrt(2.0)
            self.w1 = uniform((units, 2, 2 * h), fan_in=2)
            self.w2_re = uniform((units, h, 2 * h), fan_in=h, scale=c)
            self.w2_im = uniform((units, h, 2 * h), fan_in=h, scale=c)
            self.w3_re = uniform((units, h, 3), fan_in=h, scale=c)
            self.w3_im = uniform((units, h, 3), fan_in=h, scale=c)
        else:
            bounds = real_weight_bounds(activation, h, w0)
            shapes = ((units, 2, h), (units, h, h), (units, h, 3))
            self.w1, self.w2, self.w3 = (
                nn.Parameter((torch.rand(shape, generator=generator) * 2 - 1) * bound)
                for shape, bound in zip(shapes, bounds, strict=True)
            )

    @property
    def is_complex(self) -> bool:
        return self.activation == "wire"

    @property
    def bias_sizes(self) -> dict[str, int]:
        """Bias length of every map, as the bias network must produce them."""
        h = self.hidden
        if self.is_complex:
            return {"l1_u": h, "l1_v": h, "l2_u": 2 * h, "l2_v": 2 * h, "out": 3}
        return {"l1": h, "l2": h, "out": 3}

    @property
    def bias_fan_ins(self) -> dict[str, int]:
        """Fan-in of every map (sets the spread of its initial biases)."""
        h = self.hidden
        if self.is_complex:
            return {"l1_u": 2, "l1_v": 2, "l2_u": h, "l2_v": h, "out": h}
        return {"l1": 2, "l2": h, "out": h}

    def assemble_biases(self, maps: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """The bias maps {name: (U, K, size)} as the (b1, b2, b3) the forward function takes."""
        if not self.is_complex:
            return maps["l1"], maps["l2"], maps["out"]
        h = self.hidden
        b1 = torch.cat((maps["l1_u"], maps["l1_v"]), dim=-1)
        l2u, l2v = maps["l2_u"], maps["l2_v"]
        b2 = torch.cat((l2u[..., :h], l2v[..., :h], l2u[..., h:], l2v[..., h:]), dim=-1)
        return b1, b2, maps["out"]

    def forward_fn(self):
        """``f(points, *weights, *biases, w0, s0, traceable=...)`` for this activation."""
        if self.is_complex:
            return frame_forward
        return functools.partial(frame_forward_real, activation=self.activation)

    def weights(self, unit_index: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        if self.is_complex:
            params = (self.w1, self.w2_re, self.w2_im, self.w3_re, self.w3_im)
        else:
            params = (self.w1, self.w2, self.w3)
        if unit_index is None:
            return params
        return tuple(p[unit_index] for p in params)
