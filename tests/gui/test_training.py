"""Training from the window: reports, previews, pause / resume / stop, closing while training."""

import time

from actinr_studio.train import events as ev


def test_clip_opens_into_viewer(loaded_window):
    window = loaded_window
    studio = window.studio
    assert studio.facts.num_frames == 8
    assert (studio.facts.width, studio.facts.height) == (96, 64)
    assert window.pages.currentWidget() is window.viewer
    assert window.viewer.time_bar.slider.maximum() == 7.0
    assert window.training_panel.start_button.isEnabled()
    assert window.recent_files()[0].endswith("disc.mp4")


def test_train_pause_resume_stop(loaded_window, qtbot, tiny_run):
    window = loaded_window
    studio = window.studio
    reports, previews = [], []
    studio.step_reported.connect(reports.append)
    studio.preview_ready.connect(previews.append)
    studio.start_training(tiny_run(steps=100_000))
    qtbot.waitUntil(lambda: len(reports) >= 2 and len(previews) > 0, timeout=20000)
    assert isinstance(reports[-1], ev.StepReport)
    assert previews[-1].image.dtype.name == "uint8" and previews[-1].image.ndim == 3
    assert not window.training_panel.start_button.isEnabled()

    with qtbot.waitSignal(studio.training_paused, timeout=5000,
                          check_params_cb=lambda paused: paused):
        window.training_panel.pause_button.click()
    count = len(reports)
    qtbot.wait(300)
    assert len(reports) <= count + 1  # at most one report was already on its way
    assert window.training_panel.resume_button.isEnabled()

    window.training_panel.resume_button.click()
    qtbot.waitUntil(lambda: len(reports) > count + 1, timeout=10000)

    with qtbot.waitSignal(studio.training_finished, timeout=20000) as blocker:
        window.training_panel.stop_button.click()
    assert blocker.args == ["stopped"]
    assert studio.model is not None and studio.step > 0
    assert window.save_action.isEnabled() and window.export_action.isEnabled()
    assert window.plots.series["loss"].n == len(reports)


def test_train_more_extends_the_run(loaded_window, qtbot, tiny_run):
    studio = loaded_window.studio
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        studio.start_training(tiny_run(steps=20))
    assert studio.step == 20
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        loaded_window.training_panel.more_steps.setValue(10)
        loaded_window.training_panel.more_button.click()
    assert studio.step == 30


def test_closing_while_training_stops_the_worker_fast(make_window, qtbot, clip_path, tiny_run):
    window = make_window()
    studio = window.studio
    with qtbot.waitSignal(studio.document_changed, timeout=10000):
        window.load_clip(str(clip_path))
    reports = []
    studio.step_reported.connect(reports.append)
    studio.start_training(tiny_run(steps=100_000))
    qtbot.waitUntil(lambda: len(reports) >= 1, timeout=20000)
    started = time.perf_counter()
    window.close()
    qtbot.waitUntil(lambda: not studio.is_training, timeout=1000)
    assert time.perf_counter() - started < 1.0
    assert studio.model_lock.acquire(timeout=1.0)
    studio.model_lock.release()


def test_slow_motion_training_fits_the_gop_to_the_training_frames(loaded_window, qtbot, tiny_run):
    import dataclasses

    studio = loaded_window.studio
    notices = []
    studio.notice_posted.connect(notices.append)
    run = dataclasses.replace(tiny_run(steps=10), task="interp-3")  # GOP 4, every 3rd frame
    with qtbot.waitSignal(studio.training_finished, timeout=30000):
        studio.start_training(run)
    assert studio.model.config.gop == 6
    assert studio.run_config.model.gop == 6
    assert any("GOP lengthened from 4 to 6" in n for n in notices)


def test_the_panel_shows_the_gop_the_training_uses(loaded_window, qtbot, tiny_run):
    import dataclasses

    window = loaded_window
    run = dataclasses.replace(tiny_run(steps=10), task="interp-3")  # GOP 4, every 3rd frame
    window.training_panel.gop.setValue(4)
    with qtbot.waitSignal(window.studio.training_finished, timeout=30000):
        window.training_panel.start_requested.emit(run)
    assert window.training_panel.gop.value() == 6
