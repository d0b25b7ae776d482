"""Composes the per-part configs (model, training, task) and round-trips them through JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from actinr_studio.errors import UserError
from actinr_studio.model.config import ModelConfig
from actinr_studio.train.config import TrainConfig

T = TypeVar("T")


def config_to_dict(config) -> dict[str, Any]:
    return dataclasses.asdict(config)


def config_from_dict(cls: type[T], data: dict[str, Any] | None) -> T:
    """Build a config dataclass from a dict; unknown keys are an error, missing keys default."""
    data = dict(data or {})
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise UserError(f"unknown {cls.__name__} field(s): {', '.join(unknown)}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise UserError(f"bad {cls.__name__}: {exc}") from None


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs besides the clip: the model, the training and the task."""

    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    task: str = "represent"
    """Task name, e.g. 'represent' or 'interp-2'."""

    def to_dict(self) -> dict[str, Any]:
        return {"model": config_to_dict(self.model), "train": config_to_dict(self.train),
                "task": self.task}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        return cls(
            model=config_from_dict(ModelConfig, data.get("model")),
            train=config_from_dict(TrainConfig, data.get("train")),
            task=str(data.get("task", "represent")),
        )

    def save_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def load_json(cls, path: str | Path) -> RunConfig:
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"cannot read config {path}: {exc}") from None
