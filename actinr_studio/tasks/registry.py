"""Task strings.

Grammar (case-insensitive apart from file paths; spaces around the string are ignored)::

    represent                      plain fit of every frame
    interp-F                       slow motion: train on every F-th frame (F >= 2)
    sr-S                           space-time super-resolution: S x in space (S >= 2), 2x in time
    denoise[:OPTION,...]           photon noise; options tau=<float> (default 30),
                                   sigma=<float> (alias sigma_r; default 1), seed=<int> (0)
    denoise:noisy                  the clip is already noisy: no noise added, scored against it
    inpaint                        five square holes
    inpaint:mask=PATH              holes from a PNG or a folder of PNGs (white = hole)
"""

from __future__ import annotations

import re

from actinr_studio.errors import UserError
from actinr_studio.tasks.base import Interpolate, Represent, Task
from actinr_studio.tasks.denoise import Denoise
from actinr_studio.tasks.inpaint import Inpaint
from actinr_studio.tasks.super_resolve import SuperResolve

TASK_NAMES = ("represent", "interp-F", "sr-S", "denoise[:tau=30,sigma=1,seed=0]",
              "denoise:noisy", "inpaint", "inpaint:mask=PATH")


def _options(text: str, task: str) -> dict[str, str]:
    options = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not key:
            raise UserError(f"{task}: empty option in {text!r}")
        options[key] = value.strip() if sep else ""
    return options


def _number(options: dict, key: str, kind, default, task: str):
    if key not in options:
        return default
    try:
        return kind(options.pop(key))
    except ValueError:
        raise UserError(f"{task}: {key} must be a number") from None


def _denoise(options_text: str | None) -> Task:
    if options_text is None:
        return Denoise()
    options = _options(options_text, "denoise")
    if "noisy" in options:
        if len(options) > 1 or options["noisy"]:
            raise UserError("denoise:noisy takes no other options")
        return Denoise(already_noisy=True)
    if "sigma_r" in options:
        options["sigma"] = options.pop("sigma_r")
    tau = _number(options, "tau", float, 30.0, "denoise")
    sigma = _number(options, "sigma", float, 1.0, "denoise")
    seed = _number(options, "seed", int, 0, "denoise")
    if options:
        raise UserError(f"denoise: unknown option {next(iter(options))!r} "
                        "(use tau=, sigma=, seed= or noisy)")
    if seed < 0:
        raise UserError("denoise: seed must be >= 0")
    return Denoise(tau, sigma, seed)


def _inpaint(options_text: str | None) -> Task:
    if options_text is None:
        return Inpaint()
    key, sep, path = options_text.partition("=")
    if key.strip().lower() != "mask" or not sep or not path.strip():
        raise UserError("inpaint takes one option: inpaint:mask=PATH")
    return Inpaint(path.strip())


def parse_task(name: str) -> Task:
    """A task from its string (see the module docstring for the grammar)."""
    text = name.strip()
    head, sep, rest = text.partition(":")
    head = head.strip().lower()
    options = rest if sep else None
    if head in ("denoise", "inpaint"):
        return _denoise(options) if head == "denoise" else _inpaint(options)
    if options is None:
        if head == "represent":
            return Represent()
        match = re.fullmatch(r"(interp|sr)-(\d+)", head)
        if match:
            factor = int(match[2])
            return Interpolate(factor) if match[1] == "interp" else SuperResolve(factor)
    raise UserError(f"unknown task {name!r}; choose one of: {', '.join(TASK_NAMES)}")
