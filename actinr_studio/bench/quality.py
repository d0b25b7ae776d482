"""``bench quality``: held-out PSNR of F-x interpolation after fixed wall-time budgets, next to
the baselines a user has today (nearest frame, linear blend, ffmpeg minterpolate), on the same
frames, in the same run."""

from __future__ import annotations

import platform
import time
from pathlib import Path

import numpy as np
import torch

from actinr_studio.bench.baselines import linear_blend, minterpolate, nearest_frame
from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.model import ActINR
from actinr_studio.runtime import tune_process
from actinr_studio.tasks import parse_task, score_model
from actinr_studio.train import Trainer, model_config_for
from actinr_studio.train import events as ev
from actinr_studio.train.metrics import psnr_per_frame, structural_similarity
from actinr_studio.video import read_clip

QUALITY_DEFAULTS = RunConfig.from_dict(
    {
        "model": {"patch_size": 48, "hidden": 36, "rff_sigma": 1.0},
        "train": {"eval_every": 0, "preview_every": 0.0, "report_every": 50,
                  "late_from": 0.5, "lr_final_ratio": 0.3},
    }
)
"""ActINR settings of the benchmark (chosen from the CPU time-to-quality experiments)."""


def _score(name: str, predicted: np.ndarray, reference: np.ndarray, seconds: float) -> dict:
    per_frame = psnr_per_frame(predicted, reference)
    sim_name, sim = structural_similarity(predicted, reference)
    return {"method": name, "psnr": float(per_frame.mean()), sim_name: sim,
            "seconds": round(seconds, 2)}


def bench_quality(
    clip_path: str,
    frames: int = 20,
    scale: float = 2.0,
    factor: int = 2,
    budgets: list[float] | tuple[float, ...] = (60, 180, 600),
    device: str = "auto",
    seed: int = 0,
    config_path: str | None = None,
    on_event=None,
) -> dict:
    tune_process()
    if not Path(clip_path).exists():
        raise UserError(f"benchmark clip not found: {clip_path} (pass --clip)")
    started = time.perf_counter()
    clip = read_clip(clip_path, count=frames, scale=scale)
    task = parse_task(f"interp-{factor}")
    supervision = task.prepare(clip.frames)
    train_idx = np.nonzero(supervision.train_frames)[0]
    scored = np.nonzero(supervision.scored_frames)[0]
    reference = clip.frames[scored]
    base = RunConfig.load_json(config_path) if config_path else QUALITY_DEFAULTS
    results: dict = {
        "benchmark": "quality",
        "clip": str(clip_path),
        "frames": clip.num_frames,
        "first_frame": clip.first_frame,
        "scale": scale,
        "size": [clip.width, clip.height],
        "task": task.name,
        "train_frames": train_idx.tolist(),
        "scored_frames": scored.tolist(),
        "seed": seed,
        "machine": {"processor": platform.processor() or platform.machine(),
                    "threads": torch.get_num_threads(), "torch": torch.__version__},
        "baselines": [],
        "actinr": [],
    }
    for name, fn in (("nearest", nearest_frame), ("linear_blend", linear_blend)):
        t0 = time.perf_counter()
        predicted = fn(clip.frames, train_idx, scored)
        results["baselines"].append(_score(name, predicted, reference, time.perf_counter() - t0))
    t0 = time.perf_counter()
    predicted = minterpolate(clip.frames, train_idx, scored, clip.fps)
    results["baselines"].append(
        _score("minterpolate", predicted, reference, time.perf_counter() - t0))
    for budget in budgets:
        run = RunConfig(
            model=base.model.__class__(**{**base.model.__dict__, "seed": seed}),
            train=base.train.__class__(**{**base.train.__dict__, "time_budget": float(budget),
                                          "device": device, "seed": seed}),
            task=task.name,
        )
        model = ActINR(model_config_for(run.model, supervision), clip.height, clip.width,
                       clip.num_frames)
        trainer = Trainer(model, supervision, run.train)
        wall = time.perf_counter()
        for event in trainer.run():
            if on_event is not None and isinstance(event, ev.StepReport):
                on_event(budget, event)
        wall = time.perf_counter() - wall
        score = score_model(trainer.render_uint8, supervision)
        entry = {
            "budget_s": budget,
            "train_seconds": round(trainer.seconds, 2),
            "wall_seconds": round(wall, 2),
            "steps": trainer.step,
            "heldout_psnr": score.psnr,
            score.similarity_name: score.similarity,
            "train_psnr": trainer.metrics["train_psnr"],
            "device": str(trainer.device),
            "config": run.to_dict(),
        }
        results["actinr"].append(entry)
    blend = next(b for b in results["baselines"] if b["method"] == "linear_blend")["psnr"]
    mint = next(b for b in results["baselines"] if b["method"] == "minterpolate")["psnr"]
    results["summary"] = [
        {"budget_s": a["budget_s"], "heldout_psnr": round(a["heldout_psnr"], 2),
         "vs_linear_blend_db": round(a["heldout_psnr"] - blend, 2),
         "vs_minterpolate_db": round(a["heldout_psnr"] - mint, 2)}
        for a in results["actinr"]
    ]
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    return results
