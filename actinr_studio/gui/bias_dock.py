"""The bias trajectory inspector: pick patches on the viewer (click; Ctrl-click adds), see their
frame-network biases of one layer / map as curves over continuous time, with the training
frames, the GOP boundaries and a cursor that follows the viewer's time both ways; a motion
score per patch (also as a heat map on the frame); CSV export. The numbers come from
``actinr_studio.inspect`` (cheap: the bias network over a batch of times); the motion scores
run in a worker thread. Live while training (throttled): it glances at the training model's
parameters without its lock, so a curve may mix two neighbouring steps (harmless for a plot).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import create_worker, qthrottled

from actinr_studio.gui.mask_overlay import PICK_COLOURS, patch_at
from actinr_studio.gui.studio import Studio
from actinr_studio.gui.viewer import ViewerPanel
from actinr_studio.inspect import (
    LAYER_LABELS,
    LAYER_MAPS,
    bias_trajectories,
    motion_scores,
    top_components,
    write_trajectories_csv,
)

TOP_COMPONENTS = 8
SAMPLES_PER_FRAME = 20
MAX_LEGEND = 8


class BiasInspectorPanel(QWidget):
    """Dock contents; ``set_active(True)`` while the dock is shown (grid overlay, picking)."""

    trajectories_updated = Signal()

    def __init__(self, studio: Studio, viewer: ViewerPanel, parent=None):
        super().__init__(parent)
        self.studio = studio
        self.viewer = viewer
        self.patches: list[tuple[int, int]] = []
        self.trajectories: list = []
        self.shown: list[tuple[tuple[int, int], str, np.ndarray, np.ndarray]] = []
        """(patch, component name, frames, values) of every plotted curve."""
        self.scores: np.ndarray | None = None
        self.active = False
        self._scoring = None
        self._score_again = False
        self.layer = QComboBox()
        for name in LAYER_MAPS:
            self.layer.addItem(LAYER_LABELS[name], name)
        self.part = QComboBox()
        self.part.addItems(["Real + imaginary", "Real", "Imaginary"])
        self.all_components = QCheckBox("All components")
        self.all_components.setToolTip(f"Unchecked: the {TOP_COMPONENTS} components that move "
                                       "most (largest variance over time) per patch")
        self.heat = QCheckBox("Motion heat map")
        self.export_button = QPushButton("Export CSV...")
        self.clear_button = QPushButton("Clear")
        controls = QHBoxLayout()
        for widget in (QLabel("Layer"), self.layer, self.part, self.all_components, self.heat):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.clear_button)
        controls.addWidget(self.export_button)
        self.plot = pg.PlotWidget(background="#202124")
        self.plot.setLabel("bottom", "time (frames)")
        self.plot.setLabel("left", "bias")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumHeight(150)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="7pt")
        self.curves: list[pg.PlotDataItem] = []
        self.boundaries: list[pg.InfiniteLine] = []
        self.train_marks = pg.ScatterPlotItem(symbol="t1", size=7, brush=pg.mkBrush("#8bc34a"),
                                              pen=None)
        self.train_marks.setZValue(5)
        self.plot.addItem(self.train_marks)
        self.cursor = pg.InfiniteLine(pos=0.0, angle=90, movable=True,
                                      pen=pg.mkPen("#ffeb3b", width=2))
        self.cursor.setZValue(10)
        self.plot.addItem(self.cursor)
        self.summary = QLabel("Click a patch on the frame (Ctrl-click adds one).")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        self._syncing_cursor = False
        self._update_throttled = qthrottled(self.update_plots, timeout=1000, parent=self)
        self._score_throttled = qthrottled(self._score_now, timeout=3000, parent=self)
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.part.currentIndexChanged.connect(lambda _i: self.update_plots())
        self.all_components.toggled.connect(lambda _c: self.update_plots())
        self.heat.toggled.connect(self._on_heat_toggled)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.clear_button.clicked.connect(lambda: self.set_patches([]))
        self.cursor.sigPositionChanged.connect(self._on_cursor_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_plot_clicked)
        viewer.time_bar.position_changed.connect(self._on_position_changed)
        studio.model_changed.connect(self._on_model_changed)
        studio.document_changed.connect(self._on_model_changed)
        studio.step_reported.connect(lambda _r: self._on_training_progress())
        studio.training_finished.connect(lambda _r: self._on_model_changed())
        studio.busy_checks.append(lambda: self._scoring is not None)
        self._on_layer_changed()

    # ------------------------------------------------------------------ activation / picking
    def set_active(self, active: bool) -> None:
        """The dock is shown: draw the patch grid and take clicks on the frame."""
        self.active = active
        model = self.studio.live_model()
        if model is not None and self.studio.facts is not None:
            facts = self.studio.facts
            self.viewer.patch_grid.set_grid(model.grid, facts.width, facts.height)
        self.viewer.patch_grid.set_visible(active)
        self.viewer.mask_layer.click_handler = self.pick_at if active else None
        if active:
            self.viewer.patch_grid.show_picks(self.patches)
            self.update_plots()
            self._on_heat_toggled(self.heat.isChecked())

    def pick_at(self, x: float, y: float, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        """A click on the frame: choose that patch (Ctrl: add it, or drop it when chosen)."""
        model = self.studio.live_model()
        if model is None:
            return
        patch = patch_at(model.grid, x, y)
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            patches = [p for p in self.patches if p != patch]
            if len(patches) == len(self.patches):
                patches.append(patch)
        else:
            patches = [patch]
        self.set_patches(patches)

    def set_patches(self, patches: list[tuple[int, int]]) -> None:
        self.patches = [(int(r), int(c)) for r, c in patches]
        self.viewer.patch_grid.show_picks(self.patches)
        self.update_plots()

    # ------------------------------------------------------------------ data
    def layer_map(self) -> str:
        return self.layer.currentData()

    def update_plots(self) -> None:
        """Recompute the chosen patches' trajectories and redraw (items are reused)."""
        model = self.studio.live_model()
        if model is None or not self.patches:
            self.trajectories = []
        else:
            rows, cols = model.grid.shape
            self.patches = [(r, c) for r, c in self.patches if r < rows and c < cols]
            self.trajectories = [bias_trajectories(model, p, self.layer_map(), SAMPLES_PER_FRAME)
                                 for p in self.patches]
        self._draw(model)
        self.trajectories_updated.emit()

    def _selected(self, tr) -> np.ndarray:
        part = self.part.currentText()
        keep = np.array([not ((part == "Real" and ".im[" in n)
                              or (part == "Imaginary" and ".re[" in n)) for n in tr.names])
        index = np.nonzero(keep)[0]
        if not self.all_components.isChecked():
            index = index[top_components(tr.values[:, index], TOP_COMPONENTS)]
        return index

    def _draw(self, model) -> None:
        self.shown = []
        for i, tr in enumerate(self.trajectories):
            base = pg.mkColor(PICK_COLOURS[i % len(PICK_COLOURS)])
            for rank, c in enumerate(self._selected(tr)):
                colour = base.lighter(100 + 12 * (rank % 6)) if rank else base
                self.shown.append((tr.patch, tr.names[c], tr.frames, tr.values[:, c], colour))
        self.legend.clear()
        while len(self.curves) < len(self.shown):
            curve = pg.PlotDataItem(clipToView=True, autoDownsample=True)
            self.plot.addItem(curve)
            self.curves.append(curve)
        for curve, (patch, name, frames, values, colour) in zip(self.curves, self.shown,
                                                                 strict=False):
            curve.setData(frames, values)
            curve.setPen(pg.mkPen(colour, width=1.5))
            curve.show()
            if len(self.shown) <= MAX_LEGEND:
                self.legend.addItem(curve, f"{patch[0]},{patch[1]} {name}")
        for curve in self.curves[len(self.shown):]:
            curve.setData([], [])
            curve.hide()
        self.shown = [s[:4] for s in self.shown]
        # GOP boundaries and training frames
        bounds = self.trajectories[0].gop_boundaries if self.trajectories else (
            np.array([model.gops.frames_of(g)[0] for g in range(1, model.gops.count)], float)
            if model is not None else np.zeros(0))
        while len(self.boundaries) < len(bounds):
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen((255, 255, 255, 90), width=1,
                                                style=Qt.PenStyle.DashLine))
            self.plot.addItem(line)
            self.boundaries.append(line)
        for line, x in zip(self.boundaries, bounds, strict=False):
            line.setValue(float(x))
            line.show()
        for line in self.boundaries[len(bounds):]:
            line.hide()
        train = self.studio.train_frames
        if self.shown and train is not None:
            low = min(float(v.min()) for *_x, v in self.shown)
            xs = np.nonzero(train)[0].astype(float)
            self.train_marks.setData(xs, np.full(len(xs), low))
        else:
            self.train_marks.setData([], [])
        self._update_summary()

    def _update_summary(self) -> None:
        if not self.patches:
            self.summary.setText("Click a patch on the frame (Ctrl-click adds one). "
                                 "Curves: the biases the bias network gives the patch's frame "
                                 "network over time; at a GOP boundary the later GOP is shown.")
            return
        parts = []
        for i, (r, c) in enumerate(self.patches):
            colour = PICK_COLOURS[i % len(PICK_COLOURS)]
            text = f"<span style='color:{colour}'>&#9632;</span> patch {r},{c}"
            if self.scores is not None and r < self.scores.shape[0] and c < self.scores.shape[1]:
                score = float(self.scores[r, c])
                rank = int((self.scores > score).sum()) + 1
                text += f": motion {score:.4f} (rank {rank} of {self.scores.size})"
            parts.append(text)
        self.summary.setText("&nbsp;&nbsp; ".join(parts))

    # ------------------------------------------------------------------ motion scores
    def request_scores(self) -> None:
        """Compute the motion scores in a worker thread (one at a time; the latest wins)."""
        model = self.studio.live_model()
        if model is None or self.studio.closing:
            return
        if self._scoring is not None:
            self._score_again = True
            return
        worker = create_worker(motion_scores, model, 2, False, "output", 6,
                               _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_scores_returned)
        worker.finished.connect(self._on_scores_finished)
        self._scoring = worker
        worker.start()

    def _on_scores_returned(self, scores: np.ndarray) -> None:
        self.scores = scores
        self._update_summary()
        if self.active and self.heat.isChecked():
            self.viewer.patch_grid.show_heat(scores)

    def _on_scores_finished(self) -> None:
        self._scoring = None
        if self._score_again:
            self._score_again = False
            self.request_scores()

    # ------------------------------------------------------------------ handlers
    def _on_layer_changed(self, *_args) -> None:
        self.part.setEnabled(self.layer_map().startswith("l2"))
        self.update_plots()

    def _on_heat_toggled(self, checked: bool) -> None:
        if checked and self.active:
            if self.scores is not None:
                self.viewer.patch_grid.show_heat(self.scores)
            self.request_scores()
        else:
            self.viewer.patch_grid.show_heat(None)

    def _on_model_changed(self) -> None:
        self.scores = None
        if self.active:
            self.set_active(True)
            self.request_scores()

    def _on_training_progress(self) -> None:
        if self.active:
            self._update_throttled()
            self._score_throttled()

    def _score_now(self) -> None:
        if self.heat.isChecked() or self.patches:
            self.request_scores()

    def _on_position_changed(self, value: float) -> None:
        self._syncing_cursor = True
        try:
            self.cursor.setValue(float(value))
        finally:
            self._syncing_cursor = False

    def _on_cursor_moved(self) -> None:
        if not self._syncing_cursor:
            self.viewer.set_position(float(self.cursor.value()))

    def _on_plot_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        box = self.plot.getPlotItem().vb
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        self.viewer.set_position(float(box.mapSceneToView(event.scenePos()).x()))

    def export_csv(self, path: str):
        """Every component of the chosen patches' trajectories of the current map."""
        if not self.trajectories:
            raise ValueError("choose a patch first")
        return write_trajectories_csv(path, self.trajectories, self.studio.train_frames)

    def _on_export_clicked(self) -> None:
        if not self.trajectories:
            self.studio.error_raised.emit("choose a patch on the frame first")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export trajectories", "biases.csv",
                                              "CSV (*.csv)")
        if path:
            written = self.export_csv(path)
            self.studio.notice_posted.emit(f"wrote {written}")
