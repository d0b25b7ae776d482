"""The training panel: task (with its parameters, a one-line description and a small preview of
what the model will see), main model / training settings (defaults from the clip size) and
Start / Pause / Resume / Stop / Train N more. It builds an immutable RunConfig."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced, signals_blocked

from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.gui.studio import gui_threads
from actinr_studio.model import ModelConfig
from actinr_studio.tasks import parse_task
from actinr_studio.tasks.denoise import Denoise
from actinr_studio.tasks.inpaint import Inpaint
from actinr_studio.train import TrainConfig

TASKS = ("Represent (fit every frame)", "Slow motion (train every F-th frame)",
         "Super-resolution (space x S, time x 2)", "Denoise (photon noise)",
         "Inpaint (fill holes)")
REPRESENT, INTERP, SUPER_RES, DENOISE, INPAINT = range(len(TASKS))
DESCRIPTIONS = (
    "Fit every frame of the clip (compression / plain representation).",
    "Train on every F-th frame; the frames between are rendered in slow motion.",
    "Train on every 2nd frame downsampled S x; render every frame at full resolution.",
    "Train on frames with photon noise added (or a clip already noisy); recover the clean clip.",
    "Train with holes blacked out (five boxes or your mask); fill them in.",
)
SIGMAS = ("1", "5")
DEFAULT_TAU, DEFAULT_SIGMA = 30.0, 1.0
PREVIEW_FRAMES = 12
"""Frames the preview prepares (more only when a slow-motion factor needs them)."""
PREVIEW_SIDE = 128
"""Largest side of the frames the preview prepares (the clip is subsampled to it)."""
PREVIEW_DEBOUNCE_MS = 150
MASK_FILTER = "PNG masks (*.png);;All files (*)"


def defaults_for_clip(width: int, height: int, num_frames: int) -> tuple[ModelConfig, TrainConfig]:
    """Sane settings for a clip size: smaller patches and networks for small clips."""
    side = min(width, height)
    patch = 48 if side >= 192 else 32 if side >= 96 else 16
    hidden = 36 if side >= 192 else 24 if side >= 96 else 16
    gop = max(1, min(10, num_frames - 1))
    model = ModelConfig(patch_size=patch, gop=gop, hidden=hidden)
    preview_side = min(240, max(width, height))
    train = TrainConfig(steps=3000, report_every=2, preview_every=1.0,
                        preview_max_side=preview_side, eval_every=250, threads=gui_threads())
    return model, train


def spin(lo: int, hi: int, value: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    return box


def dspin(lo: float, hi: float, value: float, decimals: int = 2) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setValue(value)
    return box


def _rgb_pixmap(image: np.ndarray) -> QPixmap:
    """(H, W, 3) uint8 -> QPixmap (copied, so the array may go)."""
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    qimage = QImage(image.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(qimage.copy())


def preview_frames(frames: np.ndarray, count: int, side: int = PREVIEW_SIDE) -> np.ndarray:
    """The first ``count`` frames subsampled (every k-th pixel) to a largest side <= ``side``:
    cheap on any clip size, and a task prepares them in a few milliseconds."""
    h, w = frames.shape[1:3]
    step = max(1, -(-max(h, w) // side))
    return np.ascontiguousarray(frames[:count, ::step, ::step, :3])


def seen_frame(supervision, index: int = 0) -> np.ndarray:
    """Frame ``index`` as the model sees it, at the full (preview) size: a low-res frame of
    super-resolution is enlarged with nearest neighbours so its blocks stay visible."""
    frame = supervision.frames[index]
    if supervision.pool > 1:
        s = supervision.pool
        reference = supervision.reference
        h, w = reference.shape[1:3]
        big = np.zeros((h, w, 3), np.uint8)
        up = np.repeat(np.repeat(frame, s, axis=0), s, axis=1)
        big[:up.shape[0], :up.shape[1]] = up[:h, :w]
        frame = big
    return frame


class MarkerStrip(QWidget):
    """One small marker per frame: filled = training frame, greyed = held out."""

    MARK, GAP = 9, 3

    def __init__(self, parent=None):
        super().__init__(parent)
        self.train_frames: list[bool] = []
        self.total_frames = 0
        self.setMinimumHeight(self.MARK + 4)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_frames(self, train_frames, total_frames: int | None = None) -> None:
        self.train_frames = [bool(t) for t in (train_frames if train_frames is not None else [])]
        self.total_frames = len(self.train_frames) if total_frames is None else total_frames
        held = self.train_frames.count(False)
        self.setToolTip(f"{len(self.train_frames) - held} training, {held} held-out frames"
                        + (f" (first {len(self.train_frames)} of {self.total_frames})"
                           if self.total_frames > len(self.train_frames) else ""))
        self.update()

    def sizeHint(self) -> QSize:
        n = max(1, len(self.train_frames))
        return QSize(n * (self.MARK + self.GAP), self.MARK + 4)

    def paintEvent(self, event) -> None:
        if not self.train_frames:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = len(self.train_frames)
        mark = max(3, min(self.MARK, (self.width() - 2) // n - self.GAP))
        on, off = self.palette().highlight().color(), QColor(150, 150, 150, 110)
        y = (self.height() - mark) / 2
        for i, train in enumerate(self.train_frames):
            color = on if train else off
            painter.setPen(QPen(color.darker(130) if train else off, 1))
            painter.setBrush(color)
            x = 1 + i * (mark + self.GAP)
            painter.drawEllipse(QPointF(x + mark / 2, y + mark / 2), mark / 2, mark / 2)
        if self.total_frames > n:
            painter.setPen(self.palette().text().color())
            painter.drawText(int(1 + n * (mark + self.GAP)), int(y + mark), "...")
        painter.end()


class TrainingPanel(QWidget):
    start_requested = Signal(object)   # RunConfig
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()
    more_requested = Signal(int)
    error_raised = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.base_model, self.base_train = ModelConfig(), TrainConfig(threads=gui_threads())
        self.task = QComboBox()
        self.task.addItems(TASKS)
        self.factor = spin(2, 64, 2)
        self.factor.setPrefix("F = ")
        self.sr_factor = spin(2, 16, 4)
        self.sr_factor.setPrefix("S = ")
        self.tau = dspin(0.1, 100_000.0, DEFAULT_TAU, 1)
        self.tau.setToolTip("photons per unit intensity: smaller = noisier")
        self.sigma = QComboBox()
        self.sigma.addItems(SIGMAS)
        self.sigma.setToolTip("read noise sigma_r (in photons)")
        self.already_noisy = QCheckBox("already noisy (add no noise)")
        self.denoise_seed = 0
        self.five_boxes = QRadioButton("five boxes")
        self.mask_file = QRadioButton("mask file")
        self.five_boxes.setChecked(True)
        self._hole_choice = QButtonGroup(self)
        self._hole_choice.addButton(self.five_boxes)
        self._hole_choice.addButton(self.mask_file)
        self.mask_button = QPushButton("Choose...")
        self.mask_button.setToolTip("a PNG (white = hole) or a folder of PNGs, one per frame")
        self.mask_path = ""
        self.mask_label = QLabel("no mask chosen")
        self.mask_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.thumbnail = QLabel()
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setMinimumHeight(40)
        self.preview_caption = QLabel("open a clip to preview the task")
        self.preview_caption.setWordWrap(True)
        self.markers = MarkerStrip()
        self._preview_clip: np.ndarray | None = None
        self.preview_supervision = None
        self.schedule_preview = qdebounced(self.refresh_preview, timeout=PREVIEW_DEBOUNCE_MS,
                                           parent=self)
        self.patch = spin(2, 512, 48, 2)
        self.gop = spin(1, 1000, 10)
        self.hidden = spin(1, 512, 36)
        self.w0 = dspin(0.1, 100.0, 5.0)
        self.s0 = dspin(0.1, 100.0, 10.0)
        self.steps = spin(1, 10_000_000, 3000, 100)
        self.batch = spin(64, 10_000_000, 6144, 512)
        self.device = QComboBox()
        self.device.addItem("auto")
        self.device.addItem("cpu")
        if torch.cuda.is_available():
            self.device.addItems([f"cuda:{i}" for i in range(torch.cuda.device_count())])
        self.compile = QCheckBox("torch.compile (faster steps, 10-60 s to start)")

        self.task_box = task_box = QGroupBox("Task")
        task_layout = QVBoxLayout(task_box)
        task_layout.addWidget(self.task)
        self.task_params = QStackedWidget()
        self.task_params.addWidget(QWidget())                       # represent
        self.task_params.addWidget(self._row(self.factor, QLabel("frames between kept ones "
                                                                  "are rendered")))
        self.task_params.addWidget(self._row(self.sr_factor, QLabel("x in space, 2x in time")))
        denoise = QWidget()
        denoise_form = QFormLayout(denoise)
        denoise_form.setContentsMargins(0, 0, 0, 0)
        denoise_form.addRow("tau", self.tau)
        denoise_form.addRow("sigma_r", self.sigma)
        denoise_form.addRow(self.already_noisy)
        self.task_params.addWidget(denoise)
        inpaint = QWidget()
        inpaint_grid = QGridLayout(inpaint)
        inpaint_grid.setContentsMargins(0, 0, 0, 0)
        inpaint_grid.addWidget(self.five_boxes, 0, 0)
        inpaint_grid.addWidget(self.mask_file, 0, 1)
        inpaint_grid.addWidget(self.mask_button, 0, 2)
        inpaint_grid.addWidget(self.mask_label, 1, 0, 1, 3)
        self.task_params.addWidget(inpaint)
        task_layout.addWidget(self.task_params)
        task_layout.addWidget(self.description)
        task_layout.addWidget(self.thumbnail)
        task_layout.addWidget(self.markers)
        task_layout.addWidget(self.preview_caption)
        settings = QGroupBox("Settings")
        form = QFormLayout(settings)
        form.addRow("Patch size", self.patch)
        form.addRow("GOP length", self.gop)
        form.addRow("Hidden width", self.hidden)
        form.addRow("w0", self.w0)
        form.addRow("s0", self.s0)
        form.addRow("Steps", self.steps)
        form.addRow("Batch pixels", self.batch)
        form.addRow("Device", self.device)
        form.addRow(self.compile)

        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.more_button = QPushButton("Train more")
        self.more_steps = spin(1, 10_000_000, 500, 100)
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.pause_button, 0, 1)
        buttons.addWidget(self.resume_button, 0, 2)
        buttons.addWidget(self.stop_button, 0, 3)
        buttons.addWidget(self.more_button, 1, 0, 1, 2)
        buttons.addWidget(self.more_steps, 1, 2, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(task_box)
        layout.addWidget(settings)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.task.currentIndexChanged.connect(self._on_task_changed)
        for box in (self.factor, self.sr_factor):
            box.valueChanged.connect(self._on_params_changed)
        self.tau.valueChanged.connect(self._on_params_changed)
        self.sigma.currentIndexChanged.connect(self._on_params_changed)
        self.already_noisy.toggled.connect(self._on_params_changed)
        self.five_boxes.toggled.connect(self._on_params_changed)
        self.mask_button.clicked.connect(self.choose_mask)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.pause_button.clicked.connect(self.pause_requested)
        self.resume_button.clicked.connect(self.resume_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.more_button.clicked.connect(lambda: self.more_requested.emit(self.more_steps.value()))
        self._on_task_changed()
        self.set_state(has_clip=False, has_model=False, training=False, paused=False)

    # ------------------------------------------------------------------ state
    def set_clip_defaults(self, width: int, height: int, num_frames: int) -> None:
        model, train = defaults_for_clip(width, height, num_frames)
        self.set_configs(model, train)

    def set_configs(self, model: ModelConfig, train: TrainConfig, task: str = "represent"):
        self.base_model, self.base_train = model, train
        widgets = (self.patch, self.gop, self.hidden, self.w0, self.s0, self.steps, self.batch,
                   self.device, self.compile)
        with signals_blocked(self):
            for w in widgets:
                w.blockSignals(True)
            self.patch.setValue(model.patch_size)
            self.gop.setValue(model.gop)
            self.hidden.setValue(model.hidden)
            self.w0.setValue(model.w0)
            self.s0.setValue(model.s0)
            self.steps.setValue(train.steps)
            self.batch.setValue(train.batch_pixels)
            self.compile.setChecked(train.compile)
            index = self.device.findText(train.device)
            self.device.setCurrentIndex(max(index, 0))
            for w in widgets:
                w.blockSignals(False)
        self.set_task(task)

    # ------------------------------------------------------------------ task
    def task_widgets(self) -> tuple[QWidget, ...]:
        return (self.task, self.factor, self.sr_factor, self.tau, self.sigma, self.already_noisy,
                self.five_boxes, self.mask_file, self.mask_button)

    def set_task(self, task: str) -> None:
        """Show a task string in the chooser (an unknown one falls back to represent)."""
        try:
            parsed = parse_task(task)
        except UserError:
            parsed = parse_task("represent")
        widgets = self.task_widgets()
        for w in widgets:
            w.blockSignals(True)
        try:
            name = parsed.name
            if name.startswith("interp-"):
                self.task.setCurrentIndex(INTERP)
                self.factor.setValue(parsed.factor)
            elif name.startswith("sr-"):
                self.task.setCurrentIndex(SUPER_RES)
                self.sr_factor.setValue(parsed.factor)
            elif isinstance(parsed, Denoise):
                self.task.setCurrentIndex(DENOISE)
                self.already_noisy.setChecked(parsed.already_noisy)
                if not parsed.already_noisy:
                    self.tau.setValue(parsed.tau)
                    sigma = f"{parsed.sigma_r:g}"
                    if self.sigma.findText(sigma) < 0:
                        self.sigma.addItem(sigma)
                    self.sigma.setCurrentIndex(self.sigma.findText(sigma))
                    self.denoise_seed = parsed.seed
            elif isinstance(parsed, Inpaint):
                self.task.setCurrentIndex(INPAINT)
                if parsed.mask_path:
                    self.set_mask_path(parsed.mask_path)
                    self.mask_file.setChecked(True)
                else:
                    self.five_boxes.setChecked(True)
            else:
                self.task.setCurrentIndex(REPRESENT)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._on_task_changed()

    def task_text(self) -> str:
        """The task string of the chooser (UserError for an invalid combination)."""
        index = self.task.currentIndex()
        if index == INTERP:
            return f"interp-{self.factor.value()}"
        if index == SUPER_RES:
            return f"sr-{self.sr_factor.value()}"
        if index == DENOISE:
            if self.already_noisy.isChecked():
                return "denoise:noisy"
            options = []
            tau, sigma = self.tau.value(), float(self.sigma.currentText())
            if tau != DEFAULT_TAU:
                options.append(f"tau={tau:g}")
            if sigma != DEFAULT_SIGMA:
                options.append(f"sigma={sigma:g}")
            if self.denoise_seed:
                options.append(f"seed={self.denoise_seed}")
            return "denoise" + (":" + ",".join(options) if options else "")
        if index == INPAINT:
            if not self.mask_file.isChecked():
                return "inpaint"
            if not self.mask_path:
                raise UserError("inpaint: choose a mask file (a PNG or a folder of PNGs), "
                                "or pick 'five boxes'")
            if not Path(self.mask_path).exists():
                raise UserError(f"inpaint: mask not found: {self.mask_path}")
            return f"inpaint:mask={self.mask_path}"
        return "represent"

    def set_mask_path(self, path: str) -> None:
        self.mask_path = str(path)
        self.mask_label.setText(Path(path).name or str(path) if path else "no mask chosen")
        self.mask_label.setToolTip(str(path))

    def choose_mask(self) -> None:
        """Pick a PNG mask (or, after cancelling the file dialog, a folder of PNGs)."""
        start = str(Path(self.mask_path).parent) if self.mask_path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Inpainting mask (white = hole)", start,
                                              MASK_FILTER)
        if not path:
            path = QFileDialog.getExistingDirectory(
                self, "Or a folder of PNG masks, one per frame", start)
        if path:
            self.set_mask_path(path)
            self.mask_file.setChecked(True)
            self._on_params_changed()

    # ------------------------------------------------------------------ preview
    def set_preview_clip(self, frames: np.ndarray | None) -> None:
        """The clip whose first frames the task preview shows ((N, H, W, 3) uint8, kept by
        reference, never copied whole), or None to clear the preview."""
        self._preview_clip = frames
        self.schedule_preview()

    def refresh_preview(self) -> None:
        """Prepare the current task on a few subsampled frames and show frame 0 as the model
        sees it plus the training / held-out markers (errors go to the caption)."""
        frames = self._preview_clip
        self.preview_supervision = None
        if frames is None or len(frames) == 0:
            self.thumbnail.clear()
            self.markers.set_frames(None)
            self.preview_caption.setText("open a clip to preview the task")
            return
        try:
            text = self.task_text()
            task = parse_task(text)
            count = PREVIEW_FRAMES
            if self.task.currentIndex() == INTERP:
                count = max(count, self.factor.value() + 1)
            small = preview_frames(frames, min(len(frames), count))
            supervision = task.prepare(small)
        except UserError as exc:
            self.thumbnail.clear()
            self.markers.set_frames(None)
            self.preview_caption.setText(str(exc))
            return
        self.preview_supervision = supervision
        image = seen_frame(supervision, 0)
        self.thumbnail.setPixmap(_rgb_pixmap(image))
        self.markers.set_frames(supervision.train_frames, len(frames))
        self.preview_caption.setText(self._caption(supervision, len(frames)))

    @staticmethod
    def _caption(supervision, total: int) -> str:
        n = len(supervision.train_frames)
        train = int(np.count_nonzero(supervision.train_frames))
        shown = f"first {n} of {total} frames" if total > n else f"{n} frames"
        parts = [f"frame 0 as the model sees it; {shown}: {train} trained, {n - train} held out"]
        notes = supervision.notes
        if supervision.pool > 1:
            parts.append(f"low-res {supervision.pool}x (shown enlarged)")
        if "noisy_psnr" in notes:
            parts.append(f"noisy input {notes['noisy_psnr']:.1f} dB")
        if "hole_fraction" in notes:
            parts.append(f"holes {100 * notes['hole_fraction']:.1f}%")
        return "; ".join(parts)

    def run_config(self) -> RunConfig:
        """The settings as an immutable RunConfig (UserError for invalid combinations)."""
        patch = self.patch.value()
        if patch % 2:
            raise UserError(f"patch size must be even, got {patch}")
        task = self.task_text()
        parse_task(task)
        model = dataclasses.replace(self.base_model, patch_size=patch, gop=self.gop.value(),
                                    hidden=self.hidden.value(), w0=self.w0.value(),
                                    s0=self.s0.value())
        train = dataclasses.replace(self.base_train, steps=self.steps.value(),
                                    batch_pixels=self.batch.value(),
                                    device=self.device.currentText(),
                                    compile=self.compile.isChecked())
        return RunConfig(model=model, train=train, task=task)

    def set_state(self, *, has_clip: bool, has_model: bool, training: bool, paused: bool):
        self.start_button.setEnabled(has_clip and not training)
        self.pause_button.setEnabled(training and not paused)
        self.resume_button.setEnabled(training and paused)
        self.stop_button.setEnabled(training)
        self.more_button.setEnabled(training or (has_model and has_clip))
        for w in (self.task_params, *self.task_widgets(), self.patch, self.gop, self.hidden,
                  self.w0, self.s0, self.steps, self.batch, self.device, self.compile):
            w.setEnabled(not training)
        self._sync_denoise_enabled()

    def _sync_denoise_enabled(self) -> None:
        editable = self.task.isEnabled() and not self.already_noisy.isChecked()
        self.tau.setEnabled(editable)
        self.sigma.setEnabled(editable)

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in widgets:
            layout.addWidget(w)
        layout.addStretch(1)
        return row

    def _on_task_changed(self, *_args) -> None:
        index = self.task.currentIndex()
        self.task_params.setCurrentIndex(index)
        self.description.setText(DESCRIPTIONS[index])
        self._on_params_changed()

    def _on_params_changed(self, *_args) -> None:
        self._sync_denoise_enabled()
        self.schedule_preview()

    def _on_start_clicked(self) -> None:
        try:
            run = self.run_config()
        except UserError as exc:
            self.error_raised.emit(str(exc))
            return
        self.start_requested.emit(run)
