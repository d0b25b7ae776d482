"""Export through the dialog, save / open a model, the open dialog's estimate, settings."""

from pathlib import Path

import pytest

from actinr_studio.video import probe_clip


@pytest.fixture
def trained_window(loaded_window, qtbot, tiny_run):
    studio = loaded_window.studio
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        studio.start_training(tiny_run(steps=20))
    return loaded_window


def test_export_dialog_writes_frames(trained_window, qtbot, tmp_path):
    dialog = trained_window.show_export()
    assert dialog is not None
    dialog.end.setValue(2.0)
    dialog.amount.setValue(2.0)  # slow motion x2: 0, 0.5, ..., 2.0
    dialog.scale.setValue(0.5)
    out = tmp_path / "out.mp4"
    dialog.path.setText(str(out))
    plan = dialog.plan()
    assert plan.frame_count == 5 and (plan.width, plan.height) == (48, 32)
    assert "5 frames" in dialog.estimate.text()
    with qtbot.waitSignal(dialog.export_finished, timeout=20000):
        dialog.start_export()
    assert out.is_file()
    info = probe_clip(out)
    assert (info.width, info.height) == (48, 32)
    assert dialog.progress.value() == 5
    qtbot.waitUntil(lambda: not dialog.is_exporting, timeout=5000)


def test_export_cancel_leaves_no_file(trained_window, qtbot, tmp_path):
    dialog = trained_window.show_export()
    dialog.amount.setValue(200.0)
    dialog.codec.setCurrentIndex(2)  # PNG sequence
    out = tmp_path / "frames"
    dialog.path.setText(str(out))
    dialog.cancel_export()  # a cancel before the first frame is seen at once
    with qtbot.waitSignal(dialog.export_failed, timeout=20000) as blocker:
        dialog.start_export()
        dialog.cancel_export()
    assert blocker.args == ["cancelled"]
    assert not out.exists()


def test_export_estimate_reports_bad_settings(trained_window):
    dialog = trained_window.show_export()
    dialog.start.setValue(5.0)
    dialog.end.setValue(1.0)
    assert dialog.plan_error is not None
    assert not dialog.export_button.isEnabled()


def test_save_and_open_model_without_clip(trained_window, make_window, qtbot, tmp_path):
    path = tmp_path / "model.pt"
    trained_window.save_model(str(path))
    assert path.is_file()
    window = make_window()
    window.open_path(str(path))
    studio = window.studio
    assert studio.clip is None
    assert (studio.facts.num_frames, studio.facts.width, studio.facts.height) == (8, 96, 64)
    assert studio.step == 20
    assert window.export_action.isEnabled()
    viewer = window.viewer
    with qtbot.waitSignal(viewer.frame_shown, timeout=10000,
                          check_params_cb=lambda r: r.job.tag == "frame"
                          and abs(r.job.frame - 4.5) < 1e-9):
        viewer.set_position(4.5)
    assert viewer.model_image.shape == (64, 96, 3)


def test_open_dialog_shows_facts_and_estimate(qtbot, clip_path):
    from actinr_studio.gui.open_dialog import OpenClipDialog

    dialog = OpenClipDialog(str(clip_path))
    qtbot.addWidget(dialog)
    assert "96x64" in dialog.facts.text() and "8 frames" in dialog.facts.text()
    assert dialog.choice() == (0, 8, 1.0)
    qtbot.waitUntil(lambda: dialog.last_estimate is not None, timeout=30000)
    assert dialog.last_estimate.memory_bytes > 0
    assert dialog.last_estimate.seconds_per_1000_steps > 0
    assert "per 1000 steps" in dialog.estimate.text()


def test_start_screen_and_bad_file(make_window, tmp_path):
    window = make_window()
    assert window.pages.currentWidget() is window.start_screen
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a model")
    window.open_path(str(bad))
    assert "not an actinr-studio model" in window.statusBar().currentMessage()
    assert window.studio.facts is None


def test_settings_keep_recent_files(make_window, settings, tmp_path):
    window = make_window()
    for name in ("a.mp4", "b.mp4"):
        window._remember(str(tmp_path / name))
    assert [Path(p).name for p in window.recent_files()] == ["b.mp4", "a.mp4"]
    assert Path(settings.fileName()).parent == tmp_path
    assert len(window.recent_menu.actions()) == 2
