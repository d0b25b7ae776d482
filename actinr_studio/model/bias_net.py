"""The bias network: biases of every frame-network map as a function of continuous time t.

Input: random Fourier features of t, [cos(2 pi B t), sin(2 pi B t)] with fixed B ~ N(0, sigma^2),
concatenated with a learned latent code per (GOP, patch, map). Each map has its own small GELU
MLP (in -> h -> h -> out) whose weights are shared by all patches and GOPs and whose own biases
are per patch. It runs once per (unit, frame time), never per pixel.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class PerPatchMLP(nn.Module):
    """in -> hidden -> hidden -> out with GELU; weights shared, biases per patch."""

    def __init__(self, n_in, hidden, n_out, patches, out_bias_bound, generator=None,
                 out_weight_scale=1.0):
        super().__init__()

        def uniform(shape, bound):
            return nn.Parameter((torch.rand(shape, generator=generator) * 2 - 1) * bound)

        self.w1 = uniform((n_in, hidden), 1 / math.sqrt(n_in))
        self.b1 = uniform((patches, hidden), 1 / math.sqrt(n_in))
        self.w2 = uniform((hidden, hidden), 1 / math.sqrt(hidden))
        self.b2 = uniform((patches, hidden), 1 / math.sqrt(hidden))
        self.w3 = uniform((hidden, n_out), out_weight_scale / math.sqrt(hidden))
        # The per-patch output bias sets where each basis function sits at the start: spread it
        # like a standard linear layer's bias for the frame layer it feeds.
        self.b3 = uniform((patches, n_out), out_bias_bound)

    def forward(self, features: torch.Tensor, patch: torch.Tensor) -> torch.Tensor:
        """features (..., n_in); patch (...) long indices. Returns (..., n_out)."""
        x = F.gelu(features @ self.w1 + self.b1[patch])
        x = F.gelu(x @ self.w2 + self.b2[patch])
        return x @ self.w3 + self.b3[patch]


class BiasNetwork(nn.Module):
    """Maps (unit, t) to the biases of every map of that unit's frame network."""

    def __init__(
        self,
        bias_sizes: dict[str, int],
        fan_ins: dict[str, int],
        gops: int,
        patches: int,
        hidden: int,
        rff_features: int,
        rff_sigma: float,
        latent_dim: int,
        generator: torch.Generator | None = None,
        time_init_scale: float = 1.0,
    ):
        super().__init__()
        self.map_names = tuple(bias_sizes)
        self.patches = patches
        self.register_buffer(
            "frequencies", torch.randn(rff_features, generator=generator) * rff_sigma
        )
        self.latents = nn.Parameter(
            torch.randn(gops, patches, len(self.map_names), latent_dim, generator=generator) * 0.1
        )
        n_in = 2 * rff_features + latent_dim
        self.mlps = nn.ModuleDict(
            {
                name: PerPatchMLP(
                    n_in, hidden, size, patches, 1 / math.sqrt(fan_ins[name]), generator,
                    time_init_scale,
                )
                for name, size in bias_sizes.items()
            }
        )

    def fourier_features(self, t: torch.Tensor) -> torch.Tensor:
        angle = 2 * math.pi * t[..., None] * self.frequencies
        return torch.cat((torch.cos(angle), torch.sin(angle)), dim=-1)

    def forward(self, unit: torch.Tensor, t: torch.Tensor) -> dict[str, torch.Tensor]:
        """unit: (U,) long indices (gop * patches + patch); t: (U, K) times.

        Returns {map name: (U, K, size)}.
        """
        gop = unit // self.patches
        patch = unit % self.patches
        k = t.shape[1]
        rff = self.fourier_features(t)  # (U, K, 2F)
        patch_k = patch[:, None].expand(-1, k)
        out = {}
        for m, name in enumerate(self.map_names):
            latent = self.latents[gop, patch, m][:, None, :].expand(-1, k, -1)
            out[name] = self.mlps[name](torch.cat((rff, latent), dim=-1), patch_k)
        return out
