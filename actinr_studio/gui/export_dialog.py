"""The export dialog: time range, slow-motion factor or target fps, output scale, codec, a live
estimate (from ``plan_export``), progress and Cancel. It runs ``export_model`` (the CLI's code
path) in a worker thread."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import create_worker

from actinr_studio.checkpoint import VideoFacts
from actinr_studio.errors import UserError
from actinr_studio.export import ExportPlan, codec_for_path, export_model, plan_export
from actinr_studio.model import ActINR
from actinr_studio.video import ExportCancelled

CODECS = (("H.264 (mp4, yuv420p)", "h264", ".mp4"), ("Lossless (mkv)", "lossless", ".mkv"),
          ("PNG sequence (folder)", "png", ""), ("GIF", "gif", ".gif"))
TIMING = ("Slow-motion factor", "Target fps")


def format_bytes(num: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(num) < 1024 or unit == "GiB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    return f"{num:.1f} GiB"


class ExportProgress(QObject):
    """Carries progress from the export thread to the dialog (queued signal)."""

    advanced = Signal(int, int)


def run_export(model: ActINR, path: str, plan: ExportPlan, lock: threading.Lock,
               cancel: threading.Event, progress: ExportProgress) -> str:
    with lock:
        written = export_model(model, path, plan,
                               progress=lambda done, total: progress.advanced.emit(done, total),
                               cancel=cancel.is_set)
    return str(written)


class ExportDialog(QDialog):
    export_finished = Signal(str)     # the written path
    export_failed = Signal(str)       # a one-line reason ('cancelled' when cancelled)

    def __init__(self, model: ActINR, facts: VideoFacts, lock: threading.Lock,
                 default_path: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export video")
        self.model, self.facts, self.lock = model, facts, lock
        last = float(facts.num_frames - 1)
        self.start = QDoubleSpinBox()
        self.end = QDoubleSpinBox()
        for box, value in ((self.start, 0.0), (self.end, last)):
            box.setRange(0.0, last)
            box.setDecimals(2)
            box.setValue(value)
        self.timing = QComboBox()
        self.timing.addItems(TIMING)
        self.amount = QDoubleSpinBox()
        self.amount.setRange(0.01, 1000.0)
        self.amount.setDecimals(3)
        self.amount.setValue(4.0)
        self.scale = QDoubleSpinBox()
        self.scale.setRange(0.05, 16.0)
        self.scale.setDecimals(2)
        self.scale.setValue(1.0)
        self.scale.setSuffix(" x")
        self.codec = QComboBox()
        for label, _codec, _ext in CODECS:
            self.codec.addItem(label)
        self.path = QLineEdit(default_path or str(Path.home() / "actinr_export.mp4"))
        browse = QPushButton("Browse...")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        range_row = QHBoxLayout()
        range_row.addWidget(self.start)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.end)
        timing_row = QHBoxLayout()
        timing_row.addWidget(self.timing)
        timing_row.addWidget(self.amount)
        form = QFormLayout()
        form.addRow("Range (frames)", range_row)
        form.addRow("Timing", timing_row)
        form.addRow("Output scale", self.scale)
        form.addRow("Codec", self.codec)
        form.addRow("Output", path_row)
        self.estimate = QLabel("")
        self.estimate.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole
        self.export_button = self.buttons.addButton("Export", role.ActionRole)
        self.cancel_button = self.buttons.addButton("Cancel", role.ActionRole)
        self.close_button = self.buttons.addButton("Close", role.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.estimate)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.cancel_button.setEnabled(False)
        self._cancel = threading.Event()
        self._progress = ExportProgress(self)
        self._progress.advanced.connect(self._on_advanced)
        self.worker = None
        self.plan_error: str | None = None
        for box in (self.start, self.end, self.amount, self.scale):
            box.valueChanged.connect(self.update_estimate)
        self.timing.currentIndexChanged.connect(self._on_timing_changed)
        self.codec.currentIndexChanged.connect(self._on_codec_changed)
        self.path.textChanged.connect(self.update_estimate)
        browse.clicked.connect(self._on_browse_clicked)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.close_button.clicked.connect(self.close)
        self.update_estimate()

    # ------------------------------------------------------------------ plan
    def codec_name(self) -> str:
        return CODECS[self.codec.currentIndex()][1]

    def plan(self) -> ExportPlan:
        """The export as the CLI would plan it (UserError when the settings are invalid)."""
        a, b = self.start.value(), self.end.value()
        if not a < b:
            raise UserError(f"the range must satisfy start < end, got {a:g} to {b:g}")
        slowmo = self.amount.value() if self.timing.currentIndex() == 0 else None
        fps = self.amount.value() if self.timing.currentIndex() == 1 else None
        codec = codec_for_path(self.path.text(), self.codec_name())
        return plan_export(self.facts.num_frames, self.facts.width, self.facts.height,
                           self.facts.fps, slowmo=slowmo, fps=fps, scale=self.scale.value(),
                           frame_range=(a, b), codec=codec)

    def update_estimate(self, *_args) -> None:
        try:
            plan = self.plan()
        except UserError as exc:
            self.plan_error = str(exc)
            self.estimate.setText(f"<span style='color:#e57373'>{exc}</span>")
            self.export_button.setEnabled(False)
            return
        self.plan_error = None
        self.estimate.setText(
            f"{plan.frame_count} frames of {plan.width}x{plan.height} at "
            f"{float(plan.fps):.3f} fps = {plan.duration_seconds:.2f} s, about "
            f"{format_bytes(plan.estimated_bytes)}"
        )
        self.export_button.setEnabled(self.worker is None)

    def _on_timing_changed(self, index: int) -> None:
        self.amount.setValue(4.0 if index == 0 else float(self.facts.fps) * 2)
        self.update_estimate()

    def _on_codec_changed(self, index: int) -> None:
        ext = CODECS[index][2]
        path = Path(self.path.text() or "actinr_export")
        stem = path.with_suffix("") if path.suffix else path
        self.path.setText(str(stem) + ext)

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if chosen:
            self.path.setText(chosen)

    # ------------------------------------------------------------------ running
    def start_export(self) -> None:
        try:
            plan = self.plan()
        except UserError as exc:
            self.export_failed.emit(str(exc))
            return
        self._cancel.clear()
        self.progress.setRange(0, plan.frame_count)
        self.progress.setValue(0)
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        worker = create_worker(run_export, self.model, self.path.text(), plan, self.lock,
                               self._cancel, self._progress,
                               _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_worker_finished)
        self.worker = worker
        worker.start()

    def cancel_export(self) -> None:
        self._cancel.set()

    @property
    def is_exporting(self) -> bool:
        return self.worker is not None

    def _on_advanced(self, done: int, total: int) -> None:
        if total:
            self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _on_returned(self, path: str) -> None:
        self.estimate.setText(f"written: {path}")
        self.export_finished.emit(path)

    def _on_errored(self, exc: Exception) -> None:
        reason = "cancelled" if isinstance(exc, ExportCancelled) else str(exc).splitlines()[0]
        self.estimate.setText(f"export {reason}" if reason == "cancelled" else
                              f"<span style='color:#e57373'>export failed: {reason}</span>")
        self.export_failed.emit(reason)

    def _on_worker_finished(self) -> None:
        self.worker = None
        self.cancel_button.setEnabled(False)
        self.update_estimate()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self.worker is not None:
            self._cancel.set()
        super().closeEvent(event)
