"""Items drawn over the frame for the mask and inspector tools: the translucent mask layer (which
also takes the mouse while a tool is active), the brush outline, the rectangle rubber band,
the patch grid with the chosen patches, and the motion heat map. Created once, updated in
place."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsRectItem

HOLE_RGBA = (255, 40, 90, 255)


def source_with_holes(source: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The source frame as training sees it: holes drawn as a dark checkerboard."""
    if mask is None or mask.shape != source.shape[:2] or mask.all():
        return source
    out = source.copy()
    ys, xs = np.nonzero(~mask)
    out[ys, xs] = np.where((((ys // 8) + (xs // 8)) % 2 == 0)[:, None], 40, 70).astype(np.uint8)
    return out


class MaskLayer(pg.ImageItem):
    """Shows a (H, W) bool mask with holes in colour (the rest transparent) and hands mouse
    drags and clicks to ``drag_handler`` / ``click_handler`` when they are set (otherwise the
    view pans and zooms as usual).

    drag_handler: object with ``press(x, y)``, ``move(x, y)``, ``release(x, y)`` in frame pixels.
    click_handler: callable ``(x, y, modifiers)``.
    """

    def __init__(self):
        super().__init__(axisOrder="row-major")
        self.setZValue(2.5)
        lut = np.array([HOLE_RGBA, (0, 0, 0, 0)], np.uint8)
        self.setLookupTable(lut)
        self.setOpacity(0.5)
        self.drag_handler = None
        self.click_handler = None
        self._frame_rect = QRectF(0, 0, 1, 1)
        self._dragging = False

    def set_frame_rect(self, width: int, height: int) -> None:
        self._frame_rect = QRectF(0, 0, width, height)
        self.setRect(self._frame_rect)

    def show_mask(self, mask: np.ndarray) -> None:
        """(H, W) bool, True = supervised. No copy: a uint8 view of the mask."""
        self.setImage(mask.view(np.uint8), autoLevels=False, levels=(0, 1))
        self.setRect(self._frame_rect)

    def _frame_pos(self, scene_pos) -> tuple[float, float]:
        point = self.getViewBox().mapSceneToView(scene_pos)
        return float(point.x()), float(point.y())

    def mouseDragEvent(self, event) -> None:  # noqa: N802 (pyqtgraph override)
        handler = self.drag_handler
        if handler is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        if event.isStart():
            self._dragging = True
            handler.press(*self._frame_pos(event.buttonDownScenePos()))
        if not self._dragging:
            return
        x, y = self._frame_pos(event.scenePos())
        if event.isFinish():
            self._dragging = False
            handler.release(x, y)
        else:
            handler.move(x, y)

    def mouseClickEvent(self, event) -> None:  # noqa: N802 (pyqtgraph override)
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        x, y = self._frame_pos(event.scenePos())
        if self.drag_handler is not None:
            event.accept()
            self.drag_handler.press(x, y)
            self.drag_handler.release(x, y)
        elif self.click_handler is not None:
            event.accept()
            self.click_handler(x, y, event.modifiers())
        else:
            event.ignore()


class ToolOutlines:
    """The brush circle and the rectangle rubber band (created once, shown while used)."""

    def __init__(self, box: pg.ViewBox):
        pen = QPen(QColor(255, 255, 255, 220))
        pen.setCosmetic(True)
        pen.setWidthF(1.5)
        self.brush = QGraphicsEllipseItem()
        self.rect = QGraphicsRectItem()
        for item in (self.brush, self.rect):
            item.setPen(pen)
            item.setZValue(4)
            item.hide()
            box.addItem(item)

    def show_brush(self, x: float, y: float, radius: float) -> None:
        self.brush.setRect(QRectF(QPointF(x - radius, y - radius),
                                  QPointF(x + radius, y + radius)))
        self.brush.show()

    def show_rect(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.rect.setRect(QRectF(QPointF(min(x0, x1), min(y0, y1)),
                                 QPointF(max(x0, x1), max(y0, y1))))
        self.rect.show()

    def hide(self) -> None:
        self.brush.hide()
        self.rect.hide()


def cell_rect(grid) -> tuple[float, float, float]:
    """(x0, y0, stride): patch (r, c) is shown as the stride-sized cell whose top-left corner is
    (x0 + c * stride, y0 + r * stride), centred on the patch's tile (also with overlap)."""
    stride = grid.rows.stride
    x0 = grid.cols.origin + grid.patch / 2 - stride / 2
    y0 = grid.rows.origin + grid.patch / 2 - stride / 2
    return x0, y0, stride


def patch_at(grid, x: float, y: float) -> tuple[int, int]:
    """The patch (row, col) whose cell holds frame position (x, y)."""
    x0, y0, stride = cell_rect(grid)
    rows, cols = grid.shape
    return (int(np.clip(np.floor((y - y0) / stride), 0, rows - 1)),
            int(np.clip(np.floor((x - x0) / stride), 0, cols - 1)))


PICK_COLOURS = ["#ffb300", "#00e5ff", "#76ff03", "#ff4081", "#b388ff", "#ff6e40", "#64ffda",
                "#eeff41"]


class PatchGridOverlay:
    """The patch grid lines, the chosen patches' outlines, and an optional heat map."""

    def __init__(self, box: pg.ViewBox):
        self.lines = pg.PlotCurveItem(pen=pg.mkPen((255, 255, 255, 110), width=1),
                                      connect="pairs")
        self.lines.setZValue(3)
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setZValue(2.2)
        self.heat.setOpacity(0.45)
        self.picks: list[QGraphicsRectItem] = []
        self.box = box
        box.addItem(self.lines)
        box.addItem(self.heat)
        self.heat.hide()
        self.lines.hide()
        self._grid = None

    def set_grid(self, grid, width: int, height: int) -> None:
        self._grid = grid
        x0, y0, stride = cell_rect(grid)
        rows, cols = grid.shape
        xs = np.clip(x0 + np.arange(cols + 1) * stride, 0, width)
        ys = np.clip(y0 + np.arange(rows + 1) * stride, 0, height)
        px = np.concatenate([np.repeat(xs, 2), np.tile([0, width], rows + 1)])
        py = np.concatenate([np.tile([0, height], cols + 1), np.repeat(ys, 2)])
        self.lines.setData(px.astype(float), py.astype(float))

    def set_visible(self, visible: bool) -> None:
        self.lines.setVisible(visible and self._grid is not None)
        if not visible:
            self.heat.hide()
            for item in self.picks:
                item.hide()

    def show_picks(self, patches: list[tuple[int, int]]) -> None:
        if self._grid is None:
            return
        x0, y0, stride = cell_rect(self._grid)
        while len(self.picks) < len(patches):
            item = QGraphicsRectItem()
            item.setZValue(3.5)
            self.box.addItem(item)
            self.picks.append(item)
        for i, (item, (r, c)) in enumerate(zip(self.picks, patches, strict=False)):
            pen = QPen(QColor(PICK_COLOURS[i % len(PICK_COLOURS)]))
            pen.setCosmetic(True)
            pen.setWidthF(2.5)
            item.setPen(pen)
            item.setRect(QRectF(x0 + c * stride, y0 + r * stride, stride, stride))
            item.show()
        for item in self.picks[len(patches):]:
            item.hide()

    def show_heat(self, scores: np.ndarray | None, width: int = 0, height: int = 0) -> None:
        """scores (rows, cols) >= 0 as a black-red-yellow map over the frame's pixels (the
        cells clipped to the frame); None hides it."""
        if scores is None or self._grid is None:
            self.heat.hide()
            return
        top = float(scores.max()) if scores.size else 0.0
        v = np.clip(scores / top, 0.0, 1.0) if top > 0 else np.zeros_like(scores)
        rgb = np.stack([np.clip(v * 2, 0, 1), np.clip(v * 2 - 1, 0, 1), np.zeros_like(v)], -1)
        colours = (rgb * 255).astype(np.uint8)
        width = width or self._grid.width
        height = height or self._grid.height
        x0, y0, stride = cell_rect(self._grid)
        rows, cols = scores.shape
        r = np.clip(np.floor((np.arange(height) + 0.5 - y0) / stride), 0, rows - 1).astype(int)
        c = np.clip(np.floor((np.arange(width) + 0.5 - x0) / stride), 0, cols - 1).astype(int)
        self.heat.setImage(colours[r][:, c], autoLevels=False, levels=(0, 255))
        self.heat.setRect(QRectF(0, 0, width, height))
        self.heat.show()
