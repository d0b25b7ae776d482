"""The training panel: task, main model / training settings (defaults from the clip size) and
Start / Pause / Resume / Stop / Train N more. It builds an immutable RunConfig."""

from __future__ import annotations

import dataclasses

import torch
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.gui.studio import gui_threads
from actinr_studio.model import ModelConfig
from actinr_studio.train import TrainConfig

TASKS = ("Represent (fit every frame)", "Slow motion (train every F-th frame)")


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

        task_box = QGroupBox("Task")
        task_row = QHBoxLayout(task_box)
        task_row.addWidget(self.task, 1)
        task_row.addWidget(self.factor)
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
                   self.task, self.factor, self.device, self.compile)
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
            if task.startswith("interp-"):
                self.task.setCurrentIndex(1)
                self.factor.setValue(int(task.split("-")[1]))
            else:
                self.task.setCurrentIndex(0)
            for w in widgets:
                w.blockSignals(False)
        self._on_task_changed()

    def run_config(self) -> RunConfig:
        """The settings as an immutable RunConfig (UserError for invalid combinations)."""
        patch = self.patch.value()
        if patch % 2:
            raise UserError(f"patch size must be even, got {patch}")
        model = dataclasses.replace(self.base_model, patch_size=patch, gop=self.gop.value(),
                                    hidden=self.hidden.value(), w0=self.w0.value(),
                                    s0=self.s0.value())
        train = dataclasses.replace(self.base_train, steps=self.steps.value(),
                                    batch_pixels=self.batch.value(),
                                    device=self.device.currentText(),
                                    compile=self.compile.isChecked())
        task = "represent" if self.task.currentIndex() == 0 else f"interp-{self.factor.value()}"
        return RunConfig(model=model, train=train, task=task)

    def set_state(self, *, has_clip: bool, has_model: bool, training: bool, paused: bool):
        self.start_button.setEnabled(has_clip and not training)
        self.pause_button.setEnabled(training and not paused)
        self.resume_button.setEnabled(training and paused)
        self.stop_button.setEnabled(training)
        self.more_button.setEnabled(training or (has_model and has_clip))
        for w in (self.task, self.factor, self.patch, self.gop, self.hidden, self.w0, self.s0,
                  self.steps, self.batch, self.device, self.compile):
            w.setEnabled(not training)

    def _on_task_changed(self, *_args) -> None:
        self.factor.setVisible(self.task.currentIndex() == 1)

    def _on_start_clicked(self) -> None:
        try:
            run = self.run_config()
        except UserError as exc:
            self.error_raised.emit(str(exc))
            return
        self.start_requested.emit(run)
