"""Estimate the cost of training a clip before training it: memory and seconds per 1000 steps.

Memory comes from the parameter count (weights, gradients and two Adam moments), the frame
canvas kept on the device and the activations of the largest batch. Time comes from timing a
few real training steps of a tiny model with the same per-unit network on the actual device;
the measured per-step overhead and per-pixel cost are cached per (device, network shape).

Must not import Qt.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass

import numpy as np
import torch

from actinr_studio.model import ActINR, GopLayout, ModelConfig, PatchGrid
from actinr_studio.runtime import describe_device, resolve_device
from actinr_studio.train.config import TrainConfig

BYTES_PER_PARAMETER = 16
"""float32 weight + gradient + Adam's two moments."""

ACTIVATION_FLOATS_PER_POINT_PER_HIDDEN = 48
"""Saved float32 intermediates per sampled point and hidden feature (complex Gabor layers keep
real/imaginary parts, windows and products for the backward pass); measured order of magnitude."""

TINY_UNITS = 2
"""Units of the model timed by ``step_cost`` (1 GOP of 1 x 2 patches)."""

RUNTIME_OVERHEAD_BYTES = 300 << 20
"""Framework overhead (allocator pools, kernels) added to every estimate."""


@dataclass(frozen=True)
class TrainingEstimate:
    """What training a clip will roughly cost on a device."""

    parameters: int
    units: int
    memory_bytes: int
    seconds_per_1000_steps: float
    device: str

    @property
    def memory_mib(self) -> float:
        return self.memory_bytes / (1 << 20)

    def describe(self) -> str:
        return (f"{self.parameters / 1e6:.2f} M parameters, ~{self.memory_mib:,.0f} MiB, "
                f"~{self.seconds_per_1000_steps:,.0f} s per 1000 steps on {self.device}")


def unit_counts(num_frames: int, height: int, width: int, config: ModelConfig) -> tuple[int, int]:
    """(GOPs, patches) of a clip under ``config``, without building the model."""
    grid = PatchGrid(height, width, config.patch_size, config.overlap)
    return GopLayout(num_frames, config.gop).count, grid.count


def parameter_count(num_frames: int, height: int, width: int, config: ModelConfig) -> int:
    """Exact parameter count, from tiny models (the count is affine in GOPs x patches and in
    patches), so that estimating a long high-resolution clip allocates nothing big."""
    base, per_unit, per_patch = _count_coefficients(config)
    gops, patches = unit_counts(num_frames, height, width, config)
    return int(base + per_unit * gops * patches + per_patch * patches)


@functools.lru_cache(maxsize=32)
def _count_coefficients(config: ModelConfig) -> tuple[int, int, int]:
    p, g = config.patch_size, config.gop
    rows, counts = [], []
    for frames, height, width in ((2, p, p), (2, p, 3 * p), (2 * g + 2, p, p), (g + 2, 2 * p, p)):
        gops, patches = unit_counts(frames, height, width, config)
        rows.append((1.0, gops * patches, patches))
        counts.append(ActINR(config, height, width, frames).parameter_count())
    solution = np.linalg.lstsq(np.array(rows), np.array(counts, float), rcond=None)[0]
    base, per_unit, per_patch = (int(round(v)) for v in solution)
    return base, per_unit, per_patch


def estimate_training(
    num_frames: int,
    height: int,
    width: int,
    model: ModelConfig | None = None,
    train: TrainConfig | None = None,
    device: str = "auto",
) -> TrainingEstimate:
    """Estimate memory and time of training a ``num_frames`` x ``height`` x ``width`` clip."""
    model = model or ModelConfig()
    train = train or TrainConfig()
    dev = resolve_device(device)
    gops, patches = unit_counts(num_frames, height, width, model)
    units = gops * patches
    params = parameter_count(num_frames, height, width, model)
    grid = PatchGrid(height, width, model.patch_size, model.overlap)
    canvas_h, canvas_w = grid.canvas_shape
    canvas = num_frames * canvas_h * canvas_w * 4  # RGB uint8 + mask

    def batch(pixels: int, frames: int) -> int:
        return units * frames * max(train.min_points, pixels // max(units * frames, 1))

    early = batch(train.batch_pixels, train.frames_per_unit)
    late = batch(train.late_batch_pixels, train.late_frames_per_unit)
    late_share = 0.0 if train.late_from >= 1.0 else 1.0 - train.late_from
    biggest = late if late_share > 0 else early
    activations = biggest * model.hidden * ACTIVATION_FLOATS_PER_POINT_PER_HIDDEN * 4
    memory = params * BYTES_PER_PARAMETER + canvas + activations + RUNTIME_OVERHEAD_BYTES

    per_unit, per_pixel = step_cost(model, str(dev))
    step_early = per_unit * units * train.frames_per_unit + per_pixel * early
    step_late = per_unit * units * train.late_frames_per_unit + per_pixel * late
    per_step = (1.0 - late_share) * step_early + late_share * step_late
    return TrainingEstimate(params, units, int(memory), 1000.0 * per_step, describe_device(dev))


def step_cost(model: ModelConfig, device: str = "cpu") -> tuple[float, float]:
    """(seconds per unit and frame, seconds per sampled pixel) of a training step of the
    per-unit network of ``model`` on ``device``, measured once and cached. The per-unit part is
    the bias network and the optimizer, the per-pixel part the frame networks."""
    key = dataclasses.replace(model, seed=0)
    return _measure_step_cost(key, str(resolve_device(device)))


@functools.lru_cache(maxsize=16)
def _measure_step_cost(model: ModelConfig, device: str) -> tuple[float, float]:
    from actinr_studio.train.data import Supervision
    from actinr_studio.train.loop import Trainer

    p = model.patch_size
    frames = np.zeros((2, p, 2 * p, 3), np.uint8)
    frames[..., 0] = np.linspace(0, 255, 2 * p, dtype=np.uint8)[None, None, :]
    supervision = Supervision(frames, np.ones(2, bool))
    sizes = (128, 1024)
    config = TrainConfig(steps=1000, batch_pixels=sizes[0], late_from=1.0, eval_every=0,
                         preview_every=0, report_every=1, min_points=1, device=device,
                         threads=torch.get_num_threads())
    trainer = Trainer(ActINR(dataclasses.replace(model, gop=4), p, 2 * p, 2), supervision, config)
    gen = trainer.run()
    next(gen)  # the device notice
    timings = []
    for pixels in sizes:
        trainer.config = dataclasses.replace(config, batch_pixels=pixels)
        next(gen)  # a warm-up step at this size
        best = float("inf")
        for _ in range(3):  # the fastest of a few: robust to other load on the machine
            _sync(device)
            started = time.perf_counter()
            next(gen)
            _sync(device)
            best = min(best, time.perf_counter() - started)
        timings.append(best)
    gen.close()
    (p1, t1), (p2, t2) = zip(sizes, timings, strict=True)
    per_pixel = max((t2 - t1) / (p2 - p1), 1e-10)
    overhead = max(t1 - per_pixel * p1, 0.0)
    return overhead / TINY_UNITS, per_pixel


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
