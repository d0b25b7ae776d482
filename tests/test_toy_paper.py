"""The paper's toy check (Table 4, fast version): a disc moving right, trained on even frames.

The bias network generalises to the held-out odd frames (held-out PSNR within 3 dB of the
training PSNR), while per-frame biases, trained on their own frames and linearly interpolated
in between, fall far below it.
"""

import numpy as np
import pytest

from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.tasks import parse_task
from actinr_studio.train import TrainConfig, Trainer
from actinr_studio.video import moving_disc

STEPS = 500


@pytest.fixture(scope="module")
def toy():
    clip = moving_disc(17, 32, 64, radius=5, speed=6.0, background="flat")
    return parse_task("interp-2").prepare(clip.frames)


def _fit(supervision, bias_source: str):
    config = ModelConfig(patch_size=32, gop=16, hidden=16, bias_source=bias_source)
    anchors = np.nonzero(supervision.train_frames)[0].tolist()
    model = ActINR(config, 32, 64, supervision.num_frames, anchor_frames=anchors)
    trainer = Trainer(model, supervision, TrainConfig(
        steps=STEPS, batch_pixels=4096, late_from=1.0, eval_every=0, preview_every=0))
    for _ in trainer.run():
        pass
    return trainer.evaluate(max_frames=100)


def test_bias_network_generalises_in_time_and_interpolated_biases_do_not(toy):
    network = _fit(toy, "network")
    per_frame = _fit(toy, "per_frame")
    assert network.train_psnr > 27.0
    assert network.train_psnr - network.heldout_psnr < 3.0
    # Interpolating per-frame biases fits the training frames but not the frames between.
    assert per_frame.train_psnr > 25.0
    assert per_frame.heldout_psnr < network.heldout_psnr - 10.0
