"""Process-wide settings that make the Gabor workload fast on CPUs, and device selection.

- Denormal floats are flushed to zero: the Gaussian window exp(-s0^2 |u|^2) underflows into
  denormals, which slow some matmuls down by up to 50x.
- glibc's malloc hands every buffer of 32 MB or more a fresh mmap (page faults on every step);
  on glibc we keep large buffers on the heap instead, so they are reused.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import torch

from actinr_studio.errors import UserError

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_MAX = -1, -2, -4
_tuned = False


def tune_process() -> dict[str, bool]:
    """Flush denormals and tune glibc's allocator (once per process). Returns what was done."""
    global _tuned
    flushed = torch.set_flush_denormal(True)
    heap = False
    if not _tuned and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            heap = bool(
                libc.mallopt(_M_MMAP_MAX, 0)
                and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
                and libc.mallopt(_M_TOP_PAD, 64 << 20)
            )
        except (OSError, AttributeError):
            heap = False
        _tuned = True
    return {"flush_denormal": bool(flushed), "heap_allocator": heap}


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA when available, else the CPU. An unavailable choice is a UserError."""
    name = (name or "auto").lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UserError(f"device {name!r} asked for, but CUDA is not available on this machine")
        return torch.device(name)
    if name == "cpu":
        return torch.device("cpu")
    raise UserError(f"unknown device {name!r}; use auto, cpu or cuda[:N]")


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"
