"""Configuration of a training run."""

from __future__ import annotations

from dataclasses import dataclass

from actinr_studio.errors import UserError


@dataclass(frozen=True)
class TrainConfig:
    """How the model is trained. A run trains on an immutable snapshot of this."""

    steps: int = 3000
    """Optimizer steps of the run (ignored for the length when ``time_budget`` is set)."""

    time_budget: float | None = None
    """Wall-time budget in seconds: the learning-rate decay runs on elapsed time and training
    stops when the budget is spent. None: the run is ``steps`` long."""

    lr: float = 5e-3
    """Adam learning rate at the start."""

    lr_final_ratio: float = 0.1
    """The rate decays smoothly to lr * lr_final_ratio: lr(p) = lr * ratio**p, p in [0, 1]."""

    batch_pixels: int = 6144
    """Pixels per step, drawn evenly over the units (at least ``min_points`` per unit)."""

    frames_per_unit: int = 1
    """Frames each unit draws its pixels from in one step."""

    late_batch_pixels: int = 92160
    """Pixels per step after ``late_from`` (large multi-frame batches win late in a run)."""

    late_frames_per_unit: int = 4
    """Frames per unit per step after ``late_from``."""

    late_from: float = 0.5
    """Fraction of the run after which the late batch is used (1.0: never)."""

    time_smoothness: float = 0.0
    """Weight of a penalty on the curvature in time of every unit's biases: the mean squared
    second difference b(t-h) - 2 b(t) + b(t+h) at a random t per unit per step, with h half the
    spacing of the training frames. It asks the basis functions to move steadily between
    training frames, where held-out (slow-motion) frames are rendered. 0: off. Measured on
    blackswan interp-2 (90 s, 1 thread): weights 0.001 to 100 changed held-out PSNR by at most
    +0.15 dB (seed noise is about 0.1) and cost about 18 % of the steps, so it is off by default:
    the biases' paths between training frames are already smooth."""

    min_points: int = 16
    """Fewest points per (unit, frame) in a step."""

    report_every: int = 10
    """Steps between step reports."""

    eval_every: int = 500
    """Steps between full evaluations (rendered frames, exact PSNR); 0: only at the end."""

    eval_max_frames: int = 8
    """At most this many training and this many held-out frames per evaluation."""

    preview_every: float = 2.0
    """Seconds between preview frames (0: no previews)."""

    preview_max_side: int = 320
    """Longest side of a preview frame, in pixels."""

    guard_every: int = 100
    """Steps between snapshots of the last good state for the NaN guard."""

    device: str = "auto"
    """'auto' (CUDA when available, else CPU), 'cpu' or 'cuda[:N]'."""

    compile: bool = False
    """Compile the training step with torch.compile (faster steps; 10-60 s to compile)."""

    threads: int | None = None
    """CPU threads for torch (None: torch's default)."""

    seed: int = 0
    """Seed of the pixel sampling."""

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise UserError(f"steps must be >= 1, got {self.steps}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise UserError(f"time budget must be positive seconds, got {self.time_budget}")
        if not (self.lr > 0 and self.lr < 1):
            raise UserError(f"learning rate must be in (0, 1), got {self.lr}")
        if not (0 < self.lr_final_ratio <= 1):
            raise UserError(f"lr_final_ratio must be in (0, 1], got {self.lr_final_ratio}")
        for name in ("batch_pixels", "late_batch_pixels", "frames_per_unit",
                     "late_frames_per_unit", "min_points", "report_every", "guard_every"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.time_smoothness < float("inf"):
            raise UserError(f"time_smoothness must be >= 0, got {self.time_smoothness}")
        if not 0 <= self.late_from <= 1:
            raise UserError(f"late_from must be in [0, 1], got {self.late_from}")
        if self.threads is not None and self.threads < 1:
            raise UserError(f"threads must be >= 1, got {self.threads}")
