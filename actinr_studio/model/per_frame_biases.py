"""Free biases per anchor frame, linearly interpolated in between: the ablation the paper
compares the bias network with (Table 4). Not a product default."""

from __future__ import annotations

import math

import torch
from torch import nn


class PerFrameBiases(nn.Module):
    """A learned bias vector per (unit, anchor frame) for every map; linear in t between anchors.

    Every anchor's biases start from their own random draw, as independent per-frame biases
    would. At an anchor time it returns that anchor's biases exactly; outside the anchors it
    holds the nearest one.
    """

    def __init__(self, bias_sizes: dict[str, int], fan_ins: dict[str, int], units: int,
                 anchor_times: torch.Tensor, generator: torch.Generator | None = None):
        super().__init__()
        self.map_names = tuple(bias_sizes)
        self.register_buffer("anchor_times", anchor_times.float().sort().values)
        a = len(anchor_times)
        self.tables = nn.ParameterDict({
            name: nn.Parameter(
                (torch.rand(units, a, size, generator=generator) * 2 - 1)
                .div(math.sqrt(fan_ins[name]))
            )
            for name, size in bias_sizes.items()
        })

    def forward(self, unit: torch.Tensor, t: torch.Tensor) -> dict[str, torch.Tensor]:
        """unit (U,), t (U, K) -> {map: (U, K, size)}."""
        anchors = self.anchor_times
        a = anchors.numel()
        if a == 1:
            lo = torch.zeros_like(t, dtype=torch.long)
            hi, frac = lo, torch.zeros_like(t)
        else:
            hi = torch.searchsorted(anchors, t.contiguous()).clamp(1, a - 1)
            lo = hi - 1
            span = (anchors[hi] - anchors[lo]).clamp_min(1e-12)
            frac = ((t - anchors[lo]) / span).clamp(0, 1)
        out = {}
        for name in self.map_names:
            table = self.tables[name][unit]  # (U, A, size)
            lo_b = torch.gather(table, 1, lo[..., None].expand(-1, -1, table.shape[-1]))
            hi_b = torch.gather(table, 1, hi[..., None].expand(-1, -1, table.shape[-1]))
            out[name] = lo_b + frac[..., None] * (hi_b - lo_b)
        return out
