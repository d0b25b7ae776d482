"""Tasks: which frames are trained on and which are scored (protocols.md)."""

from __future__ import annotations

import numpy as np
import pytest

from actinr_studio.errors import UserError
from actinr_studio.tasks import parse_task, score_model
from actinr_studio.tasks.base import Interpolate, Represent


def frames(n: int, h: int = 6, w: int = 8) -> np.ndarray:
    rng = np.random.default_rng(n)
    return rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("factor", "train", "last"),
    [
        (2, list(range(0, 19, 2)), 18),
        (4, [0, 4, 8, 12, 16], 16),
        (8, [0, 8, 16], 16),
        (10, [0, 10], 10),
    ],
)
def test_interp_on_twenty_frames(factor, train, last) -> None:
    task = parse_task(f"interp-{factor}")
    assert isinstance(task, Interpolate) and task.name == f"interp-{factor}"
    sup = task.prepare(frames(20))
    assert np.nonzero(sup.train_frames)[0].tolist() == train
    scored = [i for i in range(last) if i % factor != 0]
    assert np.nonzero(sup.scored_frames)[0].tolist() == scored
    assert np.nonzero(sup.heldout_frames)[0].tolist() == scored
    assert sup.notes["last_train"] == last
    # Frames after the last training index are neither trained on nor scored.
    assert not sup.train_frames[last + 1 :].any() and not sup.scored_frames[last:].any()
    assert sup.pixel_mask is None and sup.clean is sup.frames


@pytest.mark.parametrize("factor", [2, 4, 8, 10])
def test_interp_smallest_clip(factor) -> None:
    task = parse_task(f"interp-{factor}")
    sup = task.prepare(frames(factor + 1))
    assert np.nonzero(sup.train_frames)[0].tolist() == [0, factor]
    assert np.nonzero(sup.scored_frames)[0].tolist() == list(range(1, factor))
    with pytest.raises(UserError):
        task.prepare(frames(factor))


def test_interp_on_one_frame_is_a_user_error() -> None:
    with pytest.raises(UserError):
        parse_task("interp-2").prepare(frames(1))


def test_represent() -> None:
    task = parse_task("represent")
    assert isinstance(task, Represent) and task.describe()
    sup = task.prepare(frames(5))
    assert sup.train_frames.all() and sup.scored_frames.all()
    assert not sup.heldout_frames.any()
    one = task.prepare(frames(1))
    assert one.train_frames.tolist() == [True]


@pytest.mark.parametrize("name", [" Interp-4 ", "INTERP-2", "Represent"])
def test_parse_task_is_lenient_about_case_and_spaces(name) -> None:
    assert parse_task(name).name == name.strip().lower()


@pytest.mark.parametrize(
    "name", ["", "interp", "interp-", "interp-1", "interp-0", "interp-x", "interp-2.5",
             "denoising", "represent-2", "interp--2"],
)
def test_parse_task_errors(name) -> None:
    with pytest.raises(UserError):
        parse_task(name)


def test_score_model() -> None:
    clip = frames(9, 16, 16)
    sup = parse_task("interp-4").prepare(clip)
    score = score_model(lambda f: clip[f], sup)
    assert score.frames == (1, 2, 3, 5, 6, 7)
    assert score.psnr == pytest.approx(120.0)
    assert score.similarity_name == "ssim"
    assert score.similarity == pytest.approx(1.0, abs=1e-4)
    noisy = score_model(lambda f: 255 - clip[f], sup, frames=[0, 4])
    assert noisy.frames == (0, 4) and noisy.psnr < 20
    with pytest.raises(UserError):
        score_model(lambda f: clip[f], sup, frames=[])


@pytest.mark.parametrize(("factor", "word"), [(2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                             (21, "21st"), (112, "112th")])
def test_interpolation_description_reads_well(factor, word) -> None:
    assert f"every {word} frame" in parse_task(f"interp-{factor}").describe()
