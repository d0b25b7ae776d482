"""The fractional time slider (frame units, 2 decimals), play / loop at a slow-motion factor,
and the badge saying what kind of frame is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QWidget
from superqt import QLabeledDoubleSlider
from superqt.utils import signals_blocked


class TimeBar(QWidget):
    position_changed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.slider.setDecimals(2)
        self.slider.setRange(0.0, 0.0)
        self.slider.setSingleStep(0.01)
        self.slider.setToolTip("Time in source frames (fractional); Left/Right: one frame, "
                               "Shift+Left/Right: a tenth")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setChecked(True)
        self.slowmo = QDoubleSpinBox()
        self.slowmo.setRange(0.1, 1000.0)
        self.slowmo.setValue(4.0)
        self.slowmo.setDecimals(2)
        self.slowmo.setPrefix("slow-mo x")
        self.badge = QLabel("")
        self.badge.setMinimumWidth(120)
        self.badge.setStyleSheet("QLabel { padding: 2px 6px; border-radius: 4px; "
                                 "background: #444; color: white; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.slowmo)
        layout.addWidget(self.loop_box)
        layout.addWidget(self.badge)
        self.fps = 24.0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.slider.valueChanged.connect(self._on_value_changed)

    # ------------------------------------------------------------------ state
    def set_clip(self, num_frames: int, fps: float) -> None:
        self.fps = max(float(fps), 1e-3)
        with signals_blocked(self.slider):
            self.slider.setRange(0.0, float(max(num_frames - 1, 0)))
            self.slider.setValue(0.0)

    def position(self) -> float:
        return float(self.slider.value())

    def set_position(self, value: float) -> None:
        self.slider.setValue(round(min(max(value, self.slider.minimum()),
                                       self.slider.maximum()), 2))

    def step(self, frames: float) -> None:
        self.set_position(self.position() + frames)

    def set_badge(self, text: str, colour: str) -> None:
        self.badge.setText(text)
        self.badge.setStyleSheet("QLabel { padding: 2px 6px; border-radius: 4px; "
                                 f"background: {colour}; color: white; }}")

    # ------------------------------------------------------------------ playback
    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            self._timer.start(max(15, round(1000.0 / self.fps)))
        else:
            self._timer.stop()

    def _on_tick(self) -> None:
        advance = 1.0 / self.slowmo.value()
        value = self.position() + advance
        if value > self.slider.maximum() + 1e-9:
            if not self.loop_box.isChecked():
                self.play_button.setChecked(False)
                return
            value = self.slider.minimum()
        self.set_position(value)

    def _on_value_changed(self, value: float) -> None:
        self.position_changed.emit(float(value))

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            amount = 0.1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            self.step(amount if key == Qt.Key.Key_Right else -amount)
            event.accept()
            return
        super().keyPressEvent(event)
