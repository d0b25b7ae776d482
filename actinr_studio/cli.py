"""The ``actinr-studio`` command: the studio (no arguments or a path), or headless commands.

Every user error prints one line and exits with code 2; the GUI is imported only when asked for.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from actinr_studio import __version__
from actinr_studio.errors import UserError

COMMANDS = ("fit", "render", "export", "info", "bench", "eval", "biases")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------- argument types
def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1)
_nonnegative_int = _int_at_least(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _scale(text: str) -> float:
    value = _positive_float(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"downscale factor must be >= 1, got {text}")
    return value


def _region(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        x, y, w, h = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"region must be x,y,w,h, got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"region width and height must be positive: {text!r}")
    return x, y, w, h


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(p) for p in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WxH, e.g. 640x360, got {text!r}") from None
    if not (0 < w <= 16384 and 0 < h <= 16384):
        raise argparse.ArgumentTypeError(f"size must be within 1..16384 per side, got {text!r}")
    return w, h


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="actinr-studio",
        description="Continuous video with ActINR: slow motion at any factor, zoom at any "
        "resolution. Without a command, opens the studio (optionally on a clip or model).",
    )
    parser.add_argument("--version", action="version", version=f"actinr-studio {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    fit = sub.add_parser("fit", help="train a model on a clip")
    fit.add_argument("clip", help="video file, image, or folder of frames")
    fit.add_argument("-o", "--output", required=True, help="model file to write (.pt)")
    fit.add_argument("--task", default="represent",
                     help="represent, interp-F, sr-S, denoise[:tau=30,sigma=1], denoise:noisy, "
                     "inpaint[:mask=PATH]")
    fit.add_argument("--start", type=_nonnegative_int, default=0, help="first frame")
    fit.add_argument("--frames", type=_positive_int, default=None, help="number of frames")
    fit.add_argument("--scale", type=_scale, default=1.0, help="downscale factor on load")
    fit.add_argument("--steps", type=_positive_int, default=None, help="training steps")
    fit.add_argument("--time-budget", type=_positive_float, default=None,
                     help="train for this many seconds instead of a step count")
    fit.add_argument("--device", default="auto", help="auto, cpu or cuda[:N]")
    fit.add_argument("--threads", type=_positive_int, default=None,
                     help="CPU threads for torch (default: torch's choice)")
    fit.add_argument("--patch", type=_positive_int, default=None, help="patch size (pixels)")
    fit.add_argument("--hidden", type=_positive_int, default=None, help="hidden width")
    fit.add_argument("--gop", type=_positive_int, default=None, help="frames per GOP")
    fit.add_argument("--batch", type=_positive_int, default=None, help="pixels per step")
    fit.add_argument("--overlap", action="store_true", help="overlapping tent windows")
    fit.add_argument("--compile", action="store_true", help="use torch.compile")
    fit.add_argument("--config", help="JSON run config (model / train / task) to start from")
    fit.add_argument("--resume", help="continue training this model file")
    fit.add_argument("--seed", type=_nonnegative_int, default=None)
    fit.add_argument("--quiet", action="store_true", help="no progress bar")

    render = sub.add_parser("render", help="render one frame (any real time, region, size)")
    render.add_argument("model")
    render.add_argument("--frame", type=float, required=True, help="frame position, e.g. 12.35")
    render.add_argument("--region", type=_region, help="x,y,w,h in source pixels")
    render.add_argument("--size", type=_size, help="output WxH")
    render.add_argument("-o", "--output", required=True, help="PNG file")

    export = sub.add_parser("export", help="render a clip (slow motion, new fps, upscaled)")
    export.add_argument("model")
    export.add_argument("-o", "--output", required=True,
                        help=".mp4/.mov (H.264), .mkv (lossless), .gif, or a folder (PNGs)")
    rate = export.add_mutually_exclusive_group()
    rate.add_argument("--slowmo", type=_positive_float, help="slow-motion factor, e.g. 10")
    rate.add_argument("--fps", type=_positive_float, help="target frame rate, e.g. 60")
    export.add_argument("--scale", type=_positive_float, default=1.0, help="output scale")
    export.add_argument("--range", dest="frame_range", help="a:b in source frames")
    export.add_argument("--codec", choices=("h264", "lossless", "png", "gif"))
    export.add_argument("--quality", type=_nonnegative_int, help="H.264 CRF (default 18)")
    export.add_argument("--quiet", action="store_true")

    biases = sub.add_parser("biases", help="bias trajectories of patches over time (CSV)")
    biases.add_argument("model")
    biases.add_argument("--patch", required=True, help="row,col (several: r,c;r,c)")
    biases.add_argument("--layer", default="l1_u", help="l1_u, l1_v, l2_u, l2_v or out")
    biases.add_argument("--samples-per-frame", type=_positive_int, default=20)
    biases.add_argument("-o", "--output", required=True, help="CSV file")

    info = sub.add_parser("info", help="describe a model file")
    info.add_argument("model")
    info.add_argument("--json", action="store_true", help="print JSON")

    evaluate = sub.add_parser(
        "eval", help="fit a task and score it next to the usual alternatives (JSON, Markdown)")
    evaluate.add_argument("clip", help="video file, image, or folder of frames")
    evaluate.add_argument("--task", required=True,
                          help="interp-F, sr-S, denoise[:tau=30,sigma=1,seed=0], denoise:noisy, "
                          "inpaint[:mask=PATH] or represent")
    evaluate.add_argument("--frames", type=_positive_int, default=20, help="frames (default 20)")
    evaluate.add_argument("--start", type=_nonnegative_int, default=0, help="first frame")
    evaluate.add_argument("--scale", type=_scale, default=2.0,
                          help="downscale factor on load (default 2, the CPU protocol)")
    evaluate.add_argument("--seed", type=_nonnegative_int, default=0)
    evaluate.add_argument("--time-budget", type=_positive_float, default=None,
                          help="ActINR training seconds (default 60 unless --steps is given)")
    evaluate.add_argument("--steps", type=_positive_int, default=None, help="training steps")
    evaluate.add_argument("--baselines", default="all",
                          help="all, none, or names separated by commas")
    evaluate.add_argument("--device", default="auto", help="auto, cpu or cuda[:N]")
    evaluate.add_argument("--threads", type=_positive_int, default=None,
                          help="CPU threads for ActINR's training (default: torch's choice)")
    evaluate.add_argument("--config", help="JSON run config for ActINR")
    evaluate.add_argument("-o", "--output", help="results JSON to write")
    evaluate.add_argument("--markdown", help="results table (Markdown) to write")
    evaluate.add_argument("--quiet", action="store_true", help="print no table")

    bench = sub.add_parser("bench", help="benchmarks (JSON results)")
    bench_sub = bench.add_subparsers(dest="bench", parser_class=_Parser, required=True)
    from actinr_studio.bench.cli import add_bench_parsers

    add_bench_parsers(bench_sub)
    return parser


# ---------------------------------------------------------------- commands
def cmd_fit(args) -> int:
    from actinr_studio.fit import FitRequest, run_fit

    request = FitRequest(
        clip=args.clip, output=args.output, task=args.task, start=args.start,
        frames=args.frames, scale=args.scale, steps=args.steps, time_budget=args.time_budget,
        device=args.device, patch=args.patch, hidden=args.hidden, gop=args.gop,
        batch=args.batch, overlap=args.overlap, compile=args.compile, config=args.config,
        resume=args.resume, seed=args.seed, threads=args.threads,
    )
    summary = run_fit(request, progress=not args.quiet)
    print(json.dumps(summary, indent=2))
    return 0


def cmd_render(args) -> int:
    from actinr_studio.checkpoint import load_checkpoint
    from actinr_studio.runtime import tune_process
    from actinr_studio.video import write_image

    tune_process()
    ck = load_checkpoint(args.model)
    last = ck.video.num_frames - 1
    if not (0 <= args.frame <= last):
        raise UserError(f"--frame must be within 0 ... {last}, got {args.frame:g}")
    image = ck.model.render_uint8(args.frame, args.region, args.size)
    write_image(args.output, image)
    print(f"wrote {args.output} ({image.shape[1]}x{image.shape[0]}, frame {args.frame:g})")
    return 0


def cmd_export(args) -> int:
    from tqdm import tqdm

    from actinr_studio.checkpoint import load_checkpoint
    from actinr_studio.export import codec_for_path, export_model, parse_range, plan_export
    from actinr_studio.runtime import tune_process

    tune_process()
    codec = codec_for_path(args.output, args.codec)
    ck = load_checkpoint(args.model)
    v = ck.video
    plan = plan_export(v.num_frames, v.width, v.height, v.fps, slowmo=args.slowmo, fps=args.fps,
                       scale=args.scale, frame_range=parse_range(args.frame_range, v.num_frames),
                       codec=codec)
    with tqdm(total=plan.frame_count, unit="frame", disable=args.quiet, desc="export") as bar:
        path = export_model(ck.model, args.output, plan, quality=args.quality,
                            progress=lambda done, total: bar.update(done - bar.n))
    print(f"wrote {path}: {plan.frame_count} frames, {plan.width}x{plan.height}, "
          f"{float(plan.fps):.3f} fps ({plan.duration_seconds:.2f} s)")
    return 0


def cmd_biases(args) -> int:
    from actinr_studio.inspect import export_biases_csv

    path = export_biases_csv(args.model, args.patch, args.layer, args.output,
                             samples_per_frame=args.samples_per_frame)
    print(f"wrote {path}")
    return 0


def cmd_info(args) -> int:
    from actinr_studio.checkpoint import load_checkpoint

    ck = load_checkpoint(args.model)
    v = ck.video
    facts = {
        "model": str(args.model),
        "task": ck.run.task,
        "step": ck.step,
        "metrics": ck.metrics,
        "video": v.to_dict() | {"fps": f"{v.fps.numerator}/{v.fps.denominator}"},
        "units": ck.model.units,
        "patches": list(ck.model.grid.shape),
        "gops": ck.model.gops.count,
        "parameters": ck.model.parameter_count(),
        "resumable": ck.trainer_state is not None,
        "config": ck.run.to_dict(),
    }
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    print(f"{args.model}: ActINR model, task {ck.run.task}, {ck.step} steps")
    print(f"  clip: {v.num_frames} frames of {v.width}x{v.height} at {float(v.fps):.3f} fps "
          f"(from {v.source or 'unknown'})")
    print(f"  units: {ck.model.units} ({facts['gops']} GOPs x {ck.model.patches} patches of "
          f"{ck.run.model.patch_size} px), {facts['parameters']:,} parameters")
    for key, value in ck.metrics.items():
        print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")
    return 0


def cmd_eval(args) -> int:
    from actinr_studio.bench.eval import (
        EvalRequest,
        check_output_paths,
        run_eval,
        to_markdown,
        write_outputs,
    )

    check_output_paths(args.output, args.markdown)
    request = EvalRequest(
        clip=args.clip, task=args.task, frames=args.frames, start=args.start, scale=args.scale,
        seed=args.seed, time_budget=args.time_budget, steps=args.steps,
        baselines=args.baselines, device=args.device, config=args.config, threads=args.threads,
    )
    result = run_eval(request)
    write_outputs(result, args.output, args.markdown)
    if not args.quiet:
        print(to_markdown(result))
    return 0


def _launch_gui(path: str | None) -> int:
    try:
        from actinr_studio.gui import run_gui
    except ImportError as exc:
        raise UserError(f"the studio cannot start: {exc}") from None
    return run_gui(path)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            if len(argv) > 1:
                raise UserError(f"unknown command {argv[0]!r}; use one of {', '.join(COMMANDS)}")
            if argv and not Path(argv[0]).exists():
                raise UserError(f"no such file or command: {argv[0]}")
            return _launch_gui(argv[0] if argv else None)
        args = build_parser().parse_args(argv)
        handler = {"fit": cmd_fit, "render": cmd_render, "export": cmd_export,
                   "info": cmd_info, "eval": cmd_eval, "biases": cmd_biases}.get(args.command)
        if handler is None:
            from actinr_studio.bench.cli import run_bench

            return run_bench(args)
        return handler(args)
    except UserError as exc:
        print(f"actinr-studio: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("actinr-studio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
