"""Mask painting: strokes, undo / redo, frame scopes, PNG round trips, and the training loss mask
(the supervision the trainer gets, and SetMask while it runs)."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication


def _send(widget, kind, pos, buttons):
    event = QMouseEvent(kind, QPointF(pos), widget.mapToGlobal(QPointF(pos)),
                        Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag_on_frame(window, qtbot, points):
    """A real left-button drag over the viewer through frame-pixel ``points``."""
    view = window.viewer.view
    box = view.main_box
    viewport = view.viewport()

    def widget_pos(x, y):
        scene = box.mapViewToScene(QPointF(x, y))
        return view.mapFromScene(scene)

    left = Qt.MouseButton.LeftButton
    _send(viewport, QEvent.Type.MouseButtonPress, widget_pos(*points[0]), left)
    for x, y in points[1:]:
        _send(viewport, QEvent.Type.MouseMove, widget_pos(x, y), left)
    _send(viewport, QEvent.Type.MouseButtonRelease, widget_pos(*points[-1]),
          Qt.MouseButton.NoButton)
    qtbot.wait(50)


@pytest.fixture
def shown_window(loaded_window, qtbot):
    loaded_window.resize(1100, 700)
    loaded_window.show()
    qtbot.waitExposed(loaded_window)
    loaded_window.viewer.view.reset_zoom()
    qtbot.wait(50)
    return loaded_window


def test_stroke_paints_holes_and_undo_redo(shown_window, qtbot):
    window = shown_window
    panel, masks = window.mask_panel, window.studio.masks
    assert masks.shape == (8, 64, 96) and not masks.has_holes()
    panel.set_tool("brush")
    panel.size.setValue(3)
    drag_on_frame(window, qtbot, [(10, 32), (30, 32), (50, 32), (80, 32)])
    frame = masks.frame(0)
    # a continuous band of holes along the stroke (interpolated between the mouse events)
    assert not frame[32, 12:78].any()
    assert frame[10, :].all() and frame[55, :].all()
    assert masks.hole_count() == masks.hole_count(0)  # this frame only
    assert not window.viewer.mask_layer.image[32, 40]  # the overlay shows it
    window.mask_panel.undo()
    assert not masks.has_holes()
    window.mask_panel.redo()
    assert not masks.frame(0)[32, 40]
    panel.set_tool("eraser")
    panel.size.setValue(6)
    drag_on_frame(window, qtbot, [(40, 32), (41, 32)])
    assert masks.frame(0)[32, 40] and not masks.frame(0)[32, 20]
    panel.set_tool("none")  # the mouse pans again: a drag paints nothing
    before = masks.data.copy()
    drag_on_frame(window, qtbot, [(20, 10), (60, 50)])
    np.testing.assert_array_equal(masks.data, before)


def test_fast_stroke_has_no_gaps_and_brush_keys(loaded_window):
    panel, masks = loaded_window.mask_panel, loaded_window.studio.masks
    panel.set_tool("brush")
    panel.size.setValue(2)
    painter = panel.painter
    painter.press(2, 5)
    painter.move(93, 60)  # one far jump
    painter.release(93, 60)
    t = np.linspace(0, 1, 200)
    xs, ys = (2 + 91 * t).astype(int), (5 + 55 * t).astype(int)
    assert not masks.frame(0)[ys, xs].any()
    size = panel.size.value()
    panel.grow(1)
    assert panel.size.value() > size
    panel.grow(-1)
    panel.grow(-1)
    assert panel.size.value() < size


def test_range_all_rectangle_fill_and_clear(loaded_window):
    window = loaded_window
    panel, masks = window.mask_panel, window.studio.masks
    panel.scope.setCurrentText("Frame range")
    panel.first.setValue(2)
    panel.last.setValue(4)
    panel.set_tool("rect")
    panel.painter.press(10, 10)
    panel.painter.move(20, 30)
    panel.painter.release(20, 30)
    holes = [masks.hole_count(i) for i in range(8)]
    assert holes == [0, 0, 200, 200, 200, 0, 0, 0]  # 10 x 20 pixels on frames 2..4
    assert not masks.frame(3)[10:30, 10:20].any()
    panel.scope.setCurrentText("All frames")
    panel.fill(False)
    assert masks.hole_count() == 8 * 64 * 96
    panel.undo()
    assert [masks.hole_count(i) for i in range(8)] == holes
    panel.scope.setCurrentText("This frame")
    window.viewer.set_position(3.0)
    panel.fill(True)
    assert [masks.hole_count(i) for i in range(8)] == [0, 0, 200, 0, 200, 0, 0, 0]


def test_png_export_and_import(loaded_window, tmp_path):
    panel, masks = loaded_window.mask_panel, loaded_window.studio.masks
    masks.stamp(slice(1, 2), (20, 20), (60, 40), 5, False)
    masks.fill_rect(slice(5, 6), 0, 0, 30, 20, False)
    painted = masks.data.copy()
    written = panel.export_png(str(tmp_path / "masks"), per_frame=True)
    assert len(written) == 8
    panel.scope.setCurrentText("All frames")
    panel.fill(True)
    assert not masks.has_holes()
    panel.import_png(str(tmp_path / "masks"))
    np.testing.assert_array_equal(masks.data, painted)
    # one PNG for every frame: the current frame's mask
    loaded_window.viewer.set_position(1.0)
    (single,) = panel.export_png(str(tmp_path / "one.png"), per_frame=False)
    panel.import_png(str(single))
    for i in range(8):
        np.testing.assert_array_equal(masks.frame(i), painted[1])
    panel.undo()
    np.testing.assert_array_equal(masks.data, painted)


def test_source_view_shows_the_holes(loaded_window):
    viewer, masks = loaded_window.viewer, loaded_window.studio.masks
    masks.fill_rect(slice(0, 8), 0, 0, 16, 16, False)
    loaded_window.mask_panel.finish_edit()
    viewer.compare.mode.setCurrentText("Source")
    viewer.refresh()
    shown = viewer.view.base.image
    source = loaded_window.studio.clip.frames[0]
    assert np.isin(shown[:16, :16], (40, 70)).all()
    np.testing.assert_array_equal(shown[20:, 20:], source[20:, 20:])


def test_training_excludes_holes_and_follows_edits(loaded_window, qtbot, tiny_run):
    window = loaded_window
    studio, masks, panel = window.studio, window.studio.masks, window.mask_panel
    masks.fill_rect(slice(0, 8), 0, 0, 32, 32, False)
    panel.finish_edit()
    with qtbot.waitSignal(studio.step_reported, timeout=20000):
        studio.start_training(tiny_run(steps=100000))
    sampler = studio.session.trainer.sampler
    top, _bottom, left, _right = studio.session.trainer.model.grid.padding
    mask = sampler.mask.cpu().numpy()
    assert mask.shape[0] == 1  # the same holes in every frame: one shared mask
    assert not mask[0, top:top + 32, left:left + 32].any()
    assert mask[0, top + 40, left + 40]
    # an edit while training reaches the trainer at its next step (no restart)
    session = studio.session
    panel.scope.setCurrentText("Frame range")
    panel.first.setValue(0)
    panel.last.setValue(3)
    panel.set_tool("brush")
    panel.painter.press(70, 50)
    panel.painter.release(70, 50)
    qtbot.waitUntil(lambda: sampler.mask.shape[0] == 8, timeout=10000)
    new = sampler.mask.cpu().numpy()[:, top:, left:]
    assert not new[0, 50, 70] and not new[3, 50, 70] and new[4, 50, 70]
    assert not new[6, :32, :32].any()
    assert studio.session is session and studio.is_training
    with qtbot.waitSignal(studio.training_finished, timeout=20000):
        studio.stop_training()


def test_masks_are_saved_with_the_model(loaded_window, make_window, qtbot, tiny_run, tmp_path):
    studio, masks = loaded_window.studio, loaded_window.studio.masks
    masks.stamp(slice(2, 5), (10, 10), (50, 30), 4, False)
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        studio.start_training(tiny_run(steps=10))
    loaded_window.save_model(str(tmp_path / "m.pt"))
    other = make_window()
    other.open_path(str(tmp_path / "m.pt"))
    np.testing.assert_array_equal(other.studio.masks.data, masks.data)
    assert other.studio.painted_mask().shape == (8, 64, 96)


def test_train_more_takes_the_mask_edited_in_between(loaded_window, qtbot, tiny_run):
    studio, masks = loaded_window.studio, loaded_window.studio.masks
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        studio.start_training(tiny_run(steps=5))
    sampler = studio.trainer.sampler
    assert sampler.mask.cpu().numpy().all()
    masks.fill_rect(slice(0, 8), 40, 20, 60, 40, False)
    loaded_window.mask_panel.finish_edit()
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        studio.train_more(5)
    top, _b, left, _r = studio.model.grid.padding
    assert not sampler.mask.cpu().numpy()[0, top + 30, left + 50]
