"""Save and load trained models: one versioned file holding a plain dict, written atomically and
loaded with ``torch.load(weights_only=True)`` so that a stranger's file cannot run code.

Layout: format, version, config (model / train / task as plain dicts), video facts, step,
metrics, state_dict, optional trainer state (optimizer, step counters) for exact resuming, and
optional extra arrays (e.g. painted masks).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import torch

from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.model import ActINR

FORMAT = "actinr-studio-model"
VERSION = 1


@dataclass(frozen=True)
class VideoFacts:
    """What a model knows of the clip it was trained on (enough to scrub and export)."""

    num_frames: int
    height: int
    width: int
    fps: Fraction = Fraction(24)
    source: str = ""
    first_frame: int = 0
    scale: float = 1.0

    @classmethod
    def of_clip(cls, clip) -> VideoFacts:
        return cls(clip.num_frames, clip.height, clip.width, Fraction(clip.fps), str(clip.source),
                   int(getattr(clip, "first_frame", 0)), float(getattr(clip, "scale", 1.0)))

    def to_dict(self) -> dict[str, Any]:
        return {"num_frames": self.num_frames, "height": self.height, "width": self.width,
                "fps": [self.fps.numerator, self.fps.denominator], "source": self.source,
                "first_frame": self.first_frame, "scale": self.scale}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VideoFacts:
        num, den = d.get("fps", [24, 1])
        return cls(int(d["num_frames"]), int(d["height"]), int(d["width"]), Fraction(num, den),
                   str(d.get("source", "")), int(d.get("first_frame", 0)),
                   float(d.get("scale", 1.0)))


@dataclass
class Checkpoint:
    model: ActINR
    run: RunConfig
    video: VideoFacts
    step: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    trainer_state: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(
    path: str | Path,
    model: ActINR,
    run: RunConfig,
    video: VideoFacts,
    *,
    step: int = 0,
    metrics: dict[str, Any] | None = None,
    trainer_state: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the model atomically: a temporary file in the same folder, renamed at the end."""
    path = Path(path)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "version": VERSION,
        # The model's own config is the truth (e.g. its GOP length fitted to the training frames).
        "config": dataclasses.replace(run, model=model.config).to_dict(),
        "video": video.to_dict(),
        "step": int(step),
        "metrics": {k: v for k, v in (metrics or {}).items() if v is not None},
        "state_dict": state,
        "extra": extra or {},
    }
    if trainer_state is not None:
        payload["trainer_state"] = _to_cpu(trainer_state)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"cannot save the model: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Load a model file; anything that is not one of ours is a one-line UserError."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"model file not found: {path}")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # any failure to unpickle means: not one of ours
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{path} is not an actinr-studio model (or is damaged): {first}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise UserError(f"{path} is not an actinr-studio model file")
    version = payload.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise UserError(f"{path} was written by a newer actinr-studio (format version {version})")
    try:
        run = RunConfig.from_dict(payload["config"])
        video = VideoFacts.from_dict(payload["video"])
        anchors = None
        if run.model.bias_source == "per_frame":
            times = payload["state_dict"]["bias_net.anchor_times"]
            anchors = [round(float(t) * max(video.num_frames - 1, 1)) for t in times]
        model = ActINR(run.model, video.height, video.width, video.num_frames, anchors)
        model.load_state_dict(payload["state_dict"])
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise UserError(f"{path} is damaged: {str(exc).splitlines()[0]}") from None
    return Checkpoint(
        model=model.to(device),
        run=run,
        video=video,
        step=int(payload.get("step", 0)),
        metrics=dict(payload.get("metrics", {})),
        trainer_state=payload.get("trainer_state"),
        extra=dict(payload.get("extra", {})),
    )


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj
