"""The picture: a pyqtgraph view of a frame (and optionally a second, linked one for side by
side), a detail layer for re-rendered zoom regions, and a per-patch PSNR overlay. Items are
created once; images are set with ``autoLevels=False``."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal

Region = tuple[float, float, float, float]


def _image_item(z: float) -> pg.ImageItem:
    item = pg.ImageItem(axisOrder="row-major")
    item.setZValue(z)
    return item


class FrameView(pg.GraphicsLayoutWidget):
    """Shows frames of a ``width`` x ``height`` clip in frame pixel coordinates (y down)."""

    view_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("#202124")
        self.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.ci.layout.setSpacing(4)
        self.main_box = self._make_box(0)
        self.side_box = self._make_box(1)
        self.side_box.setXLink(self.main_box)
        self.side_box.setYLink(self.main_box)
        self.base = _image_item(0)
        self.detail = _image_item(1)
        self.overlay = _image_item(2)
        self.side_base = _image_item(0)
        for item in (self.base, self.detail, self.overlay):
            self.main_box.addItem(item)
        self.side_box.addItem(self.side_base)
        self.overlay.setOpacity(0.35)
        self.overlay.hide()
        self.detail.hide()
        self.patch_labels: list[pg.TextItem] = []
        self.width_px, self.height_px = 1, 1
        self.set_side_visible(False)
        self.main_box.sigRangeChanged.connect(self._on_range_changed)

    def _make_box(self, col: int) -> pg.ViewBox:
        box = self.addViewBox(row=0, col=col, lockAspect=True, invertY=True, enableMenu=False)
        box.setBackgroundColor("#111")
        return box

    # ------------------------------------------------------------------ frame size
    def set_frame_size(self, width: int, height: int) -> None:
        self.width_px, self.height_px = int(width), int(height)
        rect = QRectF(0, 0, width, height)
        for item in (self.base, self.side_base):
            item.setRect(rect)
        self.clear_detail()
        self.reset_zoom()

    def reset_zoom(self) -> None:
        self.main_box.setRange(QRectF(0, 0, self.width_px, self.height_px), padding=0.01)

    def set_side_visible(self, visible: bool) -> None:
        self.side_box.setVisible(visible)
        self.ci.layout.setColumnStretchFactor(1, 1 if visible else 0)
        self.ci.layout.setColumnMaximumWidth(1, 1e6 if visible else 0)

    # ------------------------------------------------------------------ images
    def show_base(self, image: np.ndarray) -> None:
        """A whole frame at any resolution (stretched over the frame's rectangle)."""
        self.base.setImage(image, autoLevels=False, levels=(0, 255))
        self.base.setRect(QRectF(0, 0, self.width_px, self.height_px))

    def show_side(self, image: np.ndarray) -> None:
        self.side_base.setImage(image, autoLevels=False, levels=(0, 255))
        self.side_base.setRect(QRectF(0, 0, self.width_px, self.height_px))

    def show_detail(self, image: np.ndarray, region: Region) -> None:
        """A re-rendered region drawn over the frame at its place."""
        self.detail.setImage(image, autoLevels=False, levels=(0, 255))
        self.detail.setRect(QRectF(*region))
        self.detail.show()

    def clear_detail(self) -> None:
        self.detail.hide()

    # ------------------------------------------------------------------ patch overlay
    def show_patch_overlay(self, colours: np.ndarray, rect: Region, labels: list[tuple]) -> None:
        """colours: (rows, cols, 3) uint8; rect: where the patch grid lies (frame pixels);
        labels: (x, y, text) per patch, created once per grid and updated after."""
        self.overlay.setImage(colours, autoLevels=False, levels=(0, 255))
        self.overlay.setRect(QRectF(*rect))
        self.overlay.show()
        while len(self.patch_labels) < len(labels):
            text = pg.TextItem(color="w", anchor=(0.5, 0.5))
            text.setZValue(3)
            self.main_box.addItem(text)
            self.patch_labels.append(text)
        for text, (x, y, value) in zip(self.patch_labels, labels, strict=False):
            text.setText(value)
            text.setPos(x, y)
            text.show()
        for text in self.patch_labels[len(labels):]:
            text.hide()

    def hide_patch_overlay(self) -> None:
        self.overlay.hide()
        for text in self.patch_labels:
            text.hide()

    # ------------------------------------------------------------------ geometry
    def visible_region(self) -> Region:
        """The part of the frame inside the main view, in frame pixels (clipped)."""
        (x0, x1), (y0, y1) = self.main_box.viewRange()
        x0, y0 = max(0.0, x0), max(0.0, y0)
        x1, y1 = min(float(self.width_px), x1), min(float(self.height_px), y1)
        return (x0, y0, max(x1 - x0, 1e-3), max(y1 - y0, 1e-3))

    def screen_pixels(self, region: Region) -> tuple[int, int]:
        """On-screen device pixels the region covers in the main view."""
        (vx0, vx1), (vy0, vy1) = self.main_box.viewRange()
        rect = self.main_box.sceneBoundingRect()
        ratio = self.devicePixelRatioF()
        sx = rect.width() * ratio / max(vx1 - vx0, 1e-9)
        sy = rect.height() * ratio / max(vy1 - vy0, 1e-9)
        return max(1, round(region[2] * sx)), max(1, round(region[3] * sy))

    def _on_range_changed(self, *_args) -> None:
        self.view_changed.emit()
