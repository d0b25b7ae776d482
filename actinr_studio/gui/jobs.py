"""Plain data that crosses between the GUI thread and the worker threads, and the mailbox that
carries commands to the training generator."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

Region = tuple[float, float, float, float]


@dataclass(frozen=True)
class RenderJob:
    """A render the GUI asks for. ``tag`` names its purpose ('frame', 'zoom'): only the latest
    job of a tag is rendered, older ones are dropped."""

    request_id: int
    tag: str
    frame: float
    region: Region | None = None
    size: tuple[int, int] | None = None


@dataclass(frozen=True)
class RenderedFrame:
    """A finished render: the job it answers, the training step it shows and the image."""

    job: RenderJob
    step: int
    image: np.ndarray
    """(h, w, 3) uint8."""


class CommandMailbox:
    """Commands for a running training generator, delivered one per yield (thread-safe).

    A command put with a ``tag`` replaces any undelivered command of the same tag, so that a
    slider dragged quickly queues one render, not fifty.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[str | None, object]] = []

    def put(self, command: object, tag: str | None = None) -> None:
        with self._lock:
            if tag is not None:
                self._items = [item for item in self._items if item[0] != tag]
            self._items.append((tag, command))

    def take(self) -> object | None:
        with self._lock:
            return self._items.pop(0)[1] if self._items else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
