"""The open document (a clip and/or a model) and what can be done with it. Views talk to this
object; it owns the model, the training session and the idle renderer, and makes sure exactly
one thread uses the model at a time (the model lock)."""

from __future__ import annotations

import dataclasses
import itertools
import os
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal

from actinr_studio.checkpoint import VideoFacts, load_checkpoint, save_checkpoint
from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.gui.jobs import RenderJob
from actinr_studio.gui.mask_model import MaskStack
from actinr_studio.gui.renderer import IdleRenderer
from actinr_studio.gui.session import TrainingSession
from actinr_studio.model import ActINR
from actinr_studio.tasks import parse_task
from actinr_studio.train import Trainer, model_config_for
from actinr_studio.train import events as ev
from actinr_studio.video import VideoClip

MODEL_SUFFIXES = (".pt", ".actinr")


def is_model_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in MODEL_SUFFIXES


def gui_threads() -> int:
    """Torch threads for training in the studio: leave a core to the window."""
    return max(1, (os.cpu_count() or 2) - 1)


class Studio(QObject):
    """The document. Signals are past tense; payloads are plain data."""

    document_changed = Signal()         # a clip or a model was opened
    model_changed = Signal()            # a model exists now (or a new one replaced it)
    training_started = Signal()
    training_paused = Signal(bool)
    training_finished = Signal(str)
    step_reported = Signal(object)
    evaluated = Signal(object)
    preview_ready = Signal(object)
    frame_rendered = Signal(object)     # RenderedFrame
    notice_posted = Signal(str)
    error_raised = Signal(str)
    mask_changed = Signal()             # the painted supervision mask changed (or was replaced)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        pool = QThreadPool.globalInstance()
        pool.setMaxThreadCount(max(pool.maxThreadCount(), 6))
        self.clip: VideoClip | None = None
        self.facts: VideoFacts | None = None
        self.model: ActINR | None = None
        self.trainer: Trainer | None = None
        self.run_config = RunConfig()
        self.train_frames: np.ndarray | None = None
        self.step = 0
        self.metrics: dict = {}
        self.pending_trainer_state: dict | None = None
        self.masks: MaskStack | None = None
        self._task_mask: np.ndarray | None = None  # the task's own pixel mask (e.g. inpaint)
        self.busy_checks: list = []
        """Callables saying whether a view's own worker (e.g. the inspector's) still runs;
        ``shutdown`` waits for them too."""
        self.closing = False
        self.model_lock = threading.Lock()
        self.session: TrainingSession | None = None
        self.renderer = IdleRenderer(self.model_lock, self)
        self.renderer.frame_rendered.connect(self.frame_rendered)
        self.renderer.failed.connect(self.error_raised)
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ document
    @property
    def has_document(self) -> bool:
        return self.facts is not None

    @property
    def is_training(self) -> bool:
        return self.session is not None and self.session.is_running

    def set_clip(self, clip: VideoClip) -> None:
        """Open a decoded clip (drops the model unless it fits the clip)."""
        self._require_idle("open a clip")
        self.clip = clip
        self.facts = VideoFacts.of_clip(clip)
        if self.model is not None and (self.model.height, self.model.width,
                                       self.model.num_frames) != (clip.height, clip.width,
                                                                  clip.num_frames):
            self._set_model(None)
        shape = (clip.num_frames, clip.height, clip.width)
        if self.masks is None or self.masks.shape != shape:
            self._set_masks(MaskStack(*shape))
        self.train_frames = None
        self.document_changed.emit()

    def open_model(self, path: str | os.PathLike) -> None:
        """Load a saved model; its clip facts let the user scrub and export without the clip."""
        self._require_idle("open a model")
        ck = load_checkpoint(path)
        self.facts = ck.video
        if self.clip is not None and (self.clip.height, self.clip.width, self.clip.num_frames) != (
                ck.video.height, ck.video.width, ck.video.num_frames):
            self.clip = None
        self.run_config = ck.run
        self.metrics = dict(ck.metrics)
        self.pending_trainer_state = ck.trainer_state
        self.train_frames = _train_mask(ck.run.task, ck.video.num_frames)
        self._set_masks(MaskStack.from_extra(
            ck.extra, (ck.video.num_frames, ck.video.height, ck.video.width)))
        self._set_model(ck.model, ck.step)
        self.document_changed.emit()

    def save_model(self, path: str | os.PathLike) -> Path:
        self._require_idle("save the model")
        if self.model is None or self.facts is None:
            raise UserError("there is no model to save yet: train one first")
        state = self.trainer.state_dict() if self.trainer is not None else None
        with self.model_lock:
            return save_checkpoint(path, self.model, self.run_config, self.facts, step=self.step,
                                   metrics=self.metrics, trainer_state=state,
                                   extra=self.masks.to_extra() if self.masks is not None else None)

    def _set_model(self, model: ActINR | None, step: int = 0) -> None:
        self.model = model
        self.step = step
        if model is None:
            self.trainer = None
        self.renderer.set_model(model, step)
        self.model_changed.emit()

    def _require_idle(self, what: str) -> None:
        if self.is_training:
            raise UserError(f"stop the training before you {what}")

    # ------------------------------------------------------------------ training
    def start_training(self, run: RunConfig) -> None:
        """Train a new model on the open clip with ``run`` (an immutable snapshot)."""
        if self.clip is None:
            raise UserError("open a clip to train on first")
        self._require_idle("start another training")
        supervision = self._with_painted_mask(parse_task(run.task).prepare(self.clip.frames))
        clip = self.clip
        config = model_config_for(run.model, supervision)

        def make_trainer() -> Trainer:
            model = ActINR(config, clip.height, clip.width, clip.num_frames)
            return Trainer(model, supervision, run.train)

        self.run_config = dataclasses.replace(run, model=config)
        self.train_frames = np.asarray(supervision.train_frames, bool)
        self.metrics = {}
        self.pending_trainer_state = None
        self._start_session(make_trainer)
        if config.gop != run.model.gop:
            self.notice_posted.emit(
                f"GOP lengthened from {run.model.gop} to {config.gop} frames so that every GOP "
                "starts and ends on a training frame"
            )

    def train_more(self, steps: int) -> None:
        """Add steps to the running training, or continue the current model for ``steps``."""
        if self.session is not None and self.session.is_running:
            self.session.extend(steps)
            return
        if self.model is None:
            raise UserError("there is no model to train further: start a training first")
        if self.clip is None:
            raise UserError("open the model's clip to train it further")
        trainer = self.trainer
        if trainer is None:
            supervision = self._with_painted_mask(
                parse_task(self.run_config.task).prepare(self.clip.frames))
            model, state, config = self.model, self.pending_trainer_state, self.run_config.train
            self.train_frames = np.asarray(supervision.train_frames, bool)

            def make_trainer() -> Trainer:
                fresh = Trainer(model, supervision, config)
                if state is not None:
                    fresh.load_state_dict(state)
                fresh.step = max(fresh.step, self.step)
                fresh.total_steps = fresh.step + int(steps)
                return fresh
        else:
            def make_trainer() -> Trainer:
                trainer.total_steps = max(trainer.total_steps, trainer.step) + int(steps)
                return trainer
        self._start_session(make_trainer)
        if trainer is not None:  # the mask may have been edited since it last trained
            self.session.mailbox.put(ev.SetMask(self.training_mask()), tag="mask")

    # ------------------------------------------------------------------ masks
    def _set_masks(self, masks: MaskStack | None) -> None:
        self.masks = masks
        self.mask_changed.emit()

    def painted_mask(self) -> np.ndarray | None:
        """The painted mask as training takes it (None: no holes), a copy."""
        return self.masks.pixel_mask() if self.masks is not None else None

    def _with_painted_mask(self, supervision):
        """The task's supervision with the painted holes excluded from the loss (an 'inpaint
        with the user's holes'); a task's own mask, if any, is combined with it."""
        self._task_mask = supervision.pixel_mask
        combined = self.training_mask()
        if combined is None or combined is supervision.pixel_mask:
            return supervision
        return dataclasses.replace(supervision, pixel_mask=combined)

    def training_mask(self) -> np.ndarray | None:
        """The loss mask: the task's own mask (if any) and the painted holes together."""
        painted, own = self.painted_mask(), self._task_mask
        if painted is None or own is None:
            return own if painted is None else painted
        return np.logical_and(own, painted)

    def mask_edited(self) -> None:
        """Views call this after changing ``masks``: the running training gets the new mask
        at its next step (no restart), and views redraw."""
        if self.is_training:
            self.session.mailbox.put(ev.SetMask(self.training_mask()), tag="mask")
        self.mask_changed.emit()

    def live_model(self) -> ActINR | None:
        """The model being trained (read-only glances: it changes under you) or the idle one."""
        if self.is_training and self.session.trainer is not None:
            return self.session.trainer.model
        return self.model

    def _start_session(self, make_trainer) -> None:
        self.renderer.cancel_pending()
        session = TrainingSession(make_trainer, self.model_lock, self)
        session.step_reported.connect(self._on_step_reported)
        session.evaluated.connect(self._on_evaluated)
        session.preview_ready.connect(self.preview_ready)
        session.frame_rendered.connect(self.frame_rendered)
        session.notice_posted.connect(self.notice_posted)
        session.paused.connect(lambda: self.training_paused.emit(True))
        session.resumed.connect(lambda: self.training_paused.emit(False))
        session.finished.connect(self._on_session_finished)
        self.session = session
        self.renderer.set_model(None)
        session.start()
        self.training_started.emit()

    def pause_training(self) -> None:
        if self.is_training:
            self.session.pause()

    def resume_training(self) -> None:
        if self.is_training:
            self.session.resume()
            self.training_paused.emit(False)

    def stop_training(self) -> None:
        if self.is_training:
            self.session.stop()

    def abort_training(self) -> None:
        if self.is_training:
            self.session.abort()

    def _on_step_reported(self, report) -> None:
        self.step = report.step
        self.metrics.update(train_psnr=report.train_psnr, heldout_psnr=report.heldout_psnr,
                            loss=report.loss)
        self.step_reported.emit(report)

    def _on_evaluated(self, evaluation) -> None:
        self.step = evaluation.step
        self.metrics.update(train_psnr=evaluation.train_psnr,
                            heldout_psnr=evaluation.heldout_psnr)
        self.evaluated.emit(evaluation)

    def _on_session_finished(self, reason: str) -> None:
        session = self.session
        trainer = session.trainer if session is not None else None
        if trainer is not None:
            self.trainer = trainer
            self.pending_trainer_state = None
            self._set_model(trainer.model, trainer.step)
        if reason.startswith("error"):
            self.error_raised.emit(f"training failed: {reason[7:]}")
        self.training_finished.emit(reason)

    # ------------------------------------------------------------------ rendering
    def request_render(self, tag: str, frame: float, region=None, size=None) -> RenderJob | None:
        """Render the model at ``frame`` (region, size as in ``ActINR.render``). The answer comes
        as ``frame_rendered``; only the latest job of each tag is rendered."""
        if self.facts is None:
            return None
        frame = min(max(float(frame), 0.0), self.facts.num_frames - 1.0)
        if size is not None:
            size = (max(1, int(size[0])), max(1, int(size[1])))
        job = RenderJob(next(self._ids), tag, frame, region, size)
        if self.is_training:
            if tag == "frame":
                # the live preview of this time is the full view while training: it keeps
                # following the model, and costs the training thread less than full renders
                self.session.set_preview(frame)
            else:
                self.session.request_render(job)
        elif self.model is not None:
            self.renderer.request(job)
        else:
            return None
        return job

    def can_render(self) -> bool:
        return self.is_training or self.model is not None

    def source_frame(self, position: float) -> np.ndarray | None:
        if self.clip is None:
            return None
        index = int(round(min(max(position, 0.0), self.clip.num_frames - 1)))
        return self.clip.frames[index]

    def frame_kind(self, position: float) -> str:
        """'training frame', 'held-out frame', 'in between' (or 'source frame' before training)."""
        if abs(position - round(position)) > 1e-6:
            return "in between"
        mask = self.train_frames
        if mask is None:
            return "source frame"
        index = int(round(position))
        if 0 <= index < len(mask) and mask[index]:
            return "training frame"
        return "held-out frame"

    # ------------------------------------------------------------------ closing
    def shutdown(self, timeout_s: float = 1.0) -> bool:
        """Abort training and wait (at most ``timeout_s``) for the worker threads to end."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer

        self.closing = True
        self.renderer.cancel_pending()
        if self.session is not None and self.session.is_running:
            self.session.abort()
        timer = QElapsedTimer()
        timer.start()
        while self.is_training or self.renderer.busy or any(c() for c in self.busy_checks):
            QCoreApplication.processEvents()
            if timer.elapsed() > timeout_s * 1000:
                return False
            threading.Event().wait(0.005)
        return True


def _train_mask(task: str, num_frames: int) -> np.ndarray | None:
    try:
        dummy = np.zeros((num_frames, 1, 1, 3), np.uint8)
        return np.asarray(parse_task(task).prepare(dummy).train_frames, bool)
    except UserError:
        return None


def replace_train(run: RunConfig, **changes) -> RunConfig:
    return dataclasses.replace(run, train=dataclasses.replace(run.train, **changes))
