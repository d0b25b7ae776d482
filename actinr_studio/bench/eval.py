"""``actinr-studio eval``: fit ActINR on a task and score it next to the alternatives a user has
today (``protocols.md``), on the same frames, in the same run, with the wall time of each.

Results are plain data (JSON) and a Markdown table. OpenCV baselines are listed as skipped, with
the reason, when OpenCV is not installed.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from actinr_studio.bench import baselines as bl
from actinr_studio.bench.quality import QUALITY_DEFAULTS
from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.model import ActINR
from actinr_studio.runtime import tune_process
from actinr_studio.tasks import Task, parse_task, score_frames, score_model, scored_indices
from actinr_studio.tasks.base import Interpolate
from actinr_studio.tasks.denoise import Denoise
from actinr_studio.tasks.inpaint import Inpaint
from actinr_studio.tasks.super_resolve import SuperResolve
from actinr_studio.train import Supervision, Trainer, model_config_for
from actinr_studio.train import events as ev
from actinr_studio.video import read_clip

DEFAULT_TIME_BUDGET = 60.0
"""Seconds of ActINR training when neither a budget nor a step count is given."""

EVAL_DEFAULTS = QUALITY_DEFAULTS
"""ActINR settings: those of ``bench quality``, chosen from the CPU time-to-quality runs."""


@dataclass(frozen=True)
class EvalRequest:
    clip: str
    task: str
    frames: int = 20
    start: int = 0
    scale: float = 2.0
    seed: int = 0
    time_budget: float | None = None
    steps: int | None = None
    baselines: str = "all"
    device: str = "auto"
    config: str | None = None
    threads: int | None = None


@dataclass(frozen=True)
class Baseline:
    name: str
    description: str
    run: Callable[[np.ndarray, Supervision, list[int]], np.ndarray]
    """(clean clip frames, supervision, scored frame indices) -> predicted (K, H, W, 3); it may
    only read what the model sees (``supervision.frames`` at its training frames)."""


# ---------------------------------------------------------------- baselines per task
def _train_indices(sup: Supervision) -> np.ndarray:
    return np.nonzero(sup.train_frames)[0]


def _interp_baselines(fps) -> list[Baseline]:
    def temporal(fn):
        return lambda clip, sup, frames: fn(sup.frames, _train_indices(sup), frames)

    return [
        Baseline("nearest", "repeat the nearest training frame", temporal(bl.nearest_frame)),
        Baseline("linear_blend", "cross-fade the two neighbouring training frames",
                 temporal(bl.linear_blend)),
        Baseline("minterpolate", "ffmpeg minterpolate (mci, aobmc, bidir, vsbmc)",
                 lambda clip, sup, frames: bl.minterpolate(
                     sup.frames, _train_indices(sup), frames, fps)),
        Baseline("dis_flow", "OpenCV DIS optical flow, both directions, warp and blend",
                 temporal(bl.dis_flow_interpolate)),
    ]


def _sr_baselines(factor: int) -> list[Baseline]:
    def make(method: str, temporal):
        def run(clip, sup, frames):
            train = _train_indices(sup)
            up = bl.upscale(sup.frames[train], factor, sup.full_size, method)
            return temporal(up, train, frames)

        return run

    return [
        Baseline("bicubic+blend", "OpenCV bicubic upscaling, linear blend in time",
                 make("bicubic", bl.linear_blend)),
        Baseline("lanczos+blend", "OpenCV Lanczos upscaling, linear blend in time",
                 make("lanczos", bl.linear_blend)),
        Baseline("bicubic+dis_flow", "OpenCV bicubic upscaling, DIS optical flow in time",
                 make("bicubic", bl.dis_flow_interpolate)),
    ]


def _denoise_baselines() -> list[Baseline]:
    return [
        Baseline("nl_means", "OpenCV non-local means per frame (h = estimated noise sigma)",
                 lambda clip, sup, frames: bl.nl_means(sup.frames[frames])),
        Baseline("nl_means_5", "OpenCV non-local means over 5 frames (h = estimated sigma)",
                 lambda clip, sup, frames: bl.nl_means(sup.frames, window=5)[frames]),
    ]


def _inpaint_baselines() -> list[Baseline]:
    def make(method: str):
        def run(clip, sup, frames):
            holes = np.broadcast_to(~sup.pixel_mask, sup.frames.shape[:3])[frames]
            return bl.inpaint_frames(sup.frames[frames], holes, method)

        return run

    return [
        Baseline("telea", "OpenCV inpaint, Telea, per frame", make("telea")),
        Baseline("navier_stokes", "OpenCV inpaint, Navier-Stokes, per frame", make("ns")),
    ]


def baselines_for(task: Task, fps=24) -> list[Baseline]:
    """Every baseline that applies to ``task`` (none for ``represent``)."""
    if isinstance(task, Interpolate):
        return _interp_baselines(fps)
    if isinstance(task, SuperResolve):
        return _sr_baselines(task.factor)
    if isinstance(task, Denoise):
        return _denoise_baselines()
    if isinstance(task, Inpaint):
        return _inpaint_baselines()
    return []


def select_baselines(available: list[Baseline], choice: str) -> list[Baseline]:
    """``all``, ``none``, or comma-separated names of ``available``."""
    choice = choice.strip().lower()
    if choice == "all":
        return list(available)
    if choice in ("none", ""):
        return []
    by_name = {b.name: b for b in available}
    picked = []
    for name in (n.strip() for n in choice.split(",") if n.strip()):
        if name not in by_name:
            names = ", ".join(by_name) or "none for this task"
            raise UserError(f"unknown baseline {name!r} for this task; choose from: {names}")
        picked.append(by_name[name])
    return picked


# ---------------------------------------------------------------- the run
def _row(method: str, description: str, score, seconds: float, **more) -> dict:
    row = {"method": method, "description": description, "psnr": round(score.psnr, 3),
           score.similarity_name: round(score.similarity, 4)}
    row.update({k: round(v, 4) for k, v in score.extra.items()})
    row["seconds"] = round(seconds, 3)
    row.update(more)
    return row


def _run_config(request: EvalRequest) -> RunConfig:
    base = RunConfig.load_json(request.config) if request.config else EVAL_DEFAULTS
    train_changes: dict = {"device": request.device, "seed": request.seed}
    if request.threads is not None:
        train_changes["threads"] = request.threads
    if request.steps is not None:
        train_changes["steps"] = request.steps
        train_changes["time_budget"] = request.time_budget
    else:
        train_changes["time_budget"] = request.time_budget or DEFAULT_TIME_BUDGET
    return RunConfig(
        model=dataclasses.replace(base.model, seed=request.seed),
        train=dataclasses.replace(base.train, **train_changes),
        task=request.task,
    )


def run_eval(request: EvalRequest, on_event=None) -> dict:
    """Fit ActINR and run the chosen baselines on the task's scored frames; plain-data result."""
    tune_process()
    if not Path(request.clip).exists():
        raise UserError(f"clip not found: {request.clip}")
    started = time.perf_counter()
    task = parse_task(request.task)
    run = _run_config(request)
    chosen = select_baselines(baselines_for(task), request.baselines)
    clip = read_clip(request.clip, start=request.start, count=request.frames, scale=request.scale)
    supervision = task.prepare(clip.frames)
    frames = scored_indices(supervision)
    if not frames:
        raise UserError(f"{task.name} scores no frames on this clip")
    available = baselines_for(task, clip.fps)
    chosen = [next(b for b in available if b.name == c.name) for c in chosen]
    rows: list[dict] = []
    skipped: list[dict] = []
    if isinstance(task, Denoise) and not task.already_noisy:
        score = score_frames(supervision.frames[frames], supervision, frames, task)
        rows.append(_row("noisy_input", "the noisy frames themselves", score, 0.0))
    for baseline in chosen:
        t0 = time.perf_counter()
        try:
            predicted = baseline.run(clip.frames, supervision, frames)
        except bl.BaselineUnavailable as exc:
            skipped.append({"method": baseline.name, "reason": str(exc)})
            continue
        seconds = time.perf_counter() - t0
        score = score_frames(predicted, supervision, frames, task)
        rows.append(_row(baseline.name, baseline.description, score, seconds))
    # ActINR
    model = ActINR(model_config_for(run.model, supervision), clip.height, clip.width,
                   clip.num_frames)
    trainer = Trainer(model, supervision, run.train)
    t0 = time.perf_counter()
    for event in trainer.run():
        if on_event is not None and isinstance(event, ev.StepReport):
            on_event(event)
    train_wall = time.perf_counter() - t0
    score = score_model(trainer.render_uint8, supervision, frames, task, trainer.model)
    rows.append(_row("actinr", f"ActINR, {trainer.step} steps", score,
                     train_wall + score.render_seconds, steps=trainer.step,
                     train_seconds=round(train_wall, 3),
                     render_seconds=round(score.render_seconds, 3),
                     parameters=trainer.model.parameter_count(),
                     train_psnr=_rounded(trainer.metrics.get("train_psnr"))))
    sim_name = score.similarity_name
    return {
        "command": "eval",
        "clip": str(request.clip),
        "task": task.name,
        "task_description": task.describe(),
        "frames": clip.num_frames,
        "first_frame": clip.first_frame,
        "scale": request.scale,
        "size": [clip.width, clip.height],
        "seed": request.seed,
        "train_frames": _train_indices(supervision).tolist(),
        "scored_frames": frames,
        "similarity": sim_name,
        "similarity_note": "MS-SSIM (smaller side > 160 px)" if sim_name == "ms-ssim"
        else "SSIM (MS-SSIM needs the smaller side > 160 px)",
        "notes": supervision.notes,
        "settings": {"baselines": request.baselines, "device": str(trainer.device),
                     "time_budget_s": run.train.time_budget,
                     "steps": None if run.train.time_budget else run.train.steps,
                     "run_config": dataclasses.replace(run, model=trainer.model.config).to_dict()},
        "machine": {"processor": platform.processor() or platform.machine(),
                    "threads": torch.get_num_threads(), "torch": torch.__version__},
        "results": rows,
        "skipped": skipped,
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1.5 else f"{value:.2f}"
    return str(value)


def to_markdown(result: dict) -> str:
    """The result as a Markdown section: the facts, then one table row per method."""
    sim = result["similarity"]
    extra_keys: list[str] = []
    for row in result["results"]:
        for key in row:
            if key in ("hole_psnr", "bpp_fp16") and key not in extra_keys:
                extra_keys.append(key)
    headers = ["method", "PSNR (dB)", sim.upper(), *extra_keys, "seconds"]
    lines = [
        f"## {result['task']} on {Path(result['clip']).name}",
        "",
        f"- clip: `{result['clip']}`, frames {result['first_frame']} .. "
        f"{result['first_frame'] + result['frames'] - 1} ({result['frames']}), downscaled by "
        f"{result['scale']:g} to {result['size'][0]}x{result['size'][1]}; seed {result['seed']}",
        f"- task: {result['task_description']}",
        f"- scored frames: {len(result['scored_frames'])} ({result['similarity_note']})",
    ]
    settings = result["settings"]
    budget = settings["time_budget_s"]
    length = f"{budget:g} s time budget" if budget else f"{settings['steps']} steps"
    threads = result["machine"]["threads"]
    actinr = next((r for r in result["results"] if r["method"] == "actinr"), {})
    fitted = f", {actinr['steps']} steps" if actinr.get("steps") else ""
    if actinr.get("train_psnr") is not None:
        fitted += f", PSNR on its training frames {actinr['train_psnr']:.2f} dB"
    lines.append(f"- ActINR: {length} on {settings['device']}, {threads} thread(s){fitted}; "
                 f"total wall time {result['wall_seconds']:g} s")
    for key, value in result["notes"].items():
        lines.append(f"- {key}: {_fmt(value) if isinstance(value, float) else value}")
    lines += ["", "| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    for row in result["results"]:
        cells = [row["method"], _fmt(row["psnr"]), _fmt(row.get(sim)),
                 *(_fmt(row.get(k)) for k in extra_keys), _fmt(row["seconds"])]
        lines.append("| " + " | ".join(cells) + " |")
    for skip in result["skipped"]:
        pad = " |" * (len(headers) - 2)
        lines.append(f"| {skip['method']} | skipped: {skip['reason']} |{pad}")
    return "\n".join(lines) + "\n"


def check_output_paths(*paths: str | None) -> None:
    for path in paths:
        if path and Path(path).is_dir():
            raise UserError(f"{path} is a folder; give a file name")
        if path and not Path(path).resolve().parent.is_dir():
            raise UserError(f"cannot write {path}: folder {Path(path).parent} does not exist")


def write_outputs(result: dict, json_path: str | None, markdown_path: str | None) -> None:
    check_output_paths(json_path, markdown_path)
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2, default=str) + "\n")
    if markdown_path:
        Path(markdown_path).write_text(to_markdown(result))
