"""The dialog shown when a clip is opened: first frame, frame count, trim, downscale and an
estimated training cost on this device (measured in a worker thread)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)
from superqt.utils import create_worker, qdebounced

from actinr_studio.errors import UserError
from actinr_studio.gui.train_panel import defaults_for_clip
from actinr_studio.train.estimate import TrainingEstimate, estimate_training
from actinr_studio.video import ClipInfo, probe_clip, read_clip


def to_pixmap(image: np.ndarray, max_side: int = 360) -> QPixmap:
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    qimage = QImage(image.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    pixmap = QPixmap.fromImage(qimage)
    return pixmap.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)


def scaled_size(width: int, height: int, scale: float) -> tuple[int, int]:
    return max(1, int(width // scale)), max(1, int(height // scale))


def estimate_for(info: ClipInfo, start: int, count: int, scale: float) -> TrainingEstimate:
    width, height = scaled_size(info.width, info.height, scale)
    model, train = defaults_for_clip(width, height, count)
    return estimate_training(count, height, width, model, dataclasses.replace(train))


class OpenClipDialog(QDialog):
    """Probe a clip and let the user choose its trim and downscale before decoding it."""

    def __init__(self, path: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Open {Path(path).name}")
        self.path = path
        self.info = probe_clip(path)
        first = read_clip(path, 0, 1).frames[0]
        total = max(1, self.info.frame_count)
        self.preview = QLabel()
        self.preview.setPixmap(to_pixmap(first))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.facts = QLabel(
            f"{self.info.width}x{self.info.height}, "
            f"{'' if self.info.frame_count_exact else '~'}{self.info.frame_count} frames at "
            f"{float(self.info.fps):.3f} fps{' (assumed)' if self.info.fps_assumed else ''}, "
            f"{self.info.codec}"
        )
        self.start = QSpinBox()
        self.start.setRange(0, max(0, total - 1))
        self.count = QSpinBox()
        self.count.setRange(1, total)
        self.count.setValue(min(total, 120))
        self.scale = QDoubleSpinBox()
        self.scale.setRange(1.0, 32.0)
        self.scale.setDecimals(2)
        self.scale.setValue(self._default_scale())
        self.size_label = QLabel()
        self.estimate = QLabel("estimating the training cost...")
        self.estimate.setWordWrap(True)
        form = QFormLayout()
        form.addRow("First frame", self.start)
        form.addRow("Frames", self.count)
        form.addRow("Downscale by", self.scale)
        form.addRow("Training size", self.size_label)
        form.addRow("Estimated cost", self.estimate)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)
        layout.addWidget(self.facts)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.last_estimate: TrainingEstimate | None = None
        self._worker = None
        self._stale = False
        self._estimate_later = qdebounced(self._start_estimate, timeout=300, parent=self)
        for box in (self.start, self.count, self.scale):
            box.valueChanged.connect(self._on_settings_changed)
        self._on_settings_changed()

    def _default_scale(self) -> float:
        longest = max(self.info.width, self.info.height)
        return float(max(1, int(np.ceil(longest / 960))))

    def choice(self) -> tuple[int, int, float]:
        """(start, count, scale) to pass to ``read_clip``."""
        return self.start.value(), self.count.value(), self.scale.value()

    def _on_settings_changed(self, *_args) -> None:
        w, h = scaled_size(self.info.width, self.info.height, self.scale.value())
        self.size_label.setText(f"{w}x{h} x {self.count.value()} frames")
        self._estimate_later()

    def _start_estimate(self) -> None:
        if self._worker is not None:
            self._stale = True
            return
        start, count, scale = self.choice()
        worker = create_worker(estimate_for, self.info, start, count, scale,
                               _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_estimated)
        worker.errored.connect(self._on_estimate_failed)
        worker.finished.connect(self._on_estimate_finished)
        self._worker = worker
        worker.start()

    def _on_estimated(self, estimate: TrainingEstimate) -> None:
        self.last_estimate = estimate
        self.estimate.setText(estimate.describe())

    def _on_estimate_failed(self, exc: Exception) -> None:
        message = str(exc) if isinstance(exc, UserError) else type(exc).__name__
        self.estimate.setText(f"no estimate: {message}")

    def _on_estimate_finished(self) -> None:
        self._worker = None
        if self._stale:
            self._stale = False
            self._start_estimate()

    def done(self, result: int) -> None:
        if self._worker is not None:
            self._worker.quit()
        super().done(result)
