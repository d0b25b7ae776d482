"""``actinr-studio fit``: read a clip, prepare the task, train, save the model (with the optimizer
state, so training can resume exactly). Ctrl+C stops training and still saves the model."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from actinr_studio.checkpoint import VideoFacts, load_checkpoint, save_checkpoint
from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.model import ActINR
from actinr_studio.runtime import tune_process
from actinr_studio.tasks import parse_task, score_model
from actinr_studio.train import Trainer, model_config_for
from actinr_studio.train import events as ev
from actinr_studio.video import read_clip


@dataclass(frozen=True)
class FitRequest:
    clip: str
    output: str
    task: str = "represent"
    start: int = 0
    frames: int | None = None
    scale: float = 1.0
    steps: int | None = None
    time_budget: float | None = None
    device: str = "auto"
    patch: int | None = None
    hidden: int | None = None
    gop: int | None = None
    batch: int | None = None
    overlap: bool = False
    compile: bool = False
    config: str | None = None
    resume: str | None = None
    seed: int | None = None
    threads: int | None = None


def build_run_config(request: FitRequest, base: RunConfig | None = None) -> RunConfig:
    run = base or (RunConfig.load_json(request.config) if request.config else RunConfig())
    model_changes = {k: v for k, v in {
        "patch_size": request.patch, "hidden": request.hidden, "gop": request.gop,
        "seed": request.seed}.items() if v is not None}
    if request.overlap:
        model_changes["overlap"] = True
    train_changes = {k: v for k, v in {
        "steps": request.steps, "time_budget": request.time_budget,
        "batch_pixels": request.batch, "threads": request.threads}.items() if v is not None}
    train_changes["device"] = request.device
    if request.compile:
        train_changes["compile"] = True
    return RunConfig(
        model=dataclasses.replace(run.model, **model_changes),
        train=dataclasses.replace(run.train, **train_changes),
        task=request.task if request.task else run.task,
    )


def _check_output(path: str) -> None:
    out = Path(path)
    if out.is_dir():
        raise UserError(f"-o {path} is a folder; give a file name such as model.pt")
    if not out.resolve().parent.is_dir():
        raise UserError(f"cannot write {path}: folder {out.parent} does not exist")


def run_fit(request: FitRequest, progress: bool = True) -> dict:
    """Train as requested and save the model; returns a summary (plain data)."""
    from tqdm import tqdm

    tune_process()
    _check_output(request.output)
    resumed = load_checkpoint(request.resume) if request.resume else None
    run = build_run_config(request, resumed.run if resumed else None)
    task = parse_task(run.task)
    clip = read_clip(request.clip, start=request.start, count=request.frames, scale=request.scale)
    supervision = task.prepare(clip.frames)
    video = VideoFacts.of_clip(clip)
    if resumed is not None:
        model = resumed.model
        if (resumed.video.num_frames, resumed.video.height, resumed.video.width) != (
            video.num_frames, video.height, video.width
        ):
            raise UserError(
                f"--resume model was trained on {resumed.video.num_frames} frames of "
                f"{resumed.video.width}x{resumed.video.height}, the clip gives "
                f"{video.num_frames} of {video.width}x{video.height}"
            )
    else:
        model = ActINR(model_config_for(run.model, supervision), clip.height, clip.width,
                       clip.num_frames)
    trainer = Trainer(model, supervision, run.train)
    if resumed is not None and resumed.trainer_state:
        trainer.load_state_dict(resumed.trainer_state)
        trainer.total_steps = trainer.step + run.train.steps
    budget = run.train.time_budget
    total = round(budget) if budget else trainer.total_steps
    unit = "s" if budget else "step"
    interrupted = False
    last_eval: ev.Evaluation | None = None
    with tqdm(total=total, initial=0 if budget else trainer.step, unit=unit, disable=not progress,
              desc=f"fit {task.name}", dynamic_ncols=True) as bar:
        run_events = trainer.run()
        try:
            for event in run_events:
                if isinstance(event, ev.StepReport):
                    bar.update((round(event.seconds) if budget else event.step) - bar.n)
                    post = {"loss": f"{event.loss:.4g}", "psnr": f"{event.batch_psnr:.2f}",
                            "Mpx/s": f"{event.pixels_per_second / 1e6:.2f}"}
                    if event.heldout_psnr is not None:
                        post["held-out"] = f"{event.heldout_psnr:.2f}"
                    bar.set_postfix(post, refresh=False)
                elif isinstance(event, ev.Evaluation):
                    last_eval = event
                elif isinstance(event, ev.Notice):
                    bar.write(event.message)
        except KeyboardInterrupt:
            interrupted = True
            bar.write("interrupted: saving the model trained so far")
    # The run ends with an evaluation; only an interrupted run needs a new one.
    fresh = last_eval is not None and last_eval.step == trainer.step
    final = last_eval if fresh else trainer.evaluate()
    scored = score_model(trainer.render_uint8, supervision)
    metrics = {
        "train_psnr": final.train_psnr,
        "heldout_psnr": final.heldout_psnr,
        "task_psnr": scored.psnr,
        scored.similarity_name: scored.similarity,
        "seconds": trainer.seconds,
    }
    save_checkpoint(request.output, trainer.model, run, video, step=trainer.step,
                    metrics=metrics, trainer_state=trainer.state_dict())
    return {
        "model": request.output,
        "task": task.name,
        "clip": str(request.clip),
        "frames": clip.num_frames,
        "size": [clip.width, clip.height],
        "steps": trainer.step,
        "seconds": round(trainer.seconds, 2),
        "device": str(trainer.device),
        "interrupted": interrupted,
        "metrics": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in metrics.items()},
    }
