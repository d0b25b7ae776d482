"""The activation ablation: 'wire' (complex Gabor), 'gauss' and 'siren' (real networks)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actinr_studio.checkpoint import VideoFacts, load_checkpoint, save_checkpoint
from actinr_studio.config import RunConfig
from actinr_studio.errors import UserError
from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.model.activations import gauss, siren
from actinr_studio.train import Supervision, TrainConfig, Trainer
from actinr_studio.train import events as ev

H, W, N = 24, 40, 8
ACTIVATIONS = ("wire", "gauss", "siren")
W0 = {"wire": 5.0, "gauss": 5.0, "siren": 30.0}


def config(activation: str, **overrides) -> ModelConfig:
    fields = dict(patch_size=8, hidden=6, gop=4, rff_features=8, latent_dim=4, seed=3,
                  activation=activation, w0=W0[activation])
    fields.update(overrides)
    return ModelConfig(**fields)


def test_unknown_activation_is_rejected() -> None:
    with pytest.raises(UserError):
        ModelConfig(activation="relu")


def test_real_activation_formulas() -> None:
    u = torch.linspace(-1, 1, 11)
    torch.testing.assert_close(gauss(u, 30.0, 4.0), torch.exp(-(4.0 * u) ** 2))
    torch.testing.assert_close(siren(u, 30.0, 4.0), torch.sin(30.0 * u))


@pytest.mark.parametrize("bias_source", ["network", "per_frame"])
@pytest.mark.parametrize("activation", ["gauss", "siren"])
def test_real_networks_shapes_and_reference(activation, bias_source) -> None:
    model = ActINR(config(activation, bias_source=bias_source), H, W, N)
    h = model.config.hidden
    assert model.frame_nets.bias_sizes == {"l1": h, "l2": h, "out": 3}
    w1, w2, w3 = model.frame_nets.weights()
    assert w1.shape == (model.units, 2, h) and w2.shape == (model.units, h, h)
    assert w3.shape == (model.units, h, 3)
    g = torch.Generator().manual_seed(0)
    units = torch.tensor([0, 3, model.units - 1])
    points = torch.rand(3, 2, 5, 2, generator=g) * 2 - 1
    t = torch.rand(3, 2, generator=g)
    with torch.no_grad():
        out = model(points, t, units)
        traced = model(points, t, units, traceable=True)
        b1, b2, b3 = model.biases(units, t)
    assert out.shape == (3, 2, 5, 3) and b1.shape == (3, 2, h) and b3.shape == (3, 2, 3)
    torch.testing.assert_close(out, traced)
    act = gauss if activation == "gauss" else siren
    c = model.config
    for i, unit in enumerate(units.tolist()):
        for j in range(2):
            z = act(points[i, j] @ w1[unit] + b1[i, j], c.w0, c.s0)
            z = act(z @ w2[unit] + b2[i, j], c.w0, c.s0)
            torch.testing.assert_close(out[i, j], z @ w3[unit] + b3[i, j], atol=1e-5, rtol=1e-5)


def test_wire_keeps_its_complex_layout() -> None:
    model = ActINR(config("wire"), H, W, N)
    assert set(model.frame_nets.bias_sizes) == {"l1_u", "l1_v", "l2_u", "l2_v", "out"}
    assert len(model.frame_nets.weights()) == 5


def test_siren_init_follows_siren() -> None:
    model = ActINR(config("siren", hidden=32), H, W, N)
    w1, w2, w3 = model.frame_nets.weights()
    assert w1.abs().max() <= 0.5 and w1.abs().max() > 0.45
    bound = math.sqrt(6 / 32) / 30
    assert w2.abs().max() <= bound and w2.abs().max() > 0.9 * bound
    gauss_model = ActINR(config("gauss", hidden=32), H, W, N)
    assert gauss_model.frame_nets.w2.abs().max() <= math.sqrt(3 / 32)


def _moving_disc_frames() -> np.ndarray:
    from actinr_studio.video import moving_disc

    return moving_disc(num_frames=N, height=H, width=W, radius=5, speed=2.0).frames


@pytest.fixture(scope="module")
def trained() -> dict:
    torch.set_num_threads(1)
    frames = _moving_disc_frames()
    sup = Supervision(frames, np.ones(N, bool))
    out = {}
    for activation in ACTIVATIONS:
        model = ActINR(config(activation, bias_source="network"), H, W, N)
        trainer = Trainer(model, sup, TrainConfig(
            steps=120, batch_pixels=2048, late_from=1.0, eval_every=0, preview_every=0.0,
            report_every=10, device="cpu"))
        losses = [e.loss for e in trainer.run() if isinstance(e, ev.StepReport)]
        out[activation] = (trainer, losses)
    return out


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation_trains_and_renders(trained, activation) -> None:
    trainer, losses = trained[activation]
    assert len(losses) >= 5
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:2]), losses
    model = trainer.model
    image = model.render(3.5)
    assert image.shape == (H, W, 3) and torch.isfinite(image).all()
    zoom = model.render(2.0, region=(4, 4, 8, 6), size=(16, 12))
    assert zoom.shape == (12, 16, 3)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_checkpoint_round_trip(trained, activation, tmp_path) -> None:
    trainer, _ = trained[activation]
    model = trainer.model
    run = RunConfig(model=model.config, train=TrainConfig(steps=120), task="represent")
    path = save_checkpoint(tmp_path / f"{activation}.actinr", model, run,
                           VideoFacts(N, H, W))
    loaded = load_checkpoint(path)
    assert loaded.model.config.activation == activation
    assert loaded.model.config == model.config
    torch.testing.assert_close(loaded.model.render(2.5), model.render(2.5))


@pytest.mark.parametrize("activation", ["gauss", "siren"])
def test_per_frame_biases_with_real_activations(activation, tmp_path) -> None:
    anchors = [0, 2, 4, 6]
    model = ActINR(config(activation, bias_source="per_frame"), H, W, N, anchor_frames=anchors)
    assert set(model.bias_net.tables) == {"l1", "l2", "out"}
    run = RunConfig(model=model.config, task="interp-2")
    loaded = load_checkpoint(save_checkpoint(tmp_path / "p.actinr", model, run,
                                             VideoFacts(N, H, W)))
    torch.testing.assert_close(loaded.model.render(3.0), model.render(3.0))
