"""Export: planning frame positions and sizes, and writing a model to a clip."""

from __future__ import annotations

from fractions import Fraction

import pytest

from actinr_studio.errors import UserError
from actinr_studio.export import (
    codec_for_path,
    export_model,
    parse_range,
    plan_export,
    render_frames,
)
from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.video import ExportCancelled, probe_clip, read_clip

N, W, H = 10, 40, 24
FPS = Fraction(24)


def plan(**kwargs):
    return plan_export(N, W, H, FPS, **kwargs)


def test_default_plan_is_the_source_frames() -> None:
    p = plan()
    assert p.positions == tuple(float(i) for i in range(N))
    assert (p.width, p.height, p.fps, p.codec) == (W, H, FPS, "h264")
    assert p.frame_count == N and p.duration_seconds == pytest.approx(N / 24)
    assert p.estimated_bytes > 0


@pytest.mark.parametrize(("factor", "count"), [(1, 10), (2, 19), (4, 37), (2.5, 23), (0.5, 5)])
def test_slowmo_plan(factor, count) -> None:
    p = plan(slowmo=factor)
    assert p.frame_count == count
    assert p.fps == FPS
    assert p.positions[0] == 0.0 and p.positions[-1] <= N - 1
    steps = {round(b - a, 9) for a, b in zip(p.positions, p.positions[1:], strict=False)}
    assert steps == {round(1 / factor, 9)}


@pytest.mark.parametrize(
    ("fps", "count", "out_fps"),
    [(48, 19, Fraction(48)), (12, 5, Fraction(12)), (24, 10, Fraction(24)),
     (Fraction(60000, 1001), 23, Fraction(60000, 1001)), (59.94, 23, Fraction(2997, 50))],
)
def test_fps_plan(fps, count, out_fps) -> None:
    p = plan(fps=fps)
    assert p.frame_count == count
    assert p.fps == out_fps
    # The same span of time as the source (within one output frame).
    span = (p.frame_count - 1) / float(p.fps)
    assert abs(span - (N - 1) / 24) < 1 / float(p.fps)


def test_range_and_scale_plan() -> None:
    p = plan(slowmo=2, frame_range=(2.0, 5.0), scale=0.5)
    assert p.positions == (2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)
    assert (p.width, p.height) == (20, 12)
    big = plan(scale=2.5)
    assert (big.width, big.height) == (100, 60)
    tiny = plan(scale=0.01)
    assert (tiny.width, tiny.height) == (1, 1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"slowmo": 0}, {"slowmo": -2}, {"slowmo": float("nan")}, {"slowmo": float("inf")},
        {"slowmo": 1001}, {"fps": 0}, {"fps": -24}, {"fps": float("nan")},
        {"fps": float("inf")}, {"scale": 0}, {"scale": -1}, {"scale": 17},
        {"scale": float("nan")}, {"slowmo": 2, "fps": 48},
    ],
)
def test_bad_numbers_are_user_errors(kwargs) -> None:
    with pytest.raises(UserError):
        plan(**kwargs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, (0.0, 9.0)), ("", (0.0, 9.0)), ("2:5", (2.0, 5.0)), (":4.5", (0.0, 4.5)),
     ("3:", (3.0, 9.0)), (" 1 : 2 ", (1.0, 2.0))],
)
def test_parse_range(text, expected) -> None:
    assert parse_range(text, N) == expected


@pytest.mark.parametrize("text", ["5", "a:b", "5:2", "3:3", "-1:4", "0:10", "1:2:3"])
def test_parse_range_errors(text) -> None:
    with pytest.raises(UserError):
        parse_range(text, N)


@pytest.fixture(scope="module")
def model() -> ActINR:
    return ActINR(ModelConfig(patch_size=8, hidden=4, gop=4, rff_features=8, latent_dim=4),
                  H, W, N)


def test_render_frames_follow_the_plan(model) -> None:
    p = plan(slowmo=2, frame_range=(0.0, 1.0), scale=0.5)
    done = []
    images = list(render_frames(model, p, progress=lambda i, n: done.append((i, n))))
    assert len(images) == 3 and all(im.shape == (12, 20, 3) for im in images)
    assert done == [(1, 3), (2, 3), (3, 3)]


def test_export_to_mp4(tmp_path, model) -> None:
    p = plan(slowmo=2, scale=0.55)  # 22 x 13: an odd height
    assert (p.width, p.height) == (22, 13)
    calls = []
    out = export_model(model, tmp_path / "slow.mp4", p, progress=lambda i, n: calls.append(i))
    assert out == tmp_path / "slow.mp4" and out.stat().st_size > 0
    assert calls == list(range(1, p.frame_count + 1))
    info = probe_clip(out)
    assert info.codec == "h264"
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert (info.width, info.height) == (22, 14)
    clip = read_clip(out)
    assert clip.num_frames == p.frame_count == 19
    assert clip.fps == FPS
    assert sorted(f.name for f in tmp_path.iterdir()) == ["slow.mp4"]


def test_cancelled_export_leaves_no_file(tmp_path, model) -> None:
    p = plan(slowmo=2)
    polls = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(ExportCancelled):
        export_model(model, tmp_path / "c.mp4", p, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_codec_for_path(tmp_path) -> None:
    assert codec_for_path(tmp_path / "a.mp4", None) == "h264"
    assert codec_for_path(tmp_path / "a.mkv", None) == "lossless"
    assert codec_for_path(tmp_path / "a.gif", None) == "gif"
    with pytest.raises(UserError):
        codec_for_path(tmp_path / "a.xyz", None)
    with pytest.raises(UserError):
        codec_for_path(tmp_path / "a.gif", "h264")
