"""What the model is trained on, and random pixel batches drawn evenly over the units."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from actinr_studio.errors import UserError
from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.model.geometry import gop_on_training_frames


@dataclass(frozen=True)
class Supervision:
    """What the model sees and what it is scored against.

    frames: (N, H, W, 3) uint8 training targets (noisy for denoising). train_frames: (N,) bool,
    frames the loss may use. pixel_mask: None, (H, W) or (N, H, W) bool, True where a pixel is
    supervised (False: an inpainting hole). reference: clean frames to score against (default:
    ``frames``). scored_frames: (N,) bool, frames a task scores (default: all). notes: facts
    about the preparation (JSON-able), e.g. the noisy input's PSNR.

    pool: 1, or S >= 2 for super-resolution: ``frames`` (and ``pixel_mask``) are then low-res
    targets of floor(H/S) x floor(W/S) and ``reference`` holds the full-resolution clean clip
    (N, H, W, 3) the model is built and scored at. Low-res pixel (i, j) is the average of the
    full-res block rows i*S .. i*S+S-1, columns j*S .. j*S+S-1; full-res pixels outside
    S*floor(H/S) x S*floor(W/S) (a remainder strip when H or W is not divisible by S) are not
    supervised.
    """

    frames: np.ndarray
    train_frames: np.ndarray
    pixel_mask: np.ndarray | None = None
    reference: np.ndarray | None = None
    scored_frames: np.ndarray | None = None
    notes: dict = field(default_factory=dict)
    pool: int = 1

    def __post_init__(self) -> None:
        if self.frames.ndim != 4 or self.frames.shape[-1] != 3 or self.frames.dtype != np.uint8:
            raise UserError("training frames must be (N, H, W, 3) uint8")
        n = self.frames.shape[0]
        if self.train_frames.shape != (n,) or not self.train_frames.any():
            raise UserError("at least one frame must be a training frame")
        if self.pixel_mask is not None:
            m = self.pixel_mask
            if m.shape not in (self.frames.shape[1:3], self.frames.shape[:3]):
                raise UserError(
                    f"mask of size {m.shape} does not match the clip ({self.frames.shape[:3]})"
                )
        if self.pool < 1:
            raise UserError(f"pool must be >= 1, got {self.pool}")
        if self.pool > 1:
            ref = self.reference
            if ref is None or ref.ndim != 4 or ref.shape[0] != n:
                raise UserError("pooled (super-resolution) supervision needs the full-res clip")
            low = (ref.shape[1] // self.pool, ref.shape[2] // self.pool)
            if self.frames.shape[1:3] != low:
                raise UserError(
                    f"low-res targets are {self.frames.shape[1:3]}, expected {low} for "
                    f"{ref.shape[1]}x{ref.shape[2]} pooled by {self.pool}"
                )

    @property
    def num_frames(self) -> int:
        return self.frames.shape[0]

    @property
    def heldout_frames(self) -> np.ndarray:
        """Frames that are scored but not trained on."""
        scored = self.scored_frames if self.scored_frames is not None else np.ones_like(
            self.train_frames
        )
        return scored & ~self.train_frames

    @property
    def clean(self) -> np.ndarray:
        return self.reference if self.reference is not None else self.frames

    @property
    def full_size(self) -> tuple[int, int]:
        """(H, W) the model is built and scored at (the clean clip's size)."""
        return tuple(self.clean.shape[1:3])


def model_config_for(config: ModelConfig, supervision: Supervision) -> ModelConfig:
    """``config`` with its GOP length fitted to the training frames (see
    :func:`~actinr_studio.model.geometry.gop_on_training_frames`)."""
    gop = gop_on_training_frames(config.gop, supervision.train_frames)
    return config if gop == config.gop else dataclasses.replace(config, gop=gop)


class PixelSampler:
    """Draws random pixels of supervised frames for every unit (same count per unit).

    Frames live on the device as a reflect-padded uint8 canvas; the supervision mask as a uint8
    canvas. With overlapping windows every sample is also weighted by its unit's tent.

    With ``supervision.pool == S > 1`` (super-resolution) a sample is a low-res pixel: the
    sampler returns the S*S full-res local coordinates of its block per sample (points
    (U, K, M*S*S, 2), grouped by sample, row-major inside the block) with one low-res target
    and weight per sample; the loss averages the model over each group (``group`` = S*S).
    Each unit draws the low-res pixels whose blocks touch its tile; with patch size and stride
    multiples of S (the usual case) every block lies inside one tile, otherwise a block that
    straddles a tile edge is trained in each unit it touches, which renders the whole block
    (a few pixels past its edge).
    """

    def __init__(self, model: ActINR, supervision: Supervision, device: torch.device, seed=0):
        self.model = model
        self.device = device
        self.generator = torch.Generator(device=device).manual_seed(seed)
        grid, gops = model.grid, model.gops
        self.pool = int(supervision.pool)
        self.group = self.pool * self.pool
        full = supervision.full_size if self.pool > 1 else supervision.frames.shape[1:3]
        if tuple(full) != (model.height, model.width):
            raise UserError("the clip's frame size differs from the model's")
        top, bottom, left, right = grid.padding
        self.canvas = _pad_frames(supervision.frames, (top, bottom, left, right)).to(device)
        _, self.canvas_h, self.canvas_w, _ = self.canvas.shape
        # Supervised frames of every GOP, padded to a table.
        train = supervision.train_frames
        table = np.zeros((gops.count, gops.gop + 1), np.int64)
        counts = np.zeros(gops.count, np.int64)
        for g in range(gops.count):
            frames = [f for f in gops.frames_of(g) if train[f]]
            counts[g] = len(frames)
            table[g, : len(frames)] = frames
        self.table = torch.as_tensor(table, device=device)
        self.counts = torch.as_tensor(np.maximum(counts, 1), device=device)
        unit_live = np.repeat(counts > 0, model.patches)
        self.unit_live = torch.as_tensor(unit_live, device=device, dtype=torch.float32)
        patch = np.arange(model.units) % model.patches
        self.unit_gop = torch.as_tensor(np.arange(model.units) // model.patches, device=device)
        rows, cols = grid.shape
        self.origin_y = torch.as_tensor((patch // cols) * grid.rows.stride, device=device)
        self.origin_x = torch.as_tensor((patch % cols) * grid.cols.stride, device=device)
        self.patch_size = grid.patch
        self.overlap = grid.overlap
        self.time_scale = 1.0 / max(model.num_frames - 1, 1)
        if self.pool > 1:
            self._init_pooled(supervision, top, left)
        else:
            self.set_mask(supervision.pixel_mask)

    def _init_pooled(self, supervision: Supervision, top: int, left: int) -> None:
        """Low-res targets (unpadded) and, per unit, the low-res rows / columns it draws (a unit
        whose tile holds no whole low-res block, e.g. only the remainder strip, gets weight 0)."""
        s, p = self.pool, self.patch_size
        dev = self.device
        self.low = torch.from_numpy(np.ascontiguousarray(supervision.frames)).to(dev)
        _, self.low_h, self.low_w, _ = supervision.frames.shape
        self.set_mask(supervision.pixel_mask)
        # Tile starts in frame coordinates (the canvas origin is at -padding).
        self.tile_y0 = self.origin_y - top
        self.tile_x0 = self.origin_x - left

        def span(start: torch.Tensor, limit: int) -> tuple[torch.Tensor, torch.Tensor]:
            lo = torch.div(start, s, rounding_mode="floor").clamp(0, limit)
            hi = torch.div(start + p + s - 1, s, rounding_mode="floor").clamp(0, limit)
            return lo.clamp(max=limit - 1), (hi - lo)

        self.low_y0, self.low_ny = span(self.tile_y0, self.low_h)
        self.low_x0, self.low_nx = span(self.tile_x0, self.low_w)
        self.block_live = ((self.low_ny > 0) & (self.low_nx > 0)).float() * self.unit_live
        self.low_ny, self.low_nx = self.low_ny.clamp_min(1), self.low_nx.clamp_min(1)

    def points_per_frame(self, batch_pixels: int, frames_per_unit: int, min_points: int) -> int:
        """Samples per (unit, frame). ``batch_pixels`` counts rendered (full-res) points, so a
        pooled sample (S*S points) counts S*S times."""
        if self.pool > 1:
            per = batch_pixels // (self.model.units * frames_per_unit * self.group)
            return max(-(-min_points // self.group), per, 1)
        return max(min_points, batch_pixels // (self.model.units * frames_per_unit))

    def sample(self, frames_per_unit: int, points: int):
        """Returns points (U, K, M, 2), t (U, K), target (U, K, M, 3), weight (U, K, M).

        Pooled (``pool`` = S > 1): points are (U, K, M*S*S, 2), the rest as above."""
        if self.pool > 1:
            return self._sample_pooled(frames_per_unit, points)
        u, k, m, p = self.model.units, frames_per_unit, points, self.patch_size
        dev, gen = self.device, self.generator
        pick = (torch.rand(u, k, device=dev, generator=gen) * self.counts[self.unit_gop, None])
        frame = self.table[self.unit_gop[:, None], pick.long()]
        ry = torch.randint(0, p, (u, k, m), device=dev, generator=gen)
        rx = torch.randint(0, p, (u, k, m), device=dev, generator=gen)
        cy = self.origin_y[:, None, None] + ry
        cx = self.origin_x[:, None, None] + rx
        pixel = cy * self.canvas_w + cx
        flat = frame[..., None] * (self.canvas_h * self.canvas_w) + pixel
        target = self.canvas.view(-1, 3)[flat].float() * (1.0 / 255.0)
        mask_index = flat if self.per_frame_mask else pixel
        weight = self.mask.view(-1)[mask_index].float() * self.unit_live[:, None, None]
        scale = 2.0 / (p - 1)
        local = torch.stack((rx, ry), dim=-1).float() * scale - 1.0
        if self.overlap:
            # The render's tent at pixel centres: 1 - |local| * (P - 1) / P.
            s = (p - 1) / p
            weight = weight * _tent(local[..., 0] * s) * _tent(local[..., 1] * s)
        t = frame.float() * self.time_scale
        return local, t, target, weight

    def _sample_pooled(self, frames_per_unit: int, points: int):
        u, k, m, p, s = self.model.units, frames_per_unit, points, self.patch_size, self.pool
        dev, gen = self.device, self.generator
        pick = (torch.rand(u, k, device=dev, generator=gen) * self.counts[self.unit_gop, None])
        frame = self.table[self.unit_gop[:, None], pick.long()]
        ny, nx = self.low_ny[:, None, None], self.low_nx[:, None, None]
        ly = self.low_y0[:, None, None] + (
            torch.rand(u, k, m, device=dev, generator=gen) * ny).long().minimum(ny - 1)
        lx = self.low_x0[:, None, None] + (
            torch.rand(u, k, m, device=dev, generator=gen) * nx).long().minimum(nx - 1)
        pixel = ly * self.low_w + lx
        flat = frame[..., None] * (self.low_h * self.low_w) + pixel
        target = self.low.view(-1, 3)[flat].float() * (1.0 / 255.0)
        mask_index = flat if self.per_frame_mask else pixel
        weight = self.mask.view(-1)[mask_index].float() * self.block_live[:, None, None]
        scale = 2.0 / (p - 1)
        offsets = torch.arange(s, device=dev)
        # Full-res pixel index inside the tile, per sub-pixel row (dy) and column (dx).
        iy = ly[..., None] * s + offsets - self.tile_y0[:, None, None, None]
        ix = lx[..., None] * s + offsets - self.tile_x0[:, None, None, None]
        local_y = (iy.float() * scale - 1.0)[..., :, None].expand(u, k, m, s, s)
        local_x = (ix.float() * scale - 1.0)[..., None, :].expand(u, k, m, s, s)
        local = torch.stack((local_x, local_y), dim=-1).reshape(u, k, m * s * s, 2)
        if self.overlap:
            # The tent at the block centre.
            c = (s - 1) / 2.0
            cy = ((ly * s + c - self.tile_y0[:, None, None]) * scale - 1.0) * ((p - 1) / p)
            cx = ((lx * s + c - self.tile_x0[:, None, None]) * scale - 1.0) * ((p - 1) / p)
            weight = weight * _tent(cx) * _tent(cy)
        t = frame.float() * self.time_scale
        return local, t, target, weight

    def set_mask(self, pixel_mask: np.ndarray | None) -> None:
        """Replace the supervision mask (takes effect at the next sample)."""
        # Pooled supervision masks the low-res targets; otherwise the mask covers the padded
        # canvas, where the padding is never supervised.
        h, w = (self.low_h, self.low_w) if self.pool > 1 else (self.model.height, self.model.width)
        mask = np.ones((h, w), bool) if pixel_mask is None else pixel_mask
        mask = mask.reshape((-1, h, w))
        mask_t = torch.from_numpy(mask.astype(np.uint8))
        if self.pool == 1:
            top, bottom, left, right = self.model.grid.padding
            mask_t = F.pad(mask_t, (left, right, top, bottom), mode="constant", value=0)
        self.mask = mask_t.to(self.device)
        self.per_frame_mask = mask.shape[0] > 1


def _tent(local: torch.Tensor) -> torch.Tensor:
    """Tent weight of a tile at local coordinate in [-1, 1] (1 at the centre, 0 at the edges)."""
    return (1.0 - local.abs()).clamp_min(0.0)


def _pad_frames(frames: np.ndarray, padding: tuple[int, int, int, int]) -> torch.Tensor:
    """Reflect-pad (N, H, W, 3) uint8 frames; falls back to edge padding for tiny frames."""
    top, bottom, left, right = padding
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)
    if not any(padding):
        return x.permute(0, 2, 3, 1).contiguous()
    h, w = x.shape[-2:]
    mode = "reflect" if max(top, bottom) < h and max(left, right) < w else "replicate"
    padded = F.pad(x.float(), (left, right, top, bottom), mode=mode)
    return padded.round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()
