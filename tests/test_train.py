"""The training loop (a generator driven by commands) and pixel sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actinr_studio.errors import UserError
from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.train import PixelSampler, Supervision, TrainConfig, Trainer
from actinr_studio.train import events as ev
from actinr_studio.train.loop import masked_mse
from actinr_studio.train.metrics import mse_to_psnr, psnr, psnr_per_frame
from actinr_studio.video import moving_disc

MODEL = ModelConfig(patch_size=8, hidden=4, gop=4, rff_features=8, latent_dim=4)


def make_trainer(clip, steps=30, train_frames=None, model_config=MODEL, **overrides) -> Trainer:
    n = clip.num_frames
    train = np.ones(n, bool) if train_frames is None else train_frames
    sup = Supervision(clip.frames, train, scored_frames=np.ones(n, bool))
    fields = dict(
        steps=steps, batch_pixels=512, late_from=1.0, eval_every=0, preview_every=0,
        report_every=5, device="cpu",
    )
    fields.update(overrides)
    model = ActINR(model_config, clip.height, clip.width, n)
    return Trainer(model, sup, TrainConfig(**fields))


# ------------------------------------------------------------------------------ the loop
def test_run_yields_notice_reports_evaluation_and_finished(tiny_clip) -> None:
    trainer = make_trainer(tiny_clip, steps=30, eval_every=10, preview_every=1e-9)
    events = list(trainer.run())
    assert isinstance(events[0], ev.Notice)
    reports = [e for e in events if isinstance(e, ev.StepReport)]
    assert [r.step for r in reports] == [5, 10, 15, 20, 25, 30]
    assert all(r.total_steps == 30 and math.isfinite(r.loss) for r in reports)
    assert all(r.lr <= 5e-3 for r in reports)
    assert [r.lr for r in reports] == sorted([r.lr for r in reports], reverse=True)
    assert [r.epoch for r in reports] == sorted(r.epoch for r in reports)
    assert reports[-1].seconds >= reports[0].seconds > 0
    evaluations = [e for e in events if isinstance(e, ev.Evaluation)]
    assert [e.step for e in evaluations] == [10, 20, 30, 30]
    last = evaluations[-1]
    assert last.heldout_psnr is None and math.isfinite(last.train_psnr)
    assert len(last.frames) == len(last.frame_psnr) <= 8
    previews = [e for e in events if isinstance(e, ev.Preview)]
    assert previews and previews[0].image.shape == (24, 40, 3)
    assert previews[0].image.dtype == np.uint8
    assert isinstance(events[-1], ev.Finished)
    assert events[-1].reason == "done" and events[-1].step == 30
    assert trainer.step == 30


def test_heldout_frames_are_scored_separately(tiny_clip) -> None:
    train = np.arange(tiny_clip.num_frames) % 2 == 0
    trainer = make_trainer(tiny_clip, steps=5, train_frames=train)
    evaluation = [e for e in trainer.run() if isinstance(e, ev.Evaluation)][-1]
    assert evaluation.heldout_psnr is not None
    assert set(evaluation.frames) == set(range(tiny_clip.num_frames))


def drive(gen, first_command, until):
    """Send ``first_command`` and pull events until one matches ``until``; returns them all."""
    seen = [gen.send(first_command)]
    while not until(seen[-1]):
        seen.append(next(gen))
    return seen


def test_pause_resume_and_stop(tiny_clip) -> None:
    trainer = make_trainer(tiny_clip, steps=10_000, report_every=1)
    gen = trainer.run()
    assert isinstance(next(gen), ev.Notice)
    report = next(gen)
    assert isinstance(report, ev.StepReport) and report.step == 1
    events = drive(gen, ev.Pause(), lambda e: isinstance(e, ev.Paused))
    paused_at = events[-1].step
    # While paused the generator keeps yielding Paused and trains nothing.
    for _ in range(3):
        event = next(gen)
        assert isinstance(event, ev.Paused) and event.step == paused_at
    assert trainer.step == paused_at
    events = drive(gen, ev.Resume(), lambda e: isinstance(e, ev.StepReport))
    assert events[-1].step == paused_at + 1
    events = drive(gen, ev.Stop(), lambda e: isinstance(e, ev.Finished))
    assert events[-1].reason == "stopped"
    assert trainer.step < 10_000
    assert any(isinstance(e, ev.Evaluation) for e in events)
    with pytest.raises(StopIteration):
        next(gen)


def test_stop_while_paused(tiny_clip) -> None:
    gen = make_trainer(tiny_clip, steps=100, report_every=1).run()
    next(gen), next(gen)
    drive(gen, ev.Pause(), lambda e: isinstance(e, ev.Paused))
    events = drive(gen, ev.Stop(), lambda e: isinstance(e, ev.Finished))
    assert events[-1].reason == "stopped"


def test_render_request_returns_rendered_image(tiny_clip) -> None:
    gen = make_trainer(tiny_clip, steps=100, report_every=1).run()
    next(gen), next(gen)
    request = ev.RenderRequest(frame=2.5, region=(4.0, 2.0, 20.0, 10.0), size=(30, 15),
                               request_id=42)
    events = drive(gen, request, lambda e: isinstance(e, ev.Rendered))
    rendered = events[-1]
    assert rendered.request_id == 42 and rendered.frame == 2.5
    assert rendered.region == (4.0, 2.0, 20.0, 10.0)
    assert rendered.image.shape == (15, 30, 3) and rendered.image.dtype == np.uint8
    full = drive(gen, ev.RenderRequest(frame=0.0), lambda e: isinstance(e, ev.Rendered))[-1]
    assert full.image.shape == (24, 40, 3)
    gen.close()


def test_extend_steps(tiny_clip) -> None:
    trainer = make_trainer(tiny_clip, steps=10, report_every=5)
    gen = trainer.run()
    next(gen)
    report = next(gen)
    assert report.step == 5 and report.total_steps == 10
    events = drive(gen, ev.ExtendSteps(7), lambda e: isinstance(e, ev.Finished))
    assert events[-1].step == 17 and events[-1].reason == "done"
    assert trainer.step == 17
    assert [e.total_steps for e in events if isinstance(e, ev.StepReport)][-1] == 17


def test_time_budget_stops_the_run(tiny_clip, monkeypatch) -> None:
    from actinr_studio.train import loop

    ticks = iter(range(10**9))
    # A fake clock (0.01 s per reading) makes the budget independent of the machine's load.
    monkeypatch.setattr(loop.time, "perf_counter", lambda: next(ticks) * 0.01)
    trainer = make_trainer(tiny_clip, steps=1, time_budget=0.5, report_every=1)
    events = list(trainer.run())
    finished = events[-1]
    assert isinstance(finished, ev.Finished) and finished.reason == "budget"
    assert 0.5 <= trainer.seconds < 0.6
    assert trainer.step > 1  # 'steps' does not limit a budgeted run
    reports = [e for e in events if isinstance(e, ev.StepReport)]
    # The learning rate decays on elapsed time, towards lr * 0.1 at the end of the budget.
    assert reports[-1].lr < reports[0].lr
    assert reports[-1].lr == pytest.approx(5e-3 * 0.1 ** (reports[-2].seconds / 0.5), rel=0.05)


def test_nan_guard_restores_and_lowers_the_learning_rate(tiny_clip) -> None:
    trainer = make_trainer(tiny_clip, steps=40, report_every=1, guard_every=10)
    gen = trainer.run()
    next(gen)
    event = next(gen)
    while not (isinstance(event, ev.StepReport) and event.step == 12):
        event = next(gen)
    lr_before = event.lr
    with torch.no_grad():
        trainer.model.frame_nets.w1.fill_(float("nan"))
    notice = next(gen)
    assert isinstance(notice, ev.Notice) and "non-finite" in notice.message
    # Restored to the snapshot of step 10: every parameter is finite again.
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    rest = list(gen)
    reports = [e for e in rest if isinstance(e, ev.StepReport)]
    assert reports[0].step == 13
    assert lr_before == pytest.approx(5e-3 * 0.1 ** (11 / 40), rel=1e-6)
    assert reports[0].lr == pytest.approx(5e-3 * 0.5 * 0.1 ** (12 / 40), rel=1e-6)
    assert all(math.isfinite(r.loss) for r in reports)
    assert rest[-1].reason == "done" and trainer.step == 40


def test_time_smoothness_straightens_the_bias_trajectories(tiny_clip) -> None:
    train = np.arange(tiny_clip.num_frames) % 2 == 0
    curvature = {}
    for weight in (0.0, 10.0):
        torch.manual_seed(0)
        trainer = make_trainer(tiny_clip, steps=150, train_frames=train, time_smoothness=weight)
        # Times straddle the held-out frames: h is half the 2-frame spacing, i.e. one frame.
        assert trainer._smoothness.step == pytest.approx(1 / (tiny_clip.num_frames - 1))
        events = list(trainer.run())
        reports = [e for e in events if isinstance(e, ev.StepReport)]
        assert all(math.isfinite(r.loss) for r in reports)
        torch.manual_seed(1)
        with torch.no_grad():
            curvature[weight] = float(
                sum(trainer._bias_curvature() for _ in range(20)) / 20
            )
    assert curvature[10.0] < 0.5 * curvature[0.0]


def test_smoothness_times_stay_in_each_units_gop(tiny_clip) -> None:
    trainer = make_trainer(tiny_clip, steps=1)
    times = trainer._smoothness.sample(torch.Generator().manual_seed(0))
    model = trainer.model
    assert times.shape == (model.units, 3)
    centre = times[:, 1]
    gop = torch.arange(model.units) // model.patches
    start = gop * model.config.gop / (tiny_clip.num_frames - 1)
    end = torch.clamp((gop + 1) * model.config.gop, max=tiny_clip.num_frames - 1) / (
        tiny_clip.num_frames - 1
    )
    assert bool(((centre >= start - 1e-6) & (centre <= end + 1e-6)).all())
    assert torch.allclose(times[:, 2] - times[:, 1], times[:, 1] - times[:, 0])


# ------------------------------------------------------------------------------ sampling
def sample_pixels(sampler: PixelSampler, model: ActINR, frames_per_unit=3, points=40):
    """Samples with the frame pixel each one came from: (unit, frame, y, x) arrays."""
    local, t, target, weight = sampler.sample(frames_per_unit, points)
    u, k, m = weight.shape
    p = model.grid.patch
    top, _, left, _ = model.grid.padding
    r = torch.round((local + 1) * (p - 1) / 2).long()
    patch = torch.arange(u) % model.patches
    cols = model.grid.cols.count
    y = (patch // cols * model.grid.rows.stride)[:, None, None] + r[..., 1] - top
    x = (patch % cols * model.grid.cols.stride)[:, None, None] + r[..., 0] - left
    frame = torch.round(t * (model.num_frames - 1)).long()
    return (local, t, target, weight, frame, y, x)


@pytest.mark.parametrize("overlap", [False, True])
def test_sampler_draws_only_training_frames_of_each_units_gop(overlap) -> None:
    clip = moving_disc(num_frames=13, height=20, width=28)
    config = ModelConfig(patch_size=8, hidden=4, gop=4, rff_features=4, latent_dim=2,
                         overlap=overlap)
    model = ActINR(config, 20, 28, 13)
    train = np.zeros(13, bool)
    train[[0, 2, 4, 5, 8, 12]] = True
    sampler = PixelSampler(model, Supervision(clip.frames, train), torch.device("cpu"), seed=1)
    seen = set()
    for _ in range(20):
        local, t, target, weight, frame, y, x = sample_pixels(sampler, model)
        assert local.shape[-1] == 2 and (local.abs() <= 1 + 1e-6).all()
        assert torch.allclose(t * 12, frame.float(), atol=1e-5)
        frames = frame.numpy()
        assert train[frames].all(), "a held-out frame was sampled"
        gop = (np.arange(model.units) // model.patches)[:, None]
        assert np.all((frames >= gop * 4) & (frames <= gop * 4 + 4))
        seen.update(frames.ravel().tolist())
        # Targets are the clip's pixels wherever the sample lies inside the frame.
        inside = ((y >= 0) & (y < 20) & (x >= 0) & (x < 28))[:, :, :, None].expand_as(target)
        fr = frame[..., None].expand_as(y)
        expected = clip.frames[fr.numpy(), y.clamp(0, 19).numpy(), x.clamp(0, 27).numpy()]
        expected = torch.as_tensor(expected).float() / 255
        torch.testing.assert_close(target[inside], expected[inside], atol=1e-6, rtol=0)
        # Samples on the padding outside the frame are never supervised.
        outside = ~inside[..., 0]
        assert (weight[outside] == 0).all()
    assert seen == {0, 2, 4, 5, 8, 12}


@pytest.mark.parametrize("per_frame", [False, True])
def test_sampler_gives_masked_pixels_zero_weight(per_frame) -> None:
    clip = moving_disc(num_frames=5, height=16, width=24)
    model = ActINR(MODEL, 16, 24, 5)
    mask = np.ones((16, 24), bool)
    mask[4:12, 6:18] = False
    if per_frame:
        mask = np.repeat(mask[None], 5, axis=0)
        mask[3] = True  # frame 3 has no hole
    sup = Supervision(clip.frames, np.ones(5, bool), pixel_mask=mask)
    sampler = PixelSampler(model, sup, torch.device("cpu"), seed=2)
    holes = 0
    for _ in range(10):
        _, _, _, weight, frame, y, x = sample_pixels(sampler, model)
        f = frame[..., None].numpy()
        m = mask[f, y.numpy(), x.numpy()] if per_frame else mask[y.numpy(), x.numpy()]
        m = torch.as_tensor(m)
        assert (weight[~m] == 0).all()
        assert (weight[m] == 1).all()
        holes += int((~m).sum())
    assert holes > 0
    # set_mask replaces the mask (here: no mask, every in-frame pixel supervised).
    sampler.set_mask(None)
    _, _, _, weight, *_ = sample_pixels(sampler, model)
    assert (weight == 1).all()


def test_points_per_frame() -> None:
    clip = moving_disc(num_frames=5, height=16, width=24)
    model = ActINR(MODEL, 16, 24, 5)
    sampler = PixelSampler(model, Supervision(clip.frames, np.ones(5, bool)), torch.device("cpu"))
    assert model.units == 6
    assert sampler.points_per_frame(6000, 2, 16) == 500
    assert sampler.points_per_frame(10, 1, 16) == 16


def test_supervision_validation() -> None:
    frames = np.zeros((4, 8, 8, 3), np.uint8)
    with pytest.raises(UserError):
        Supervision(frames, np.zeros(4, bool))
    with pytest.raises(UserError):
        Supervision(frames.astype(np.float32), np.ones(4, bool))
    with pytest.raises(UserError):
        Supervision(frames, np.ones(4, bool), pixel_mask=np.ones((8, 9), bool))
    with pytest.raises(UserError):
        PixelSampler(ActINR(MODEL, 8, 10, 4), Supervision(frames, np.ones(4, bool)), "cpu")
    sup = Supervision(frames, np.array([1, 0, 1, 0], bool))
    assert sup.heldout_frames.tolist() == [False, True, False, True]
    assert sup.clean is frames


@pytest.mark.parametrize(
    "bad",
    [{"steps": 0}, {"time_budget": 0}, {"lr": 0}, {"lr": 1.5}, {"lr_final_ratio": 0},
     {"batch_pixels": 0}, {"late_from": 1.5}, {"threads": 0}, {"time_smoothness": -1.0},
     {"time_smoothness": float("nan")}],
)
def test_train_config_rejects_bad_values(bad) -> None:
    with pytest.raises(UserError):
        TrainConfig(**bad)


# ------------------------------------------------------------------------------ metrics
def test_metrics() -> None:
    a = np.zeros((2, 4, 4, 3), np.uint8)
    b = a.copy()
    b[1] = 255
    per = psnr_per_frame(a, b)
    assert per[0] == pytest.approx(120.0) and per[1] == pytest.approx(0.0)
    assert psnr(a, b) == pytest.approx(60.0)
    assert mse_to_psnr(0.01) == pytest.approx(20.0)
    pred = torch.zeros(2, 1, 3, 3)
    target = torch.ones(2, 1, 3, 3)
    weight = torch.tensor([[[1.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]]])
    assert float(masked_mse(pred, target, weight)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        psnr_per_frame(a, b[:, :2])


# ------------------------------------------------------------------------------ real footage
def test_bundled_sample_clip_trains(sample_clip_path) -> None:
    from fractions import Fraction

    from actinr_studio.tasks import parse_task
    from actinr_studio.video import probe_clip, read_clip

    assert sample_clip_path.name == "sample_cups.mp4"
    assert sample_clip_path.stat().st_size < 300_000
    info = probe_clip(sample_clip_path)
    assert (info.width, info.height, info.frame_count) == (320, 180, 24)
    assert info.fps == Fraction(30000, 1001)
    clip = read_clip(sample_clip_path, count=9, scale=4)
    assert clip.frames.shape == (9, 45, 80, 3)
    sup = parse_task("interp-4").prepare(clip.frames)
    config = ModelConfig(patch_size=16, hidden=6, gop=4, rff_features=8, latent_dim=4)
    model = ActINR(config, clip.height, clip.width, clip.num_frames)
    trainer = Trainer(model, sup, TrainConfig(steps=20, batch_pixels=2048, late_from=1.0,
                                              eval_every=0, preview_every=0, device="cpu"))
    before = trainer.evaluate()
    events = list(trainer.run())
    after = events[-2]
    assert isinstance(after, ev.Evaluation) and after.heldout_psnr is not None
    assert after.train_psnr > before.train_psnr
    assert len(after.frames) == 9  # 3 training + 6 held-out frames (interp-4 of 9 frames)


def test_overlap_training_weights_match_the_render_tents() -> None:
    clip = moving_disc(num_frames=5, height=16, width=24)
    config = ModelConfig(patch_size=8, hidden=4, gop=4, rff_features=4, latent_dim=2,
                         overlap=True)
    model = ActINR(config, 16, 24, 5)
    sampler = PixelSampler(model, Supervision(clip.frames, np.ones(5, bool)), torch.device("cpu"))
    _, _, _, weight, _, y, x = sample_pixels(sampler, model, frames_per_unit=1, points=200)
    rows, cols = model.grid.rows, model.grid.cols
    patch = np.arange(model.units) % model.patches
    ky = (patch // cols.count)[:, None, None]
    kx = (patch % cols.count)[:, None, None]
    yc, xc = y.numpy() + 0.5, x.numpy() + 0.5
    expected = rows.weight(yc, ky) * cols.weight(xc, kx)
    inside = (y >= 0) & (y < 16) & (x >= 0) & (x < 24)
    np.testing.assert_allclose(weight[inside].numpy(), expected[inside.numpy()], atol=1e-6)
