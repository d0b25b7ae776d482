"""Runs one training generator in a superqt worker thread and turns its events into signals.

The training thread owns the model while it runs (it holds the model lock); every render the
GUI wants in that time goes to the generator as a ``RenderRequest`` through the mailbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker

from actinr_studio.gui.jobs import CommandMailbox, RenderedFrame, RenderJob
from actinr_studio.train import Trainer
from actinr_studio.train import events as ev


def drive_training(
    make_trainer: Callable[[], Trainer],
    mailbox: CommandMailbox,
    model_lock: threading.Lock,
    abort: threading.Event,
    ready: Callable[[Trainer], None],
) -> Iterator[object]:
    """Worker-thread body: build the trainer (slow for big clips, so not on the GUI thread),
    then pump its generator, feeding it one mailbox command per yield. Returns as soon as
    ``abort`` is set (the model lock is released on the way out)."""
    with model_lock:
        trainer = make_trainer()
        ready(trainer)
        gen = trainer.run()
        try:
            event = next(gen)
            while True:
                yield event
                if abort.is_set():
                    return
                event = gen.send(mailbox.take())
        except StopIteration:
            return
        finally:
            gen.close()


class TrainingSession(QObject):
    """One run of a trainer in a worker thread. Signals carry the core's event dataclasses."""

    started = Signal()
    step_reported = Signal(object)     # events.StepReport
    evaluated = Signal(object)         # events.Evaluation
    preview_ready = Signal(object)     # events.Preview
    frame_rendered = Signal(object)    # jobs.RenderedFrame
    notice_posted = Signal(str)
    paused = Signal()
    resumed = Signal()
    finished = Signal(str)             # 'done' / 'budget' / 'stopped' / 'aborted' / 'error: ...'

    def __init__(self, make_trainer: Callable[[], Trainer], model_lock: threading.Lock,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.trainer: Trainer | None = None
        self.mailbox = CommandMailbox()
        self._abort = threading.Event()
        self._jobs: dict[int, RenderJob] = {}
        self._jobs_lock = threading.Lock()
        self._is_paused = False
        self._reason: str | None = None
        self._running = False
        self.worker: GeneratorWorker = create_worker(
            drive_training, make_trainer, self.mailbox, model_lock, self._abort, self._set_trainer,
            _start_thread=False, _ignore_errors=True,
        )
        self.worker.yielded.connect(self._on_yielded)
        self.worker.errored.connect(self._on_errored)
        self.worker.finished.connect(self._on_finished)

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._running = True
        self.worker.start()
        self.started.emit()

    @property
    def is_running(self) -> bool:
        return self._running

    @property
    def is_paused(self) -> bool:
        return self._is_paused

    def pause(self) -> None:
        self.mailbox.put(ev.Pause(), tag="run-state")

    def resume(self) -> None:
        self.mailbox.put(ev.Resume(), tag="run-state")

    def stop(self) -> None:
        """Stop after the current step (the trainer scores the model once more, then ends)."""
        self.mailbox.put(ev.Stop())

    def abort(self) -> None:
        """End the worker at its next yield, skipping the final evaluation (window closing)."""
        self._abort.set()
        self.mailbox.put(ev.Stop())

    def extend(self, steps: int) -> None:
        self.mailbox.put(ev.ExtendSteps(int(steps)))

    def set_preview(self, frame: float, max_side: int | None = None) -> None:
        self.mailbox.put(ev.SetPreview(float(frame), max_side), tag="preview")

    def request_render(self, job: RenderJob) -> None:
        with self._jobs_lock:
            self._jobs[job.request_id] = job
        command = ev.RenderRequest(job.frame, job.region, job.size, job.request_id)
        self.mailbox.put(command, tag=f"render:{job.tag}")

    # ------------------------------------------------------------------ events
    def _set_trainer(self, trainer: Trainer) -> None:
        self.trainer = trainer  # set from the worker thread before the first event

    def _on_yielded(self, event: object) -> None:
        if isinstance(event, ev.StepReport):
            if self._is_paused:
                self._is_paused = False
                self.resumed.emit()
            self.step_reported.emit(event)
        elif isinstance(event, ev.Preview):
            self.preview_ready.emit(event)
        elif isinstance(event, ev.Rendered):
            with self._jobs_lock:
                job = self._jobs.pop(event.request_id, None)
            if job is not None:
                self.frame_rendered.emit(RenderedFrame(job, event.step, event.image))
        elif isinstance(event, ev.Evaluation):
            self.evaluated.emit(event)
        elif isinstance(event, ev.Paused):
            if not self._is_paused:
                self._is_paused = True
                self.paused.emit()
        elif isinstance(event, ev.Notice):
            self.notice_posted.emit(event.message)
        elif isinstance(event, ev.Finished):
            self._reason = event.reason

    def _on_errored(self, exc: Exception) -> None:
        self._reason = f"error: {exc}"

    def _on_finished(self) -> None:
        self._running = False
        reason = self._reason or ("aborted" if self._abort.is_set() else "stopped")
        self.finished.emit(reason)
