"""Shared test setup: headless Qt, the process tuning the app uses, and small clips."""

from __future__ import annotations

import os

# Before anything can import Qt: tests (and CI) run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

import actinr_studio  # noqa: E402
from actinr_studio.runtime import tune_process  # noqa: E402
from actinr_studio.video import VideoClip, moving_disc  # noqa: E402

tune_process()
# The test models are tiny: one thread is fastest, and OpenMP worker threads that spin-wait
# make tiny ops tens of times slower when other processes share the CPU cores.
torch.set_num_threads(1)

SAMPLE_CLIP_NAME = "sample_cups.mp4"
SAMPLE_CLIP = Path(actinr_studio.__file__).resolve().parent.parent / "resources" / SAMPLE_CLIP_NAME


@pytest.fixture(scope="session")
def sample_clip_path() -> Path:
    """The bundled real sample clip (320x180, 24 frames, H.264)."""
    assert SAMPLE_CLIP.is_file(), f"bundled sample clip missing: {SAMPLE_CLIP}"
    return SAMPLE_CLIP


@pytest.fixture
def tiny_clip() -> VideoClip:
    """A small synthetic clip: a disc moving right over a gradient (8 frames, 24x40)."""
    return moving_disc(num_frames=8, height=24, width=40, radius=5, speed=2.0)


@pytest.fixture(autouse=True)
def _seed_torch() -> None:
    """Every test starts from the same torch RNG state."""
    torch.manual_seed(0)
