"""The viewer: frame view + time bar + compare controls. It asks the studio for renders of the
current time (low resolution first, full resolution once the slider rests) and of the zoomed
region (at the view's on-screen resolution once the view settles), and shows whichever
answer is the latest."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from superqt.utils import qdebounced, qthrottled

from actinr_studio.gui.frame_view import FrameView
from actinr_studio.gui.jobs import RenderedFrame
from actinr_studio.gui.mask_overlay import (
    MaskLayer,
    PatchGridOverlay,
    ToolOutlines,
    source_with_holes,
)
from actinr_studio.gui.studio import Studio
from actinr_studio.gui.time_bar import TimeBar

MODES = ("Model", "Source", "Side by side", "Error")
LOW_RES_SIDE = 96
MAX_DETAIL_SIDE = 2048
BADGE_COLOURS = {"training frame": "#2e7d32", "held-out frame": "#c62828",
                 "in between": "#6a1b9a", "source frame": "#455a64"}


def error_heatmap(model: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Mean absolute error per pixel as an RGB heat map (black -> red -> yellow -> white)."""
    if model.shape != source.shape:
        ys = (np.arange(source.shape[0]) * model.shape[0] // source.shape[0])
        xs = (np.arange(source.shape[1]) * model.shape[1] // source.shape[1])
        model = model[ys][:, xs]
    err = np.abs(model.astype(np.int16) - source.astype(np.int16)).mean(-1) / 64.0
    err = np.clip(err, 0.0, 1.0)
    rgb = np.stack([np.clip(err * 3, 0, 1), np.clip(err * 3 - 1, 0, 1),
                    np.clip(err * 3 - 2, 0, 1)], -1)
    return (rgb * 255).astype(np.uint8)


def patch_psnr(model: np.ndarray, source: np.ndarray, patch: int) -> np.ndarray:
    """PSNR (dB) of every ``patch`` x ``patch`` cell of two same-size uint8 frames."""
    h, w = source.shape[:2]
    rows, cols = -(-h // patch), -(-w // patch)
    err = (model.astype(np.float32) - source.astype(np.float32)) ** 2
    sums = np.zeros((rows * patch, cols * patch), np.float32)
    counts = np.zeros_like(sums)
    sums[:h, :w] = err.sum(-1)
    counts[:h, :w] = 3.0
    cell_sum = sums.reshape(rows, patch, cols, patch).sum((1, 3))
    cell_count = counts.reshape(rows, patch, cols, patch).sum((1, 3))
    mse = cell_sum / np.maximum(cell_count, 1.0) / (255.0 ** 2)
    return -10.0 * np.log10(np.maximum(mse, 1e-12))


class CompareBar(QWidget):
    """Compare mode, per-patch PSNR overlay, source pixels toggle and the zoom label."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.patches = QCheckBox("Patch PSNR")
        self.source_pixels = QCheckBox("Source pixels")
        self.source_pixels.setToolTip("Show the source's pixels instead of the network's "
                                      "re-rendered zoom")
        self.zoom_label = QLabel("x1.0")
        self.zoom_label.setToolTip("Effective zoom: screen pixels per source pixel")
        self.info = QLabel("")
        self.info.setStyleSheet("color: #888;")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Show"))
        layout.addWidget(self.mode)
        layout.addWidget(self.patches)
        layout.addWidget(self.source_pixels)
        layout.addStretch(1)
        layout.addWidget(self.info)
        layout.addWidget(self.zoom_label)
        self.mode.currentIndexChanged.connect(self.changed)
        self.patches.toggled.connect(self.changed)
        self.source_pixels.toggled.connect(self.changed)

    def current_mode(self) -> str:
        return self.mode.currentText()


class ViewerPanel(QWidget):
    """Shows the studio's clip / model at a fractional time, with zoom and compare modes."""

    frame_shown = Signal(object)    # RenderedFrame that reached the screen
    detail_shown = Signal(object)   # RenderedFrame of a zoom region that reached the screen

    def __init__(self, studio: Studio, parent=None):
        super().__init__(parent)
        self.studio = studio
        self.view = FrameView()
        self.time_bar = TimeBar()
        self.compare = CompareBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.compare)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.time_bar)
        self.model_image: np.ndarray | None = None
        self.model_image_frame: float | None = None
        self.model_image_step = -1
        self._latest: dict[str, int] = {}
        self._detail_job = None
        self._detail_frame: float | None = None
        self._request_full = qdebounced(self._request_full_now, timeout=120, parent=self)
        self._request_detail = qdebounced(self._request_detail_now, timeout=250, parent=self)
        self._refresh_throttled = qthrottled(self.refresh, timeout=40, parent=self)
        # mask and inspector layers (painting goes to the mask layer's handlers)
        self.mask_layer = MaskLayer()
        self.view.main_box.addItem(self.mask_layer)
        self.tool_outlines = ToolOutlines(self.view.main_box)
        self.patch_grid = PatchGridOverlay(self.view.main_box)
        self.update_mask_overlay = qthrottled(self.update_mask_overlay_now, timeout=30,
                                              leading=True, parent=self)
        studio.mask_changed.connect(self._on_mask_changed)
        for key, amount in ((Qt.Key.Key_Left, -1.0), (Qt.Key.Key_Right, 1.0),
                            (Qt.Modifier.SHIFT | Qt.Key.Key_Left, -0.1),
                            (Qt.Modifier.SHIFT | Qt.Key.Key_Right, 0.1)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda a=amount: self.time_bar.step(a))
        self.time_bar.position_changed.connect(self._on_position_changed)
        self.view.view_changed.connect(self._on_view_changed)
        self.compare.changed.connect(self._on_compare_changed)
        studio.document_changed.connect(self._on_document_changed)
        studio.model_changed.connect(self._on_model_changed)
        studio.frame_rendered.connect(self._on_frame_rendered)
        studio.preview_ready.connect(self._on_preview_ready)
        studio.evaluated.connect(lambda _e: self._refresh_throttled())
        studio.training_started.connect(self._on_training_started)

    # ------------------------------------------------------------------ studio events
    def _on_document_changed(self) -> None:
        facts = self.studio.facts
        if facts is None:
            return
        self.model_image = None
        self.view.set_frame_size(facts.width, facts.height)
        self.mask_layer.set_frame_rect(facts.width, facts.height)
        self.update_mask_overlay_now()
        self.time_bar.set_clip(facts.num_frames, float(facts.fps))
        self.request_frame()
        self.refresh()

    def _on_training_started(self) -> None:
        self.request_frame(low_first=True)  # the live preview follows the shown time

    def _on_model_changed(self) -> None:
        self.request_frame()

    def _on_preview_ready(self, preview) -> None:
        if abs(preview.frame - self.position()) < 1e-6:
            self._set_model_image(preview.image, preview.frame, preview.step)

    def _on_frame_rendered(self, rendered: RenderedFrame) -> None:
        job = rendered.job
        family = "zoom" if job.tag == "zoom" else "frame"
        if job.request_id < self._latest.get(family, 0):
            return  # a newer request of this kind was answered already
        self._latest[family] = job.request_id
        if family == "zoom":
            if abs(job.frame - self.position()) < 1e-6 and self._detail_wanted():
                self.view.show_detail(rendered.image, job.region)
                self._detail_frame = job.frame
                self.detail_shown.emit(rendered)
            return
        if abs(job.frame - self.position()) > 1e-6:
            return
        if (job.tag == "frame-low" and self.model_image is not None
                and self.model_image_frame == job.frame
                and self.model_image.shape[0] > rendered.image.shape[0]
                and self.model_image_step >= rendered.step):
            return
        self._set_model_image(rendered.image, job.frame, rendered.step)
        self.frame_shown.emit(rendered)

    def _set_model_image(self, image: np.ndarray, frame: float, step: int) -> None:
        self.model_image = image
        self.model_image_frame = frame
        self.model_image_step = step
        self.refresh()

    # ------------------------------------------------------------------ requests
    def position(self) -> float:
        return self.time_bar.position()

    def set_position(self, value: float) -> None:
        self.time_bar.set_position(value)

    def _on_position_changed(self, _value: float) -> None:
        self.update_mask_overlay_now()
        self.view.clear_detail()
        self._detail_frame = None
        self.request_frame(low_first=True)
        self.refresh()

    def request_frame(self, low_first: bool = False) -> None:
        if not self.studio.can_render():
            return
        facts = self.studio.facts
        if low_first and max(facts.width, facts.height) > LOW_RES_SIDE:
            scale = LOW_RES_SIDE / max(facts.width, facts.height)
            size = (max(1, round(facts.width * scale)), max(1, round(facts.height * scale)))
            self.studio.request_render("frame-low", self.position(), None, size)
            self._request_full()
        else:
            self._request_full_now()

    def _request_full_now(self) -> None:
        if self.studio.can_render():
            self.studio.request_render("frame", self.position())
        self._request_detail()

    def _on_view_changed(self) -> None:
        self._update_zoom_label()
        self._request_detail()

    def _detail_wanted(self) -> bool:
        return (self.studio.can_render() and not self.compare.source_pixels.isChecked()
                and self.compare.current_mode() in ("Model", "Side by side"))

    def detail_request(self) -> tuple[tuple[float, float, float, float], tuple[int, int]] | None:
        """(region, size) to re-render for the current view, or None when the frame's own
        resolution is enough (not zoomed in)."""
        facts = self.studio.facts
        if facts is None:
            return None
        region = self.view.visible_region()
        size = self.view.screen_pixels(region)
        if size[0] <= region[2] * 1.05 and size[1] <= region[3] * 1.05:
            return None
        scale = min(1.0, MAX_DETAIL_SIDE / max(size))
        size = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
        return region, size

    def _request_detail_now(self) -> None:
        if not self._detail_wanted():
            self.view.clear_detail()
            return
        wanted = self.detail_request()
        if wanted is None:
            self.view.clear_detail()
            return
        region, size = wanted
        self._detail_job = self.studio.request_render("zoom", self.position(), region, size)

    def _update_zoom_label(self) -> None:
        region = self.view.visible_region()
        size = self.view.screen_pixels(region)
        self.compare.zoom_label.setText(f"x{size[0] / max(region[2], 1e-9):.1f}")

    def _on_compare_changed(self) -> None:
        self.view.set_side_visible(self.compare.current_mode() == "Side by side")
        if not self._detail_wanted():
            self.view.clear_detail()
        else:
            self._request_detail()
        self.refresh()

    # ------------------------------------------------------------------ mask
    def current_mask(self) -> np.ndarray | None:
        """The painted mask of the shown frame (nearest), or None."""
        masks = self.studio.masks
        if masks is None:
            return None
        return masks.frame(int(round(self.position())))

    def update_mask_overlay_now(self) -> None:
        mask = self.current_mask()
        if mask is not None:
            self.mask_layer.show_mask(mask)

    def _on_mask_changed(self) -> None:
        self.update_mask_overlay_now()
        self._refresh_throttled()

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        """Draw the current time in the current mode from what is at hand."""
        studio = self.studio
        if studio.facts is None:
            return
        position = self.position()
        source = studio.source_frame(position)
        # the source as training sees it (holes drawn) where the source itself is shown
        holed = source_with_holes(source, self.current_mask()) if source is not None else None
        model = self.model_image if self.model_image_frame == position else None
        if model is None and self.model_image is not None and studio.is_training:
            model = self.model_image  # the live preview of a nearby time beats nothing
        mode = self.compare.current_mode()
        kind = studio.frame_kind(position)
        shown_model = False
        if mode == "Source" or model is None:
            if holed is not None:
                self.view.show_base(holed)
            info = "source pixels" if source is not None else "no source clip: train or open"
            if model is None and studio.can_render():
                info = "rendering..."
        elif mode == "Error" and source is not None:
            self.view.show_base(error_heatmap(model, source))
            info = "|model - source| (nearest source frame)"
        else:
            self.view.show_base(model)
            shown_model = True
            info = f"model {model.shape[1]}x{model.shape[0]}, step {self.model_image_step}"
        if mode == "Side by side" and holed is not None:
            self.view.show_side(holed)
        if not shown_model:
            self.view.clear_detail()
        if kind == "source frame" or (not shown_model and abs(position - round(position)) > 1e-6):
            label = f"source frame {int(round(position))} (nearest)"
            colour = BADGE_COLOURS["source frame"] if kind == "source frame" else "#6a1b9a"
        else:
            label, colour = kind, BADGE_COLOURS.get(kind, "#444")
        self.time_bar.set_badge(label, colour)
        self.compare.info.setText(info)
        self._draw_patch_overlay(model, source, position)

    def _draw_patch_overlay(self, model, source, position: float) -> None:
        studio = self.studio
        if (not self.compare.patches.isChecked() or model is None or source is None
                or studio.model is None and studio.trainer is None and not studio.is_training):
            self.view.hide_patch_overlay()
            return
        patch = studio.run_config.model.patch_size
        if model.shape != source.shape:
            ys = np.arange(source.shape[0]) * model.shape[0] // source.shape[0]
            xs = np.arange(source.shape[1]) * model.shape[1] // source.shape[1]
            model = model[ys][:, xs]
        values = patch_psnr(model, source, patch)
        rows, cols = values.shape
        h, w = source.shape[:2]
        labels = [((c + 0.5) * patch if (c + 1) * patch <= w else (c * patch + w) / 2,
                   (r + 0.5) * patch if (r + 1) * patch <= h else (r * patch + h) / 2,
                   f"{min(values[r, c], 99.0):.1f}")
                  for r in range(rows) for c in range(cols)]
        t = np.clip((values - 20.0) / 20.0, 0.0, 1.0)
        colours = np.stack([(1 - t) * 255, t * 255, np.full_like(t, 40)], -1).astype(np.uint8)
        pixels = np.repeat(np.repeat(colours, patch, axis=0), patch, axis=1)[:h, :w]
        self.view.show_patch_overlay(pixels, (0, 0, w, h), labels)
