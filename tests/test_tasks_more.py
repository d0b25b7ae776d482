"""Super-resolution, denoising, inpainting and represent: preparation, scoring and pooling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actinr_studio.errors import UserError
from actinr_studio.model import ActINR
from actinr_studio.model.config import ModelConfig
from actinr_studio.tasks import parse_task, score_frames, score_model
from actinr_studio.tasks.denoise import Denoise, photon_noise
from actinr_studio.tasks.inpaint import Inpaint, default_holes, hole_boxes, hole_side
from actinr_studio.tasks.super_resolve import SuperResolve
from actinr_studio.train import PixelSampler, TrainConfig, Trainer
from actinr_studio.train.loop import masked_mse
from actinr_studio.video import gradient_clip, moving_disc, write_image


def random_frames(n: int, h: int = 12, w: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


# ---------------------------------------------------------------- grammar
@pytest.mark.parametrize(
    ("text", "name"),
    [("sr-4", "sr-4"), (" SR-2 ", "sr-2"), ("sr-3", "sr-3"), ("denoise", "denoise"),
     ("denoise:tau=30,sigma=5", "denoise:sigma=5"), ("denoise:sigma_r=5,seed=3",
                                                    "denoise:sigma=5,seed=3"),
     ("Denoise:noisy", "denoise:noisy"), ("inpaint", "inpaint"),
     ("inpaint:mask=Some/Path.png", "inpaint:mask=Some/Path.png"), ("represent", "represent"),
     ("interp-10", "interp-10")],
)
def test_parse_task_grammar(text, name) -> None:
    assert parse_task(text).name == name


@pytest.mark.parametrize(
    "text", ["sr-1", "sr-", "sr-x", "sr-2:foo", "denoise:tau=x", "denoise:foo=1",
             "denoise:noisy,tau=3", "denoise:tau=0", "denoise:sigma=-1", "inpaint:mask=",
             "inpaint:foo=1", "represent:x", "interp-4:x"],
)
def test_parse_task_errors(text) -> None:
    with pytest.raises(UserError):
        parse_task(text)


def test_denoise_options_are_read() -> None:
    task = parse_task("denoise:tau=10,sigma=5,seed=7")
    assert (task.tau, task.sigma_r, task.seed) == (10.0, 5.0, 7)
    assert parse_task("denoise").sigma_r == 1.0 and parse_task("denoise").tau == 30.0


# ---------------------------------------------------------------- super-resolution
@pytest.mark.parametrize(("n", "train", "scored"), [(5, [0, 2, 4], [0, 1, 2, 3]),
                                                     (6, [0, 2, 4], [0, 1, 2, 3]),
                                                     (3, [0, 2], [0, 1])])
def test_sr_frames(n, train, scored) -> None:
    sup = parse_task("sr-2").prepare(random_frames(n))
    assert np.nonzero(sup.train_frames)[0].tolist() == train
    assert np.nonzero(sup.scored_frames)[0].tolist() == scored
    assert sup.pool == 2 and sup.full_size == (12, 16)
    with pytest.raises(UserError):
        parse_task("sr-2").prepare(random_frames(2))


@pytest.mark.parametrize(("s", "h", "w"), [(2, 12, 16), (4, 12, 16), (3, 13, 17), (8, 9, 17)])
def test_sr_targets_are_area_downsampled(s, h, w) -> None:
    frames = random_frames(3, h, w, seed=s)
    sup = SuperResolve(s).prepare(frames)
    lh, lw = h // s, w // s
    assert sup.frames.shape == (3, lh, lw, 3)
    blocks = frames[:, : lh * s, : lw * s].reshape(3, lh, s, lw, s, 3).astype(float)
    assert np.abs(sup.frames - blocks.mean(axis=(2, 4))).max() <= 0.5 + 1e-9
    assert sup.clean is frames
    assert sup.notes["unsupervised_strip_px"] == [w - lw * s, h - lh * s]


class LookupModel(torch.nn.Module):
    """A 'model' whose output is a known function: the full-res clip at each sampled point."""

    def __init__(self, model: ActINR, sampler: PixelSampler, frames: np.ndarray):
        super().__init__()
        self.model, self.sampler = model, sampler
        self.frames = torch.from_numpy(frames).float() / 255.0

    def forward(self, local, t, traceable=False):
        p = self.model.grid.patch
        inside = torch.round((local + 1.0) * (p - 1) / 2.0).long()
        x = inside[..., 0] + self.sampler.tile_x0[:, None, None]
        y = inside[..., 1] + self.sampler.tile_y0[:, None, None]
        f = torch.round(t / self.sampler.time_scale).long()[..., None].expand_as(x)
        return self.frames[f, y, x]


@pytest.mark.parametrize(("s", "patch", "overlap"), [(2, 8, False), (4, 8, False),
                                                     (3, 8, False), (2, 8, True)])
def test_pooled_loss_of_a_known_function_is_the_pooled_value(s, patch, overlap) -> None:
    clip = moving_disc(num_frames=5, height=26, width=34, radius=5)
    sup = SuperResolve(s).prepare(clip.frames)
    model = ActINR(ModelConfig(patch_size=patch, hidden=4, overlap=overlap), 26, 34, 5)
    sampler = PixelSampler(model, sup, torch.device("cpu"), seed=3)
    local, t, target, weight = sampler.sample(2, 20)
    assert local.shape == (model.units, 2, 20 * s * s, 2) and target.shape[2] == 20
    lookup = LookupModel(model, sampler, clip.frames)
    pred = lookup(local, t)
    pooled = pred.reshape(*target.shape[:-1], s * s, 3).mean(-2)
    live = weight > 0
    assert live.float().mean() > 0.5
    # The average of the S x S full-res block is the low-res target (up to its rounding).
    assert (pooled - target).abs()[live].max() <= 0.5 / 255 + 1e-6
    loss = float(masked_mse(pred, target, weight, group=s * s))
    assert loss < (0.5 / 255) ** 2 + 1e-9
    # Without pooling the same predictions do not match the low-res targets.
    unpooled = pred.reshape(*target.shape[:-1], s * s, 3)
    assert float(((unpooled - target[..., None, :]) ** 2).mean()) > 10 * loss
    # Only training frames are drawn, and blocks stay inside the low-res grid.
    frames_drawn = torch.round(t / sampler.time_scale).long().unique().tolist()
    assert set(frames_drawn) <= set(np.nonzero(sup.train_frames)[0].tolist())


def test_tiny_sr_training_lowers_the_loss() -> None:
    clip = gradient_clip(num_frames=5, height=24, width=32)
    sup = parse_task("sr-4").prepare(clip.frames)
    model = ActINR(ModelConfig(patch_size=16, hidden=12), 24, 32, 5)
    config = TrainConfig(steps=30, batch_pixels=1024, late_from=1.0, eval_every=0,
                         preview_every=0.0, report_every=5, device="cpu", threads=1)
    trainer = Trainer(model, sup, config)
    losses = [e.loss for e in trainer.run() if hasattr(e, "loss")]
    assert losses[-1] < 0.5 * losses[0]
    score = score_model(trainer.render_uint8, sup)
    assert score.frames == (0, 1, 2, 3)
    assert trainer.render_uint8(1.0).shape == (24, 32, 3)


# ---------------------------------------------------------------- denoise
def test_photon_noise_statistics_on_mid_grey() -> None:
    rng = np.random.default_rng(1)
    x = np.full(400_000, 0.5)
    for tau, sigma in ((30.0, 1.0), (30.0, 5.0), (10.0, 1.0)):
        y = photon_noise(x, tau, sigma, rng)
        expected_var = 0.5 / tau + sigma**2 / tau**2
        assert y.mean() == pytest.approx(0.5, abs=3e-3)
        assert y.var() == pytest.approx(expected_var, rel=0.02)


def test_denoise_prepare_is_reproducible_and_reports_the_input() -> None:
    grey = np.full((3, 40, 40, 3), 128, np.uint8)
    sup = parse_task("denoise").prepare(grey)
    again = parse_task("denoise").prepare(grey)
    other = parse_task("denoise:seed=1").prepare(grey)
    assert np.array_equal(sup.frames, again.frames)
    assert not np.array_equal(sup.frames, other.frames)
    assert sup.clean is grey and sup.train_frames.all() and sup.scored_frames.all()
    noisy = sup.frames / 255.0
    assert noisy.mean() == pytest.approx(128 / 255, abs=0.01)
    assert noisy.std() == pytest.approx(np.sqrt(0.502 / 30 + 1 / 900), rel=0.05)
    assert sup.notes["noisy_psnr"] == pytest.approx(score_frames(sup.frames, sup, [0, 1, 2]).psnr)
    assert 15 < sup.notes["noisy_psnr"] < 20
    stronger = parse_task("denoise:sigma=5").prepare(grey)
    assert stronger.notes["noisy_psnr"] < sup.notes["noisy_psnr"]


def test_denoise_noisy_scores_against_the_input() -> None:
    frames = random_frames(2)
    sup = Denoise(already_noisy=True).prepare(frames)
    assert sup.frames is frames and sup.reference is None and "reference" in sup.notes


# ---------------------------------------------------------------- inpaint
def test_default_holes_at_the_protocol_size() -> None:
    h, w = 480, 854
    assert hole_side(h, w) == 50 and hole_side(240, 427) == 25
    boxes = hole_boxes(h, w)
    centres = [((t + b) / 2, (l + r) / 2) for t, b, l, r in boxes]
    expected = [(240, 427), (120, 213.5), (120, 640.5), (360, 213.5), (360, 640.5)]
    # Whole-pixel boxes of even side: a centre at x.5 is met to within half a pixel.
    assert np.abs(np.array(centres) - np.array(expected)).max() <= 0.5
    assert all(b - t == 50 and r - l == 50 for t, b, l, r in boxes)
    assert default_holes(h, w).sum() == 5 * 50 * 50


@pytest.mark.parametrize(("h", "w"), [(240, 427), (120, 214), (48, 64)])
def test_hole_side_scales_with_the_diagonal(h, w) -> None:
    side = hole_side(h, w)
    assert side == round(50 * np.hypot(h, w) / np.hypot(480, 854))
    for (t, b, l, r), (fy, fx) in zip(hole_boxes(h, w), [(.5, .5), (.25, .25), (.25, .75),
                                                        (.75, .25), (.75, .75)], strict=True):
        assert b - t == side and r - l == side
        assert abs((t + b) / 2 - fy * h) <= 0.5 and abs((l + r) / 2 - fx * w) <= 0.5


def test_inpaint_prepare_and_hole_psnr() -> None:
    frames = random_frames(3, 48, 64)
    task = parse_task("inpaint")
    sup = task.prepare(frames)
    holes = default_holes(48, 64)
    assert np.array_equal(sup.pixel_mask, ~holes)
    assert (sup.frames[:, holes] == 0).all() and sup.clean is frames
    assert np.array_equal(sup.frames[:, ~holes], frames[:, ~holes])
    score = score_frames(sup.frames, sup, [0, 1, 2], task)
    assert score.extra["hole_psnr"] < 10 and score.psnr > score.extra["hole_psnr"]
    perfect = score_frames(frames, sup, [0, 1, 2], task)
    assert perfect.extra["hole_psnr"] == pytest.approx(120.0)


def test_inpaint_mask_png_one_for_all(tmp_path) -> None:
    mask = np.zeros((12, 16, 3), np.uint8)
    mask[2:5, 3:9] = 255
    write_image(tmp_path / "mask.png", mask)
    sup = parse_task(f"inpaint:mask={tmp_path / 'mask.png'}").prepare(random_frames(4))
    assert sup.pixel_mask.shape == (12, 16)
    assert np.array_equal(~sup.pixel_mask, mask[..., 0] > 0)
    # A mask of twice the size is resized to the frame.
    big = np.repeat(np.repeat(mask, 2, 0), 2, 1)
    write_image(tmp_path / "big.png", big)
    sup2 = Inpaint(str(tmp_path / "big.png")).prepare(random_frames(4))
    assert np.array_equal(sup2.pixel_mask, sup.pixel_mask)


def test_inpaint_mask_folder_one_per_frame(tmp_path) -> None:
    folder = tmp_path / "masks"
    folder.mkdir()
    for i in range(3):
        mask = np.zeros((12, 16, 3), np.uint8)
        mask[i : i + 2, 4 * i : 4 * i + 3] = 255
        write_image(folder / f"m{i:02d}.png", mask)
    sup = Inpaint(str(folder)).prepare(random_frames(3))
    assert sup.pixel_mask.shape == (3, 12, 16)
    assert [int((~m).sum()) for m in sup.pixel_mask] == [6, 6, 6]
    assert not sup.pixel_mask[1, 1, 4] and sup.pixel_mask[0, 1, 4]
    with pytest.raises(UserError):
        Inpaint(str(folder)).prepare(random_frames(5))
    with pytest.raises(UserError):
        Inpaint(str(tmp_path / "missing.png")).prepare(random_frames(3))
    write_image(tmp_path / "empty.png", np.zeros((12, 16, 3), np.uint8))
    with pytest.raises(UserError):
        Inpaint(str(tmp_path / "empty.png")).prepare(random_frames(3))


def test_inpaint_training_scores_the_holes() -> None:
    clip = moving_disc(num_frames=4, height=24, width=32, radius=4)
    sup = parse_task("inpaint").prepare(clip.frames)
    model = ActINR(ModelConfig(patch_size=16, hidden=8), 24, 32, 4)
    config = TrainConfig(steps=5, batch_pixels=1024, late_from=1.0, eval_every=0,
                         preview_every=0.0, device="cpu", threads=1)
    trainer = Trainer(model, sup, config)
    list(trainer.run())
    score = score_model(trainer.render_uint8, sup, task=parse_task("inpaint"))
    assert "hole_psnr" in score.extra


# ---------------------------------------------------------------- represent
def test_represent_reports_bits_per_pixel() -> None:
    frames = random_frames(4, 16, 24)
    task = parse_task("represent")
    sup = task.prepare(frames)
    model = ActINR(ModelConfig(patch_size=8, hidden=4), 16, 24, 4)
    score = score_model(model.render_uint8, sup, task=task, model=model)
    assert score.extra["bpp_fp16"] == pytest.approx(model.parameter_count() * 16 / (4 * 16 * 24))
    assert score_model(model.render_uint8, sup, task=task).extra == {}
