"""ActINR: the frame networks of every (GOP, patch) unit, their bias network, and rendering."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from actinr_studio.model.bias_net import BiasNetwork
from actinr_studio.model.config import ModelConfig
from actinr_studio.model.frame_net import FrameNetworks
from actinr_studio.model.geometry import GopLayout, PatchGrid
from actinr_studio.model.per_frame_biases import PerFrameBiases

RENDER_CHUNK_POINTS = 1 << 15
"""Points evaluated at once when rendering: keeps every intermediate under glibc's 32 MB cliff
and the peak memory bounded for any frame or zoom size."""


class ActINR(nn.Module):
    """A video of ``num_frames`` frames of ``height`` x ``width`` as a continuous function.

    Units are indexed ``gop * patches + patch`` with patches in row-major order.
    """

    def __init__(
        self,
        config: ModelConfig,
        height: int,
        width: int,
        num_frames: int,
        anchor_frames: list[int] | None = None,
    ):
        """``anchor_frames``: frames that own biases when ``config.bias_source == 'per_frame'``
        (default: every frame)."""
        super().__init__()
        self.config = config
        self.height, self.width, self.num_frames = int(height), int(width), int(num_frames)
        self.grid = PatchGrid(self.height, self.width, config.patch_size, config.overlap)
        self.gops = GopLayout(self.num_frames, config.gop)
        self.patches = self.grid.count
        self.units = self.gops.count * self.patches
        generator = torch.Generator().manual_seed(config.seed)
        self.frame_nets = FrameNetworks(
            self.units, config.hidden, generator, config.activation, config.w0
        )
        self._frame_forward = self.frame_nets.forward_fn()
        h = config.hidden
        fan_ins = self.frame_nets.bias_fan_ins
        if config.bias_source == "per_frame":
            anchors = range(self.num_frames) if anchor_frames is None else anchor_frames
            times = torch.tensor([float(self.gops.time_of(f)) for f in anchors])
            self.bias_net = PerFrameBiases(
                self.frame_nets.bias_sizes, fan_ins, self.units, times, generator
            )
        else:
            self.bias_net = BiasNetwork(
                bias_sizes=self.frame_nets.bias_sizes,
                fan_ins=fan_ins,
                gops=self.gops.count,
                patches=self.patches,
                hidden=h,
                rff_features=config.rff_features,
                rff_sigma=config.rff_sigma,
                latent_dim=config.latent_dim,
                generator=generator,
                time_init_scale=config.time_init_scale,
            )

    # ------------------------------------------------------------------ evaluation
    def biases(self, unit: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Biases (b1, b2, b3) of the frame networks of ``unit`` (U,) at times ``t`` (U, K),
        laid out as the activation's forward function takes them."""
        return self.frame_nets.assemble_biases(self.bias_net(unit, t))

    def forward(
        self,
        points: torch.Tensor,
        t: torch.Tensor,
        unit: torch.Tensor | None = None,
        traceable: bool = False,
    ) -> torch.Tensor:
        """RGB at ``points`` (U, K, M, 2) (local x, y) and times ``t`` (U, K) of ``unit`` (U,).

        ``unit=None`` means every unit in order, which avoids gathering the weights.
        ``traceable=True`` picks the formulation ``torch.compile`` handles best.
        """
        if unit is None:
            unit_index = torch.arange(self.units, device=points.device)
            weights = self.frame_nets.weights()
        else:
            unit_index = unit
            weights = self.frame_nets.weights(unit)
        biases = self.biases(unit_index, t)
        return self._frame_forward(
            points, *weights, *biases, self.config.w0, self.config.s0, traceable=traceable
        )

    # ------------------------------------------------------------------ rendering
    @torch.no_grad()
    def render(
        self,
        frame: float,
        region: tuple[float, float, float, float] | None = None,
        size: tuple[int, int] | None = None,
        chunk_points: int = RENDER_CHUNK_POINTS,
    ) -> torch.Tensor:
        """Render the frame at fractional position ``frame`` (0 ... num_frames - 1).

        region: (x, y, w, h) in pixels of the frame (default: the whole frame); size: output
        (width, height) (default: the region's size, i.e. native resolution). Zoom is a small
        region at a large size: the network is sampled on a finer grid, not enlarged. Returns a
        float tensor (height, width, 3), unclamped, on the model's device.
        """
        frame = float(frame)
        if not (0.0 <= frame <= self.num_frames - 1):
            raise ValueError(f"frame {frame} is outside 0 ... {self.num_frames - 1}")
        x0, y0, rw, rh = region if region is not None else (0.0, 0.0, self.width, self.height)
        if rw <= 0 or rh <= 0:
            raise ValueError(f"region {region} is empty")
        out_w, out_h = size if size is not None else (max(1, round(rw)), max(1, round(rh)))
        device = self.frame_nets.w1.device
        xs = x0 + (np.arange(out_w) + 0.5) * (rw / out_w)
        ys = y0 + (np.arange(out_h) + 0.5) * (rh / out_h)
        plan = _RenderPlan(self.grid, xs, ys)
        gop = self.gops.gop_of(frame)
        t_value = float(self.gops.time_of(frame))
        out = torch.zeros(out_h * out_w, 3, device=device)
        units = torch.as_tensor(gop * self.patches + plan.patch, device=device)
        n_units, n_points = plan.local.shape[:2]
        if n_points <= chunk_points:
            unit_step, point_step = max(1, chunk_points // n_points), n_points
        else:
            unit_step, point_step = 1, chunk_points
        local = torch.as_tensor(plan.local, device=device)
        weight = torch.as_tensor(plan.weight, device=device)
        target = torch.as_tensor(plan.target, device=device)
        for u0 in range(0, n_units, unit_step):
            unit = units[u0 : u0 + unit_step]
            t = torch.full((unit.numel(), 1), t_value, device=device)
            biases = self.biases(unit, t)
            weights = self.frame_nets.weights(unit)
            for p0 in range(0, n_points, point_step):
                pts = local[u0 : u0 + unit_step, p0 : p0 + point_step]
                rgb = self._frame_forward(
                    pts[:, None], *weights, *biases, self.config.w0, self.config.s0
                )
                w = weight[u0 : u0 + unit_step, p0 : p0 + point_step]
                out.index_add_(
                    0,
                    target[u0 : u0 + unit_step, p0 : p0 + point_step].reshape(-1),
                    (rgb[:, 0] * w[..., None]).reshape(-1, 3),
                )
        return out.reshape(out_h, out_w, 3)

    def render_uint8(self, frame: float, region=None, size=None) -> np.ndarray:
        """Rendered frame as a (height, width, 3) uint8 numpy array."""
        rgb = self.render(frame, region, size)
        return (rgb.clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


class _RenderPlan:
    """Which samples of a separable output grid each patch tile sees, padded to equal counts.

    local: (tiles, points, 2) local coordinates; weight: (tiles, points) blend weights (0 for
    padding); target: (tiles, points) flat output indices; patch: (tiles,) patch indices.
    """

    def __init__(self, grid: PatchGrid, xs: np.ndarray, ys: np.ndarray):
        rows, cols = grid.rows, grid.cols
        row_parts = rows.assign(ys)
        col_parts = cols.assign(xs)
        max_r = max(len(idx) for _, idx in row_parts)
        max_c = max(len(idx) for _, idx in col_parts)
        n = len(row_parts) * len(col_parts)
        local = np.zeros((n, max_r, max_c, 2), np.float32)
        weight = np.zeros((n, max_r, max_c), np.float32)
        target = np.zeros((n, max_r, max_c), np.int64)
        patch = np.zeros(n, np.int64)
        i = 0
        for ky, ridx in row_parts:
            ly, wy = rows.local(ys[ridx], ky), rows.weight(ys[ridx], ky)
            for kx, cidx in col_parts:
                lx, wx = cols.local(xs[cidx], kx), cols.weight(xs[cidx], kx)
                nr, nc = len(ridx), len(cidx)
                local[i, :nr, :nc, 0] = lx[None, :]
                local[i, :nr, :nc, 1] = ly[:, None]
                weight[i, :nr, :nc] = wy[:, None] * wx[None, :]
                target[i, :nr, :nc] = ridx[:, None] * len(xs) + cidx[None, :]
                patch[i] = ky * cols.count + kx
                i += 1
        self.local = local.reshape(n, max_r * max_c, 2)
        self.weight = weight.reshape(n, -1)
        self.target = target.reshape(n, -1)
        self.patch = patch
