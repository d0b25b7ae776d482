"""Renders a model in a worker thread while no training runs: one job at a time, and only the
latest job of each tag (older ones are dropped before they start)."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal
from superqt.utils import create_worker

from actinr_studio.gui.jobs import RenderedFrame, RenderJob
from actinr_studio.model import ActINR

TAG_PRIORITY = ("frame-low", "frame", "zoom")


STRIP_PIXELS = 96 * 96
"""Pixels per strip of a native-size render: between strips a superseded job stops early."""


def render_job(model: ActINR, job: RenderJob, lock: threading.Lock, step: int,
               superseded: threading.Event | None = None) -> RenderedFrame | None:
    """Render a job; whole native frames go in horizontal strips so that a newer request of
    the same kind (``superseded`` set) stops this one between strips (returns None)."""
    with lock:
        model.eval()
        frame = min(max(job.frame, 0.0), model.num_frames - 1)
        if job.region is not None or job.size is not None or superseded is None:
            return RenderedFrame(job, step, model.render_uint8(frame, job.region, job.size))
        rows = max(1, STRIP_PIXELS // max(model.width, 1))
        strips = []
        for y in range(0, model.height, rows):
            if superseded.is_set():
                return None
            h = min(rows, model.height - y)
            strips.append(model.render_uint8(frame, (0, y, model.width, h), (model.width, h)))
    return RenderedFrame(job, step, np.concatenate(strips, axis=0))


class IdleRenderer(QObject):
    """Renders jobs of a model nobody trains. Emits ``frame_rendered(RenderedFrame)``."""

    frame_rendered = Signal(object)
    failed = Signal(str)

    def __init__(self, model_lock: threading.Lock, parent: QObject | None = None):
        super().__init__(parent)
        self._lock = model_lock
        self._model: ActINR | None = None
        self._step = 0
        self._pending: dict[str, RenderJob] = {}
        self._worker = None
        self._superseded = threading.Event()
        self._in_flight: RenderJob | None = None

    def set_model(self, model: ActINR | None, step: int = 0) -> None:
        self._model = model
        self._step = step
        self._pending.clear()

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def request(self, job: RenderJob) -> None:
        self._pending[job.tag] = job
        if self._in_flight is not None and _family(self._in_flight) == _family(job):
            self._superseded.set()
        self._launch()

    def cancel_pending(self) -> None:
        self._pending.clear()

    def wait(self, timeout_ms: int = 5000) -> None:
        """Block until the job in flight is done (used when closing)."""
        if self._worker is not None:
            self._lock.acquire(timeout=timeout_ms / 1000)
            self._lock.release()

    def _launch(self) -> None:
        if self._worker is not None or self._model is None or not self._pending:
            return
        tag = next((t for t in TAG_PRIORITY if t in self._pending), next(iter(self._pending)))
        job = self._pending.pop(tag)
        self._superseded = threading.Event()
        self._in_flight = job
        worker = create_worker(render_job, self._model, job, self._lock, self._step,
                               self._superseded,
                               _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        self._worker = worker
        worker.start()

    def _on_returned(self, result: RenderedFrame | None) -> None:
        if result is not None:
            self.frame_rendered.emit(result)

    def _on_errored(self, exc: Exception) -> None:
        self.failed.emit(str(exc))

    def _on_finished(self) -> None:
        self._worker = None
        self._in_flight = None
        self._launch()


def _family(job: RenderJob) -> str:
    return "zoom" if job.tag == "zoom" else "frame"
