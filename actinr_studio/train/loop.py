"""The training loop as a generator: it yields small events and takes commands via ``send()``.

    trainer = Trainer(model, supervision, TrainConfig(steps=2000))
    for event in trainer.run():          # the CLI
        ...
    gen = trainer.run(); event = gen.send(Pause())   # a GUI worker
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Generator

import numpy as np
import torch

from actinr_studio.model import ActINR
from actinr_studio.runtime import describe_device, resolve_device, tune_process
from actinr_studio.train import events as ev
from actinr_studio.train.config import TrainConfig
from actinr_studio.train.data import PixelSampler, Supervision
from actinr_studio.train.metrics import mse_to_psnr, psnr_per_frame

PAUSE_POLL_SECONDS = 0.05


def masked_mse(
    pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor, group: int = 1
) -> torch.Tensor:
    """Mean squared error over the weighted (supervised) samples and the three channels.

    ``group`` > 1 (super-resolution): ``pred`` is (U, K, M*group, 3) and each run of ``group``
    predictions is averaged (average pooling of the full-res block) before the comparison
    with the (U, K, M, 3) target."""
    if group > 1:
        pred = pred.reshape(*target.shape[:-1], group, 3).mean(-2)
    err = ((pred - target) ** 2).sum(-1)
    return (err * weight).sum() / (3.0 * weight.sum().clamp_min(1e-8))


class Trainer:
    """Trains an ActINR model on a supervision; keeps the optimizer, step and metrics."""

    def __init__(self, model: ActINR, supervision: Supervision, config: TrainConfig):
        tune_process()
        if config.threads:
            torch.set_num_threads(config.threads)
        self.config = config
        self.device = resolve_device(config.device)
        self.model = model.to(self.device)
        self.supervision = supervision
        self.sampler = PixelSampler(self.model, supervision, self.device, seed=config.seed)
        fused = self.device.type in ("cpu", "cuda")
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr, fused=fused)
        self._progress = 0.0
        self._lr_scale = 1.0
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda _: self._lr_scale * config.lr_final_ratio ** self._progress
        )
        self.step = 0
        self.total_steps = config.steps
        self.seconds = 0.0
        self.pixels_seen = 0.0
        self.metrics: dict[str, float | None] = {"train_psnr": None, "heldout_psnr": None}
        self.preview_frame = 0.0
        self.preview_max_side = config.preview_max_side
        if config.compile:
            self._loss_fn = torch.compile(
                masked_loss_fn(self.model, True, self.sampler.group), dynamic=False
            )
        else:
            self._loss_fn = masked_loss_fn(self.model, group=self.sampler.group)
        self._good_state = None
        self._smoothness = _SmoothnessTimes(self.model, supervision.train_frames, self.device)
        n_supervised = float(supervision.train_frames.sum()) * model.height * model.width
        self._epoch_pixels = max(n_supervised, 1.0)

    # ------------------------------------------------------------------ state
    def state_dict(self, with_optimizer: bool = True) -> dict:
        state = {"model": self.model.state_dict(), "step": self.step, "seconds": self.seconds}
        if with_optimizer:
            state["optimizer"] = self.optimizer.state_dict()
            state["lr_scale"] = self._lr_scale
            state["total_steps"] = self.total_steps
            state["pixels_seen"] = self.pixels_seen
            state["sampler_rng"] = self.sampler.generator.get_state()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.step = int(state.get("step", 0))
        self.seconds = float(state.get("seconds", 0.0))
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
            self._lr_scale = float(state.get("lr_scale", 1.0))
            self.total_steps = max(int(state.get("total_steps", self.total_steps)), self.step)
            self.pixels_seen = float(state.get("pixels_seen", 0.0))
        if "sampler_rng" in state:
            self.sampler.generator.set_state(state["sampler_rng"].cpu())

    # ------------------------------------------------------------------ the loop
    def run(self) -> Generator[ev.Event, ev.Command | None, None]:
        cfg = self.config
        device_name = describe_device(self.device)
        yield ev.Notice(self.step, f"training on {device_name}")
        paused = False
        stop_reason = "done"
        last_preview = -math.inf
        start_seconds = self.seconds
        clock = time.perf_counter()
        window_pixels, window_start = 0.0, clock
        pending: list[ev.Command] = []
        self._snapshot()
        while True:
            # -- commands ------------------------------------------------------------
            while pending:
                command = pending.pop(0)
                if isinstance(command, ev.Pause):
                    paused = True
                elif isinstance(command, ev.Resume):
                    paused = False
                    clock = time.perf_counter()
                    window_pixels, window_start = 0.0, clock
                elif isinstance(command, ev.Stop):
                    stop_reason = "stopped"
                elif isinstance(command, ev.ExtendSteps):
                    self.total_steps += max(0, int(command.steps))
                elif isinstance(command, ev.SetPreview):
                    self.preview_frame = float(command.frame)
                    if command.max_side:
                        self.preview_max_side = int(command.max_side)
                    last_preview = -math.inf
                elif isinstance(command, ev.SetMask):
                    self.sampler.set_mask(command.pixel_mask)
                elif isinstance(command, ev.RenderRequest):
                    image = self.render_uint8(command.frame, command.region, command.size)
                    reply = yield ev.Rendered(
                        command.request_id, self.step, command.frame, command.region, image
                    )
                    if reply is not None:
                        pending.append(reply)
            if stop_reason == "stopped":
                break
            if paused:
                reply = yield ev.Paused(self.step)
                if reply is not None:
                    pending.append(reply)
                else:
                    time.sleep(PAUSE_POLL_SECONDS)
                continue
            budget_done = cfg.time_budget is not None and self.seconds >= cfg.time_budget
            if budget_done or (cfg.time_budget is None and self.step >= self.total_steps):
                stop_reason = "budget" if budget_done else "done"
                break
            # -- one step ------------------------------------------------------------
            loss = self._train_step()
            now = time.perf_counter()
            self.seconds += now - clock
            clock = now
            if loss is None:
                reply = yield ev.Notice(
                    self.step, f"non-finite loss: restored the last good state, learning rate "
                    f"x{self._lr_scale:.3g}"
                )
                if reply is not None:
                    pending.append(reply)
                continue
            window_pixels += self._last_batch_pixels
            if self.step % cfg.guard_every == 0:
                self._snapshot()
            reply = None
            if self.step % cfg.report_every == 0 or self.step == self.total_steps:
                rate = window_pixels / max(now - window_start, 1e-9)
                window_pixels, window_start = 0.0, now
                reply = yield ev.StepReport(
                    step=self.step,
                    total_steps=self.total_steps,
                    epoch=self.pixels_seen / self._epoch_pixels,
                    loss=loss,
                    batch_psnr=mse_to_psnr(loss),
                    train_psnr=self.metrics["train_psnr"],
                    heldout_psnr=self.metrics["heldout_psnr"],
                    lr=self.optimizer.param_groups[0]["lr"],
                    seconds=self.seconds,
                    pixels_per_second=rate,
                    device=device_name,
                )
                if reply is not None:
                    pending.append(reply)
            if cfg.eval_every and self.step % cfg.eval_every == 0:
                reply = yield self.evaluate()
                clock = time.perf_counter()
                if reply is not None:
                    pending.append(reply)
            if cfg.preview_every and time.perf_counter() - last_preview >= cfg.preview_every:
                last_preview = time.perf_counter()
                reply = yield self.preview()
                clock = time.perf_counter()
                if reply is not None:
                    pending.append(reply)
        final = self.evaluate()
        yield final
        yield ev.Finished(self.step, stop_reason, self.seconds - start_seconds)

    # ------------------------------------------------------------------ pieces
    def _progress_now(self) -> float:
        cfg = self.config
        if cfg.time_budget is not None:
            return min(1.0, self.seconds / cfg.time_budget)
        return min(1.0, self.step / max(cfg.steps, 1))

    def _train_step(self) -> float | None:
        cfg = self.config
        self._progress = self._progress_now()
        for group, lr in zip(self.optimizer.param_groups, self.scheduler.base_lrs, strict=True):
            group["lr"] = lr * self.scheduler.lr_lambdas[0](0)
        late = self._progress >= cfg.late_from and cfg.late_from < 1.0
        frames = cfg.late_frames_per_unit if late else cfg.frames_per_unit
        pixels = cfg.late_batch_pixels if late else cfg.batch_pixels
        points = self.sampler.points_per_frame(pixels, frames, cfg.min_points)
        local, t, target, weight = self.sampler.sample(frames, points)
        self.model.train()
        loss = self._loss_fn(local, t, target, weight)
        value = float(loss.detach())
        if cfg.time_smoothness > 0:
            loss = loss + cfg.time_smoothness * self._bias_curvature()
        if not (math.isfinite(value) and torch.isfinite(loss.detach())):
            self._restore()
            return None
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        self._last_batch_pixels = float(local.shape[0] * local.shape[1] * local.shape[2])
        self.pixels_seen += self._last_batch_pixels
        return value

    def _bias_curvature(self) -> torch.Tensor:
        """Mean squared second difference in time of every unit's biases, at one random time
        per unit (see ``TrainConfig.time_smoothness``)."""
        times = self._smoothness.sample(self.sampler.generator)
        units = torch.arange(self.model.units, device=self.device)
        total, count = 0.0, 0
        for bias in self.model.bias_net(units, times).values():
            curvature = bias[:, 0] - 2.0 * bias[:, 1] + bias[:, 2]
            total = total + (curvature**2).sum()
            count += curvature.numel()
        return total / max(count, 1)

    def _snapshot(self) -> None:
        self._good_state = (
            copy.deepcopy(self.model.state_dict()),
            copy.deepcopy(self.optimizer.state_dict()),
        )

    def _restore(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        if self._good_state is not None:
            self.model.load_state_dict(self._good_state[0])
            self.optimizer.load_state_dict(self._good_state[1])
        self._lr_scale *= 0.5

    def render_uint8(self, frame: float, region=None, size=None) -> np.ndarray:
        self.model.eval()
        return self.model.render_uint8(frame, region, size)

    def preview(self) -> ev.Preview:
        m = self.model
        scale = min(1.0, self.preview_max_side / max(m.width, m.height))
        size = (max(1, round(m.width * scale)), max(1, round(m.height * scale)))
        frame = min(max(self.preview_frame, 0.0), m.num_frames - 1)
        return ev.Preview(self.step, frame, self.render_uint8(frame, None, size))

    def evaluate(self, max_frames: int | None = None) -> ev.Evaluation:
        """Render (a spread of) training and held-out frames and score them against the clean
        reference."""
        started = time.perf_counter()
        limit = max_frames or self.config.eval_max_frames
        sup = self.supervision
        train_idx = _spread(np.nonzero(sup.train_frames)[0], limit)
        held_idx = _spread(np.nonzero(sup.heldout_frames)[0], limit)
        scores = {}
        for f in np.concatenate([train_idx, held_idx]).astype(int):
            image = self.render_uint8(float(f))
            scores[int(f)] = float(psnr_per_frame(image, sup.clean[f])[0])
        train_psnr = float(np.mean([scores[int(f)] for f in train_idx]))
        held = float(np.mean([scores[int(f)] for f in held_idx])) if len(held_idx) else None
        self.metrics = {"train_psnr": train_psnr, "heldout_psnr": held}
        frames = tuple(sorted(scores))
        return ev.Evaluation(
            step=self.step,
            seconds=time.perf_counter() - started,
            train_psnr=train_psnr,
            heldout_psnr=held,
            frames=frames,
            frame_psnr=tuple(scores[f] for f in frames),
        )


class _SmoothnessTimes:
    """Draws, per unit, three times (c - h, c, c + h) inside the unit's GOP, with h half the
    median spacing of the training frames (the held-out frames of slow motion sit there)."""

    def __init__(self, model: ActINR, train_frames: np.ndarray, device: torch.device):
        trained = np.flatnonzero(train_frames)
        gaps = np.diff(trained)
        spacing = float(np.median(gaps)) if len(gaps) else 1.0
        gops = model.gops
        self.step = float(gops.time_of(spacing / 2.0))
        lo, hi = [], []
        for g in range(gops.count):
            frames = gops.frames_of(g)
            lo.append(float(gops.time_of(frames[0])))
            hi.append(float(gops.time_of(frames[-1])))
        lo_t = torch.tensor(lo, dtype=torch.float32).repeat_interleave(model.patches)
        hi_t = torch.tensor(hi, dtype=torch.float32).repeat_interleave(model.patches)
        self.low = lo_t.to(device)
        self.span = (hi_t - lo_t).to(device)

    def sample(self, generator: torch.Generator) -> torch.Tensor:
        """(units, 3) times."""
        u = torch.rand(self.low.shape[0], device=self.low.device, generator=generator)
        centre = self.low + u * self.span
        offsets = torch.tensor((-self.step, 0.0, self.step), device=self.low.device)
        return centre[:, None] + offsets


def masked_loss_fn(model: ActINR, traceable: bool = False, group: int = 1):
    """The training loss of a batch; ``traceable`` for ``torch.compile``; ``group``: points
    averaged per target (S*S for super-resolution)."""

    def loss_fn(local, t, target, weight):
        return masked_mse(model(local, t, traceable=traceable), target, weight, group)

    return loss_fn


def _spread(indices: np.ndarray, limit: int) -> np.ndarray:
    if len(indices) <= limit:
        return indices
    pick = np.linspace(0, len(indices) - 1, limit).round().astype(int)
    return indices[pick]
