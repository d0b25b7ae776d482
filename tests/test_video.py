"""Tests for actinr_studio.video: reading, writing, synthetic clips and error handling."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from actinr_studio.errors import UserError
from actinr_studio.video import (
    ClipInfo,
    ExportCancelled,
    VideoClip,
    gradient_clip,
    moving_disc,
    probe_clip,
    read_clip,
    write_clip,
)

REALSHORT = Path(__file__).resolve().parents[2] / "shared" / "clips" / "realshort.mp4"
NTSC = Fraction(30000, 1001)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))


def write_png_folder(folder: Path, frames: np.ndarray, names: list[str]) -> None:
    """Write frames as PNGs with the given file names (via the png exporter)."""
    write_clip(folder, frames, 24, codec="png")
    for i, name in enumerate(names):
        (folder / f"frame_{i:05d}.png").rename(folder / name)


# ------------------------------------------------------------------------ clip & synthetic


def test_video_clip_properties() -> None:
    clip = moving_disc(num_frames=12, height=30, width=40)
    assert isinstance(clip, VideoClip)
    assert (clip.num_frames, clip.height, clip.width) == (12, 30, 40)
    assert clip.fps == Fraction(24) and isinstance(clip.fps, Fraction)
    assert clip.duration_seconds == pytest.approx(0.5)
    assert clip.frames.dtype == np.uint8 and clip.frames.flags.c_contiguous
    as_float = clip.as_float()
    assert as_float.dtype == np.float32 and 0.0 <= as_float.min() and as_float.max() <= 1.0
    np.testing.assert_array_equal(np.rint(as_float * 255).astype(np.uint8), clip.frames)


def test_synthetic_is_deterministic_and_moves_right() -> None:
    a, b = moving_disc(seed=3), moving_disc(seed=3)
    np.testing.assert_array_equal(a.frames, b.frames)
    assert not np.array_equal(a.frames, moving_disc(seed=4).frames)
    flat = moving_disc(num_frames=5, background="flat", speed=4.0)
    # The disc's centre of mass (difference from the flat background) moves 4 px per frame.
    diff = np.abs(flat.frames.astype(int) - 128).sum(axis=(1, 3))
    xs = (diff * np.arange(flat.width)).sum(axis=1) / diff.sum(axis=1)
    np.testing.assert_allclose(np.diff(xs), 4.0, atol=0.05)
    waves = gradient_clip(8, 20, 30)
    assert waves.frames.shape == (8, 20, 30, 3)
    assert not np.array_equal(waves.frames[0], waves.frames[1])


# ------------------------------------------------------------------------ round trips


def test_lossless_round_trip_is_bit_exact(tmp_path: Path) -> None:
    clip = moving_disc(num_frames=10, height=37, width=51)
    out = write_clip(tmp_path / "clip.mkv", clip.frames, NTSC, codec="lossless")
    back = read_clip(out)
    np.testing.assert_array_equal(back.frames, clip.frames)
    assert back.fps == NTSC and not back.fps_assumed
    info = probe_clip(out)
    assert isinstance(info, ClipInfo)
    assert (info.kind, info.codec, info.width, info.height) == ("video", "ffv1", 51, 37)
    assert info.frame_count == 10 and info.fps == NTSC


def test_h264_round_trip_quality_and_fps(tmp_path: Path) -> None:
    clip = gradient_clip(12, 48, 64)
    out = write_clip(tmp_path / "clip.mp4", iter(clip.frames), NTSC)
    back = read_clip(out)
    assert back.frames.shape == clip.frames.shape
    assert back.fps == NTSC
    assert psnr(back.frames, clip.frames) > 35
    info = probe_clip(out)
    assert info.codec == "h264" and info.frame_count == 12 and info.frame_count_exact


def test_png_round_trip_is_exact(tmp_path: Path) -> None:
    clip = moving_disc(num_frames=5, height=21, width=33)
    out = write_clip(tmp_path / "frames", clip.frames, 24, codec="png")
    assert sorted(p.name for p in out.iterdir()) == [f"frame_{i:05d}.png" for i in range(5)]
    back = read_clip(out)
    np.testing.assert_array_equal(back.frames, clip.frames)
    assert back.fps == 24 and back.fps_assumed


def test_gif_round_trip_is_close(tmp_path: Path) -> None:
    clip = moving_disc(num_frames=6, height=40, width=48)
    out = write_clip(tmp_path / "clip.gif", clip.frames, 25, codec="gif")
    back = read_clip(out)
    assert back.frames.shape == clip.frames.shape
    assert np.abs(back.frames.astype(int) - clip.frames).mean() < 6
    assert back.fps == 25  # GIF delays are 1/100 s: 25 fps survives exactly


def test_h264_odd_size_is_padded_not_cropped(tmp_path: Path) -> None:
    clip = gradient_clip(6, 37, 51)
    out = write_clip(tmp_path / "odd.mp4", clip.frames, 24)
    back = read_clip(out)
    assert back.frames.shape == (6, 38, 52, 3)
    assert psnr(back.frames[:, :37, :51], clip.frames) > 35
    # The padding repeats the last row/column.
    assert psnr(back.frames[:, 37, :51], clip.frames[:, 36]) > 30
    assert psnr(back.frames[:, :37, 51], clip.frames[:, :, 50]) > 30


def test_codec_inferred_from_extension(tmp_path: Path) -> None:
    frames = moving_disc(num_frames=3, height=16, width=16).frames
    assert probe_clip(write_clip(tmp_path / "a.mov", frames, 24, codec=None)).codec == "h264"
    assert probe_clip(write_clip(tmp_path / "b.mkv", frames, 24, codec=None)).codec == "ffv1"
    assert probe_clip(write_clip(tmp_path / "c.gif", frames, 24, codec=None)).codec == "gif"
    assert probe_clip(write_clip(tmp_path / "d", frames, 24, codec=None)).kind == "folder"


def test_float_fps_becomes_fraction(tmp_path: Path) -> None:
    frames = gradient_clip(3, 16, 16).frames
    out = write_clip(tmp_path / "a.mkv", frames, 30000 / 1001, codec="lossless")
    assert read_clip(out).fps == NTSC


def test_writer_streams_a_generator_and_reports_progress(tmp_path: Path) -> None:
    clip = gradient_clip(7, 16, 24)
    calls: list[tuple[int, int]] = []
    out = write_clip(
        tmp_path / "g.mkv",
        (f for f in clip.frames),
        24,
        codec="lossless",
        total=7,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(i, 7) for i in range(1, 8)]
    np.testing.assert_array_equal(read_clip(out).frames, clip.frames)


# ------------------------------------------------------------------------ selection


@pytest.fixture()
def lossless_clip(tmp_path: Path) -> tuple[Path, np.ndarray]:
    clip = moving_disc(num_frames=12, height=40, width=60)
    return write_clip(tmp_path / "sel.mkv", clip.frames, 24, codec="lossless"), clip.frames


def test_start_and_count(lossless_clip: tuple[Path, np.ndarray]) -> None:
    path, frames = lossless_clip
    calls: list[tuple[int, int]] = []
    clip = read_clip(path, start=3, count=4, progress=lambda d, t: calls.append((d, t)))
    np.testing.assert_array_equal(clip.frames, frames[3:7])
    assert clip.first_frame == 3
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # Asking for more than there is gives what there is.
    np.testing.assert_array_equal(read_clip(path, start=9, count=10).frames, frames[9:])


def test_integer_scale_is_exact_box_filter(lossless_clip: tuple[Path, np.ndarray]) -> None:
    path, frames = lossless_clip
    clip = read_clip(path, count=2, scale=2)
    expected = frames[:2].reshape(2, 20, 2, 30, 2, 3).astype(np.float64).mean(axis=(2, 4))
    assert clip.frames.shape == (2, 20, 30, 3) and clip.scale == 2.0
    assert np.abs(clip.frames - expected).max() <= 0.5 + 1e-9
    odd = read_clip(path, count=1, scale=3)  # 60x40 / 3 -> 20x13 (floor)
    assert odd.frames.shape == (1, 13, 20, 3)


def test_fractional_scale(lossless_clip: tuple[Path, np.ndarray]) -> None:
    path, frames = lossless_clip
    clip = read_clip(path, count=1, scale=1.5)
    assert clip.frames.shape == (1, 26, 40, 3)
    # Area averaging keeps the mean colour.
    assert abs(clip.frames.mean() - frames[0].mean()) < 2
    assert read_clip(path, count=1, scale=1000).frames.shape == (1, 1, 1, 3)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": 12},
        {"start": -1},
        {"start": 1.5},
        {"start": True},
        {"count": 0},
        {"count": "3"},
        {"scale": 0.5},
        {"scale": float("nan")},
        {"scale": "2"},
    ],
)
def test_bad_numbers_are_user_errors(lossless_clip: tuple[Path, np.ndarray], kwargs) -> None:
    path, _ = lossless_clip
    with pytest.raises(UserError):
        read_clip(path, **kwargs)


def test_memory_limit(lossless_clip: tuple[Path, np.ndarray]) -> None:
    path, _ = lossless_clip
    with pytest.raises(UserError, match="--scale"):
        read_clip(path, max_bytes=40 * 60 * 3 * 5)
    assert read_clip(path, count=5, max_bytes=40 * 60 * 3 * 5).num_frames == 5


def test_frame_buffer_grows_past_a_low_estimate() -> None:
    from actinr_studio.video.reader import _FrameStack

    stack = _FrameStack(expected=2, max_bytes=10 * 4 * 4 * 3)
    for i in range(10):
        stack.append(np.full((4, 4, 3), i, dtype=np.uint8))
    result = stack.result()
    assert result.shape == (10, 4, 4, 3) and result.flags.c_contiguous
    np.testing.assert_array_equal(result[:, 0, 0, 0], np.arange(10))
    with pytest.raises(UserError, match="--frames"):
        stack.append(np.zeros((4, 4, 3), dtype=np.uint8))


# ------------------------------------------------------------------------ folders & images


def test_frame_folder_natural_order(tmp_path: Path) -> None:
    clip = moving_disc(num_frames=11, height=24, width=32)
    folder = tmp_path / "seq"
    write_png_folder(folder, clip.frames, [f"img{i}.png" for i in range(11)])
    (folder / "notes.txt").write_text("not a frame")
    info = probe_clip(folder)
    assert (info.kind, info.frame_count, info.fps, info.fps_assumed) == ("folder", 11, 24, True)
    back = read_clip(folder)
    np.testing.assert_array_equal(back.frames, clip.frames)  # img2 before img10
    np.testing.assert_array_equal(read_clip(folder, start=8, count=2).frames, clip.frames[8:10])
    single = read_clip(folder / "img3.png")
    assert single.num_frames == 1 and probe_clip(folder / "img3.png").kind == "image"
    np.testing.assert_array_equal(single.frames[0], clip.frames[3])


def test_folder_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("hi")
    with pytest.raises(UserError, match="no .jpg"):
        read_clip(empty)
    mixed = tmp_path / "mixed"
    write_png_folder(mixed, moving_disc(2, 16, 16).frames, ["a1.png", "a2.png"])
    write_clip(tmp_path / "big", moving_disc(1, 20, 16).frames, 24, codec="png")
    (tmp_path / "big" / "frame_00000.png").rename(mixed / "a3.png")
    with pytest.raises(UserError, match="different sizes"):
        read_clip(mixed)
    (mixed / "a4.png").write_bytes(b"not a png")
    with pytest.raises(UserError):
        read_clip(mixed, start=3)


# ------------------------------------------------------------------------ bad inputs


def test_missing_and_non_video_files(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="No such file"):
        read_clip(tmp_path / "missing.mp4")
    with pytest.raises(UserError, match="No such file"):
        probe_clip(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x01 definitely not a video " * 50)
    with pytest.raises(UserError):
        read_clip(junk)
    empty = tmp_path / "empty.mov"
    empty.write_bytes(b"")
    with pytest.raises(UserError):
        probe_clip(empty)
    text = tmp_path / "notes.txt"
    text.write_text("hello\nworld\n")
    with pytest.raises(UserError):
        read_clip(text)


def test_truncated_file(tmp_path: Path) -> None:
    clip = gradient_clip(40, 96, 128)
    path = write_clip(tmp_path / "full.mp4", clip.frames, 24)
    data = path.read_bytes()
    partial = 0
    for keep in (len(data) // 2, 600, 40):
        cut = tmp_path / f"cut{keep}.mp4"
        cut.write_bytes(data[:keep])
        try:
            back = read_clip(cut)
        except UserError:
            continue
        partial += 1
        assert 1 <= back.num_frames < 40 and back.frames.shape[1:] == (96, 128, 3)
        assert psnr(back.frames[0], clip.frames[0]) > 30
    assert partial >= 1  # +faststart puts the index first, so half a file still decodes


def test_writer_errors(tmp_path: Path) -> None:
    frames = moving_disc(num_frames=3, height=16, width=16).frames
    with pytest.raises(UserError, match="Unknown codec"):
        write_clip(tmp_path / "a.mp4", frames, 24, codec="vp9")
    with pytest.raises(UserError):
        write_clip(tmp_path / "a.avi", frames, 24, codec=None)
    with pytest.raises(UserError):
        write_clip(tmp_path / "a.gif", frames, 24, codec="h264")
    with pytest.raises(UserError, match="does not exist"):
        write_clip(tmp_path / "nope" / "a.mp4", frames, 24)
    with pytest.raises(UserError, match="same size"):
        write_clip(tmp_path / "a.mp4", [frames[0], frames[1, :8]], 24)
    with pytest.raises(UserError, match="uint8"):
        write_clip(tmp_path / "a.mp4", frames.astype(np.float32), 24)
    with pytest.raises(UserError):
        write_clip(tmp_path / "a.mp4", frames[..., :2], 24)
    with pytest.raises(UserError, match="No frames"):
        write_clip(tmp_path / "a.mp4", [], 24)
    with pytest.raises(UserError):
        write_clip(tmp_path / "a.mp4", frames, 0)
    with pytest.raises(UserError):
        write_clip(tmp_path / "a.mp4", frames, 24, quality=99)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="other files"):
        write_clip(tmp_path / "busy", frames, 24, codec="png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def test_cancelled_export_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    old = write_clip(target, gradient_clip(4, 16, 16).frames, 24).read_bytes()
    frames = moving_disc(num_frames=8, height=16, width=16).frames
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(ExportCancelled):
        write_clip(target, frames, 24, cancel=cancel)
    assert target.read_bytes() == old
    with pytest.raises(ExportCancelled):
        write_clip(tmp_path / "new.mp4", frames, 24, cancel=lambda: True)

    def failing():
        yield frames[0]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_clip(tmp_path / "seq", failing(), 24, codec="png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_png_export_replaces_previous_sequence(tmp_path: Path) -> None:
    folder = tmp_path / "seq"
    write_clip(folder, moving_disc(5, 16, 16).frames, 24, codec="png")
    newer = gradient_clip(2, 16, 16).frames
    write_clip(folder, newer, 24, codec="png")
    np.testing.assert_array_equal(read_clip(folder).frames, newer)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seq"]


# ------------------------------------------------------------------------ real clip


@pytest.mark.skipif(not REALSHORT.exists(), reason="shared clips not available")
def test_real_clip_with_audio_stream() -> None:
    info = probe_clip(REALSHORT)
    assert (info.width, info.height, info.frame_count) == (320, 240, 36)
    assert info.fps == Fraction(45000, 1499) and info.codec == "h264"
    clip = read_clip(REALSHORT, start=30, count=10, scale=2)
    assert clip.frames.shape == (6, 120, 160, 3) and clip.fps == info.fps


def test_package_does_not_import_qt() -> None:
    code = (
        "import sys, actinr_studio.video, actinr_studio.bench.baselines\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
