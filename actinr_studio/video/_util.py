"""Small helpers shared by the reader and the writer."""

from __future__ import annotations


def error_reason(exc: BaseException) -> str:
    """A short, one-line reason for an FFmpeg/OS error (for :class:`UserError` messages)."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


def format_bytes(num: float) -> str:
    """Human-readable byte count, e.g. ``1.5 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(num) < 1024 or unit == "GiB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    return f"{num:.1f} GiB"  # pragma: no cover
