"""The mask painting panel: brush / eraser / rectangle on the viewer, fill or clear, the frames
an edit applies to (this frame, a range, all), undo / redo, overlay opacity, PNG import /
export. The mask itself is the studio's ``MaskStack`` (numpy); strokes are stamped on every
mouse event (nothing is dropped) while the overlay redraw is throttled."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)
from superqt import QLabeledSlider

from actinr_studio.gui.studio import Studio
from actinr_studio.gui.viewer import ViewerPanel

TOOLS = ("none", "brush", "eraser", "rect")
SCOPES = {"This frame": "frame", "Frame range": "range", "All frames": "all"}


class MaskPainter:
    """Turns mouse presses / moves / releases (frame pixels) into mask edits."""

    def __init__(self, panel: MaskToolsPanel):
        self.panel = panel
        self._last: tuple[float, float] | None = None
        self._start: tuple[float, float] | None = None

    def press(self, x: float, y: float) -> None:
        masks = self.panel.studio.masks
        if masks is None:
            return
        masks.begin()
        self._start = self._last = (x, y)
        if self.panel.tool != "rect":
            self._stamp(x, y)

    def move(self, x: float, y: float) -> None:
        if self._start is None:
            return
        outlines = self.panel.viewer.tool_outlines
        if self.panel.tool == "rect":
            outlines.show_rect(*self._start, x, y)
            return
        self._stamp(x, y)
        outlines.show_brush(x, y, self.panel.radius())

    def release(self, x: float, y: float) -> None:
        masks = self.panel.studio.masks
        if self._start is None or masks is None:
            return
        if self.panel.tool == "rect":
            masks.fill_rect(self.panel.frames(), *self._start, x, y, value=False)
        elif (x, y) != self._last:
            self._stamp(x, y)
        masks.end()
        self._start = self._last = None
        self.panel.viewer.tool_outlines.hide()
        self.panel.finish_edit()

    def _stamp(self, x: float, y: float) -> None:
        panel = self.panel
        panel.studio.masks.stamp(panel.frames(), self._last, (x, y), panel.radius(),
                                 value=panel.tool == "eraser")
        self._last = (x, y)
        panel.viewer.update_mask_overlay()


class MaskToolsPanel(QWidget):
    """Dock contents. ``tool`` is one of TOOLS; 'none' leaves the mouse to pan and zoom."""

    edited = Signal()

    def __init__(self, studio: Studio, viewer: ViewerPanel, parent=None):
        super().__init__(parent)
        self.studio = studio
        self.viewer = viewer
        self.tool = "none"
        self.painter = MaskPainter(self)
        grid = QGridLayout()
        self.tool_buttons: dict[str, QPushButton] = {}
        self._group = QButtonGroup(self)
        for i, (name, label, tip) in enumerate((
                ("none", "Pan", "Mouse pans and zooms (no painting)"),
                ("brush", "Brush", "Paint holes (excluded from the loss)"),
                ("eraser", "Eraser", "Erase holes"),
                ("rect", "Rectangle", "Drag a rectangle of holes"))):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setToolTip(tip)
            self._group.addButton(button)
            grid.addWidget(button, 0, i)
            button.clicked.connect(lambda _=False, n=name: self.set_tool(n))
            self.tool_buttons[name] = button
        self.tool_buttons["none"].setChecked(True)
        self.size = QLabeledSlider(Qt.Orientation.Horizontal)
        self.size.setRange(1, 200)
        self.size.setValue(12)
        self.size.setToolTip("Brush radius in frame pixels ([ and ] change it)")
        self.scope = QComboBox()
        self.scope.addItems(list(SCOPES))
        self.first = QSpinBox()
        self.last = QSpinBox()
        range_row = QHBoxLayout()
        range_row.addWidget(self.first)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.last)
        self.fill_button = QPushButton("Fill (all holes)")
        self.clear_button = QPushButton("Clear (no holes)")
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.show_box = QCheckBox("Show overlay")
        self.show_box.setChecked(True)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.import_button = QPushButton("Import PNG...")
        self.export_button = QPushButton("Export PNG...")
        self.per_frame = QCheckBox("One PNG per frame")
        self.info = QLabel("")
        self.info.setStyleSheet("color: #888;")
        form = QFormLayout(self)
        form.addRow(grid)
        form.addRow("Brush size", self.size)
        form.addRow("Apply to", self.scope)
        form.addRow("Frames", range_row)
        edit_row = QHBoxLayout()
        for button in (self.fill_button, self.clear_button, self.undo_button, self.redo_button):
            edit_row.addWidget(button)
        form.addRow(edit_row)
        overlay_row = QHBoxLayout()
        overlay_row.addWidget(self.show_box)
        overlay_row.addWidget(self.opacity, 1)
        form.addRow("Overlay", overlay_row)
        files_row = QHBoxLayout()
        files_row.addWidget(self.import_button)
        files_row.addWidget(self.export_button)
        files_row.addWidget(self.per_frame)
        form.addRow(files_row)
        form.addRow(self.info)
        self._shortcuts = []
        for keys, slot in (("[", lambda: self.grow(-1)), ("]", lambda: self.grow(1)),
                           (QKeySequence.StandardKey.Undo, self.undo),
                           ("Ctrl+Shift+Z", self.redo)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)
        self.scope.currentIndexChanged.connect(self._on_scope_changed)
        self.fill_button.clicked.connect(lambda: self.fill(False))
        self.clear_button.clicked.connect(lambda: self.fill(True))
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.opacity.valueChanged.connect(self._on_opacity_changed)
        self.show_box.toggled.connect(self._on_opacity_changed)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        studio.mask_changed.connect(self._sync)
        studio.document_changed.connect(self._on_document_changed)
        viewer.time_bar.position_changed.connect(lambda _v: self._sync())
        self._on_scope_changed()
        self._sync()

    # ------------------------------------------------------------------ state
    def set_tool(self, name: str) -> None:
        if name not in TOOLS:
            raise ValueError(f"unknown mask tool {name!r}")
        self.tool = name
        self.tool_buttons[name].setChecked(True)
        layer = self.viewer.mask_layer
        layer.drag_handler = None if name == "none" else self.painter
        self.viewer.view.setCursor(Qt.CursorShape.ArrowCursor if name == "none"
                                   else Qt.CursorShape.CrossCursor)

    def radius(self) -> float:
        return float(self.size.value())

    def grow(self, direction: int) -> None:
        value = self.size.value()
        step = max(1, round(value * 0.2))
        self.size.setValue(value + direction * step)

    def current_frame(self) -> int:
        return int(round(self.viewer.position()))

    def frames(self) -> slice:
        masks = self.studio.masks
        return masks.frames_slice(SCOPES[self.scope.currentText()], self.current_frame(),
                                  self.first.value(), self.last.value())

    # ------------------------------------------------------------------ edits
    def fill(self, supervised: bool) -> None:
        """Make the frames in scope all holes (False) or all supervised (True)."""
        if self.studio.masks is None:
            return
        self.studio.masks.fill(self.frames(), supervised)
        self.finish_edit()

    def undo(self) -> None:
        if self.studio.masks is not None and self.studio.masks.undo():
            self.finish_edit()

    def redo(self) -> None:
        if self.studio.masks is not None and self.studio.masks.redo():
            self.finish_edit()

    def finish_edit(self) -> None:
        """After every operation: the training gets the mask, the views redraw."""
        self.studio.mask_edited()
        self.edited.emit()

    def import_png(self, path: str) -> None:
        try:
            self.studio.masks.import_png(path)
        except (ValueError, OSError) as exc:
            self.studio.error_raised.emit(f"cannot import the mask: {exc}")
            return
        self.finish_edit()

    def export_png(self, path: str, per_frame: bool) -> list[Path]:
        return self.studio.masks.export_png(path, per_frame, self.current_frame())

    # ------------------------------------------------------------------ handlers
    def _on_import_clicked(self) -> None:
        if self.studio.masks is None:
            return
        if self.per_frame.isChecked():
            path = QFileDialog.getExistingDirectory(self, "Folder of mask PNGs (one per frame)")
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Mask PNG (for every frame)", "",
                                                  "PNG (*.png)")
        if path:
            self.import_png(path)

    def _on_export_clicked(self) -> None:
        if self.studio.masks is None:
            return
        if self.per_frame.isChecked():
            path = QFileDialog.getExistingDirectory(self, "Folder for the mask PNGs")
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Mask PNG (this frame)", "mask.png",
                                                  "PNG (*.png)")
        if path:
            try:
                written = self.export_png(path, self.per_frame.isChecked())
            except Exception as exc:  # noqa: BLE001 (a file error is shown, not raised)
                self.studio.error_raised.emit(f"cannot export the mask: {exc}")
                return
            self.studio.notice_posted.emit(f"wrote {len(written)} mask PNG(s)")

    def _on_scope_changed(self, *_args) -> None:
        is_range = SCOPES[self.scope.currentText()] == "range"
        self.first.setEnabled(is_range)
        self.last.setEnabled(is_range)

    def _on_opacity_changed(self, *_args) -> None:
        layer = self.viewer.mask_layer
        layer.setOpacity(self.opacity.value() / 100.0)
        layer.setVisible(self.show_box.isChecked())

    def _on_document_changed(self) -> None:
        facts = self.studio.facts
        if facts is None:
            return
        for box in (self.first, self.last):
            box.setRange(0, max(facts.num_frames - 1, 0))
        self.last.setValue(max(facts.num_frames - 1, 0))
        self._sync()

    def _sync(self) -> None:
        masks = self.studio.masks
        enabled = masks is not None
        for widget in (self.fill_button, self.clear_button, self.import_button,
                       self.export_button):
            widget.setEnabled(enabled)
        self.undo_button.setEnabled(enabled and masks.can_undo)
        self.redo_button.setEnabled(enabled and masks.can_redo)
        if masks is None:
            self.info.setText("open a clip to paint a mask")
            return
        here = masks.hole_count(self.current_frame())
        total = masks.hole_count()
        self.info.setText(f"holes: {here:,} px in this frame, {total:,} px in all frames"
                          + (" (training skips them)" if total else ""))
