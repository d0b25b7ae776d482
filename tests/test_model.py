"""The ActINR model: Gabor maths, frame networks, bias network, rendering and trainability."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from actinr_studio.errors import UserError
from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.model.frame_net import frame_forward
from actinr_studio.model.gabor import (
    gabor_complex_input,
    gabor_complex_reference,
    gabor_real_input,
)
from actinr_studio.train import Supervision, TrainConfig, Trainer
from actinr_studio.train import events as ev
from actinr_studio.video import gradient_clip

H, W, N = 24, 40, 9


def tiny_config(**overrides) -> ModelConfig:
    fields = dict(patch_size=8, hidden=6, gop=4, rff_features=8, latent_dim=4, seed=3)
    fields.update(overrides)
    return ModelConfig(**fields)


def tiny_model(**overrides) -> ActINR:
    return ActINR(tiny_config(**overrides), H, W, N)


def random_points(units: int, k: int, m: int, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(units, k, m, 2, generator=generator) * 2 - 1


# ------------------------------------------------------------------------------ config
@pytest.mark.parametrize(
    "bad",
    [
        {"patch_size": 7},
        {"patch_size": 0},
        {"gop": 0},
        {"hidden": 0},
        {"w0": 0.0},
        {"s0": -1.0},
        {"s0": float("inf")},
        {"rff_sigma": float("nan")},
        {"rff_features": 0},
        {"latent_dim": -1},
        {"activation": "relu"},
    ],
)
def test_model_config_rejects_bad_values(bad) -> None:
    with pytest.raises(UserError):
        ModelConfig(**bad)


# ------------------------------------------------------------------------------ Gabor
@pytest.mark.parametrize(("w0", "s0"), [(5.0, 10.0), (3.0, 1.0)])
def test_real_split_gabor_equals_native_complex(w0, s0) -> None:
    g = torch.Generator().manual_seed(1)
    scale = 1.0 / s0
    u = torch.randn(64, 5, generator=g) * scale
    v = torch.randn(64, 5, generator=g) * scale
    re, im = gabor_real_input(u, v, w0, s0)
    ref = gabor_complex_reference(u.to(torch.complex64), v.to(torch.complex64), w0, s0)
    torch.testing.assert_close(re, ref.real, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(im, ref.imag, atol=1e-6, rtol=1e-5)

    ur, ui, vr, vi = (torch.randn(64, 5, generator=g) * scale for _ in range(4))
    re, im = gabor_complex_input(ur, ui, vr, vi, w0, s0)
    ref = gabor_complex_reference(torch.complex(ur, ui), torch.complex(vr, vi), w0, s0)
    torch.testing.assert_close(re, ref.real, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(im, ref.imag, atol=1e-6, rtol=1e-5)


def test_gabor_never_overflows_for_large_inputs() -> None:
    big = torch.tensor([-1e4, -50.0, 0.0, 50.0, 1e4])
    re, im = gabor_complex_input(big, big, big, big, 5.0, 10.0)
    assert torch.isfinite(re).all() and torch.isfinite(im).all()
    assert (re.abs() <= math.exp(5.0**2 / (4 * 10.0**2)) + 1e-6).all()


def complex_frame_network(points, w1, w2_re, w2_im, w3_re, w3_im, b1, b2, b3, w0, s0):
    """The frame network written directly in complex64 from the spec (one unit, one time)."""
    h = w2_re.shape[0]
    pre1 = points @ w1 + b1  # (M, 2h), real
    z1 = gabor_complex_reference(pre1[:, :h], pre1[:, h:], w0, s0)  # (M, h) complex
    w2 = torch.complex(w2_re, w2_im)  # (h, 2h)
    b2u = torch.complex(b2[:h], b2[2 * h : 3 * h])
    b2v = torch.complex(b2[h : 2 * h], b2[3 * h :])
    pre2 = z1 @ w2
    z2 = gabor_complex_reference(pre2[:, :h] + b2u, pre2[:, h:] + b2v, w0, s0)
    return (z2 @ torch.complex(w3_re, w3_im)).real + b3


@pytest.mark.parametrize(("w0", "s0"), [(5.0, 10.0), (3.0, 1.5)])
def test_frame_network_equals_native_complex_network(w0, s0) -> None:
    model = tiny_model(w0=w0, s0=s0)
    g = torch.Generator().manual_seed(2)
    units = torch.tensor([0, 5, model.units - 1])
    k, m = 2, 50
    points = random_points(len(units), k, m, g)
    t = torch.rand(len(units), k, generator=g)
    with torch.no_grad():
        out = model(points, t, units)
        weights = model.frame_nets.weights(units)
        b1, b2, b3 = model.biases(units, t)
    assert out.shape == (len(units), k, m, 3)
    for i in range(len(units)):
        for j in range(k):
            ref = complex_frame_network(
                points[i, j], *(p[i] for p in weights), b1[i, j], b2[i, j], b3[i, j], w0, s0
            )
            torch.testing.assert_close(out[i, j], ref, atol=1e-5, rtol=1e-5)
    # The comparison is not vacuous: the Gabor layers contribute to the output.
    assert (out - b3[:, :, None, :]).abs().max() > 1e-3


# ------------------------------------------------------------------------------ forward
def test_forward_shapes_and_all_units_default() -> None:
    model = tiny_model()
    assert model.patches == 3 * 5 and model.units == 2 * 15
    g = torch.Generator().manual_seed(0)
    points = random_points(model.units, 3, 7, g)
    t = torch.rand(model.units, 3, generator=g)
    out_all = model(points, t)
    out_idx = model(points, t, torch.arange(model.units))
    assert out_all.shape == (model.units, 3, 7, 3)
    torch.testing.assert_close(out_all, out_idx)
    assert torch.isfinite(out_all).all()
    # frame_forward takes the weights and biases explicitly.
    with torch.no_grad():
        direct = frame_forward(
            points, *model.frame_nets.weights(), *model.biases(torch.arange(model.units), t),
            model.config.w0, model.config.s0,
        )
    torch.testing.assert_close(out_all.detach(), direct)


def test_only_biases_depend_on_time() -> None:
    model = tiny_model()
    units = torch.arange(model.units)
    g = torch.Generator().manual_seed(4)
    points = random_points(model.units, 1, 20, g)
    t1 = torch.full((model.units, 1), 0.2)
    t2 = torch.full((model.units, 1), 0.7)
    with torch.no_grad():
        biases1, biases2 = model.biases(units, t1), model.biases(units, t2)
        for a, b in zip(biases1, biases2, strict=True):
            assert not torch.equal(a, b)
        out1, out2 = model(points, t1), model(points, t2)
        assert not torch.allclose(out1, out2)
        # Swapping in the biases of t1 reproduces the output at t1 exactly: the frame weights
        # are the same tensors at every time.
        weights = model.frame_nets.weights()
        assert all(isinstance(w, torch.nn.Parameter) for w in weights)
        swapped = frame_forward(points, *weights, *biases1, model.config.w0, model.config.s0)
        torch.testing.assert_close(swapped, out1, rtol=0, atol=0)
    # The bias network is the only module that sees t: its output's gradient flows into the
    # frame weights only through the biases (no frame-weight gradient from a zero bias change).
    frame_params = {id(p) for p in model.frame_nets.parameters()}
    bias_params = {id(p) for p in model.bias_net.parameters()}
    assert frame_params.isdisjoint(bias_params)
    assert frame_params | bias_params == {id(p) for p in model.parameters()}


def test_biases_shapes() -> None:
    model = tiny_model()
    h = model.config.hidden
    unit = torch.tensor([0, 1, 2])
    b1, b2, b3 = model.biases(unit, torch.rand(3, 4))
    assert b1.shape == (3, 4, 2 * h) and b2.shape == (3, 4, 4 * h) and b3.shape == (3, 4, 3)
    assert model.bias_net.frequencies.shape == (model.config.rff_features,)
    assert "bias_net.frequencies" in model.state_dict()  # B is a saved buffer


def test_init_is_deterministic_per_seed() -> None:
    a, b, c = tiny_model(seed=7), tiny_model(seed=7), tiny_model(seed=8)
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a.frame_nets.w1, c.frame_nets.w1)


# ------------------------------------------------------------------------------ render
@pytest.mark.parametrize("overlap", [False, True])
@pytest.mark.parametrize(
    ("frame", "region", "size"),
    [
        (0.0, None, None),
        (N - 1, None, None),
        (3.37, None, (17, 9)),
        (4.0, (5.5, 3.25, 11.0, 7.0), None),
        (7.9, (0.0, 0.0, 2.0, 2.0), (64, 48)),
        (1.5, (30.0, 20.0, 10.0, 4.0), (1, 1)),
    ],
)
def test_render_any_time_region_and_size(overlap, frame, region, size) -> None:
    model = tiny_model(overlap=overlap)
    out = model.render(frame, region, size)
    if size is None:
        rw, rh = (W, H) if region is None else (region[2], region[3])
        size = (max(1, round(rw)), max(1, round(rh)))
    assert out.shape == (size[1], size[0], 3)
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()
    image = model.render_uint8(frame, region, size)
    assert image.dtype == np.uint8 and image.shape == (size[1], size[0], 3)


@pytest.mark.parametrize("frame", [-1, -1e-6, N - 1 + 1e-3, N, float("nan")])
def test_render_rejects_frames_outside_the_clip(frame) -> None:
    model = tiny_model()
    with pytest.raises(ValueError):
        model.render(frame)


@pytest.mark.parametrize("region", [(0, 0, 0, 5), (0, 0, 5, -1)])
def test_render_rejects_empty_regions(region) -> None:
    with pytest.raises(ValueError):
        tiny_model().render(0, region)


@pytest.mark.parametrize("overlap", [False, True])
def test_render_full_frame_equals_stitched_quadrants(overlap) -> None:
    model = tiny_model(overlap=overlap)
    frame = 2.6
    full = model.render(frame)
    hw, hh = W // 2, H // 2
    quads = {
        (0, 0): model.render(frame, (0, 0, hw, hh)),
        (0, 1): model.render(frame, (hw, 0, W - hw, hh)),
        (1, 0): model.render(frame, (0, hh, hw, H - hh)),
        (1, 1): model.render(frame, (hw, hh, W - hw, H - hh)),
    }
    top = torch.cat((quads[0, 0], quads[0, 1]), dim=1)
    bottom = torch.cat((quads[1, 0], quads[1, 1]), dim=1)
    torch.testing.assert_close(torch.cat((top, bottom), dim=0), full, atol=1e-6, rtol=0)


@pytest.mark.parametrize("overlap", [False, True])
def test_zoom_by_three_contains_the_native_samples(overlap) -> None:
    """At 3x the centre sample of each 3x3 block sits on the native pixel centre."""
    model = tiny_model(overlap=overlap)
    native = model.render(5.5)
    zoom = model.render(5.5, None, (3 * W, 3 * H))
    assert zoom.shape == (3 * H, 3 * W, 3)
    torch.testing.assert_close(zoom[1::3, 1::3], native, atol=1e-5, rtol=0)


@pytest.mark.parametrize("overlap", [False, True])
def test_render_chunking_does_not_change_the_result(overlap) -> None:
    model = tiny_model(overlap=overlap)
    default = model.render(3.3, None, (30, 20))
    for chunk in (3, 7, 64, 1000):
        torch.testing.assert_close(
            model.render(3.3, None, (30, 20), chunk_points=chunk), default, atol=1e-6, rtol=0
        )


@pytest.mark.parametrize("overlap", [False, True])
def test_render_equals_manual_weighted_sum_of_units(overlap) -> None:
    model = tiny_model(overlap=overlap)
    frame = 6.25
    grid = model.grid
    rows, cols = grid.rows, grid.cols
    ys, xs = np.arange(H) + 0.5, np.arange(W) + 0.5
    gop = model.gops.gop_of(frame)
    t = float(model.gops.time_of(frame))
    expected = torch.zeros(H, W, 3)
    total_weight = np.zeros((H, W))
    for ky in range(rows.count):
        wy = rows.weight(ys, ky)
        ly = rows.local(ys, ky)
        for kx in range(cols.count):
            wx = cols.weight(xs, kx)
            lx = cols.local(xs, kx)
            if overlap:
                weight = wy[:, None] * wx[None, :]
            else:
                inside_y = (ys >= rows.tile_start(ky)) & (ys < rows.tile_start(ky) + grid.patch)
                inside_x = (xs >= cols.tile_start(kx)) & (xs < cols.tile_start(kx) + grid.patch)
                weight = (inside_y[:, None] & inside_x[None, :]).astype(np.float32)
            if not weight.any():
                continue
            total_weight += weight
            local = np.stack(np.broadcast_arrays(lx[None, :], ly[:, None]), axis=-1)
            points = torch.as_tensor(local.reshape(1, 1, -1, 2), dtype=torch.float32)
            unit = torch.tensor([gop * model.patches + ky * cols.count + kx])
            with torch.no_grad():
                rgb = model(points, torch.full((1, 1), t), unit).reshape(H, W, 3)
            expected += rgb * torch.as_tensor(weight, dtype=torch.float32)[..., None]
    np.testing.assert_allclose(total_weight, 1.0, atol=1e-6)
    torch.testing.assert_close(model.render(frame), expected, atol=2e-6, rtol=1e-5)


# ------------------------------------------------------------------------------ training
def train_model(model: ActINR, frames: np.ndarray, steps: int, batch: int) -> tuple:
    sup = Supervision(frames, np.ones(len(frames), bool))
    config = TrainConfig(
        steps=steps, batch_pixels=batch, late_from=1.0, eval_every=0, preview_every=0,
        report_every=10, device="cpu",
    )
    trainer = Trainer(model, sup, config)
    before = trainer.evaluate().train_psnr
    losses, final = [], None
    for event in trainer.run():
        if isinstance(event, ev.StepReport):
            losses.append(event.loss)
        elif isinstance(event, ev.Evaluation):
            final = event
    return before, final.train_psnr, losses


def train_smooth(height: int, width: int, patch: int, hidden: int):
    frames = gradient_clip(num_frames=4, height=height, width=width).frames
    model = ActINR(
        ModelConfig(patch_size=patch, hidden=hidden, gop=10, rff_features=8, latent_dim=4),
        height, width, 4,
    )
    return (model, *train_model(model, frames, steps=300, batch=3200))


@pytest.fixture(scope="module")
def trained_one_patch():
    """A 16x16 clip fitted by a single 16x16 patch (trained once for this module)."""
    return train_smooth(16, 16, 16, 16)


def check_training(before: float, after: float, losses: list[float]) -> None:
    first, last = np.mean(losses[:2]), np.mean(losses[-3:])
    assert last < first / 8, (first, last)
    assert after > before + 12 and after > 20, (before, after)


def test_init_trains_on_one_patch(trained_one_patch) -> None:
    model, before, after, losses = trained_one_patch
    assert model.patches == 1
    check_training(before, after, losses)


def test_init_trains_on_two_hundred_patches() -> None:
    model, before, after, losses = train_smooth(40, 80, 4, 8)
    assert model.patches == 200
    check_training(before, after, losses)


def test_zoomed_render_of_a_trained_model_matches_native_after_area_downscale(
    trained_one_patch,
) -> None:
    model = trained_one_patch[0]
    region = (4.0, 4.0, 8.0, 8.0)
    native = model.render(1.0, region)
    zoom = model.render(1.0, region, (32, 32))
    down = F.avg_pool2d(zoom.permute(2, 0, 1)[None], 4)[0].permute(1, 2, 0)
    assert down.shape == native.shape == (8, 8, 3)
    mse = float(((down.clamp(0, 1) - native.clamp(0, 1)) ** 2).mean())
    assert -10 * math.log10(max(mse, 1e-12)) > 30
