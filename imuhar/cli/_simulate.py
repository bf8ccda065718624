"""``imuhar simulate``: turn mocap takes into accelerometer and gyroscope signals at body nodes.

INPUT may be any mix of mocap files (.bvh of any rig, HumanML3D new_joints .npy, UTD-MHAD/Kinect
*skeleton.mat), folders and zip archives (read in place). Every take is simulated at the same placements and
output rate and written to one .npz:

  acc            (T, P, 3) float32  specific force in each sensor's frame, m/s^2, gravity included
  gyro           (T, P, 3) float32  angular velocity in each sensor's frame, rad/s
  placements     (P,)               canonical node names
  rate_hz        ()                 output rate in Hz
  take_offsets   (K + 1,) int64     take k occupies rows take_offsets[k]:take_offsets[k + 1] (K = number of takes)
  take_sources   (K,)               where each take came from (file, or archive.zip!member)
  params_json    ()                 the simulation parameters as JSON

Takes are concatenated along time (never resampled against each other), so one take is a slice and a single
input gives take_offsets = [0, T].
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "simulate",
        help="simulate IMU signals (acc + gyro) from mocap files, folders or zip archives",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="mocap files, folders or zip archives")
    p.add_argument(
        "--placements",
        default="all",
        help="comma-separated nodes or aliases, e.g. right_wrist,pelvis or wrist,waist (default: all 22 nodes)",
    )
    p.add_argument("--rate-hz", type=float, default=None, help="output rate in Hz (default: the first take's frame rate)")
    p.add_argument(
        "--noise",
        default="ideal",
        help="sensor model preset: ideal, consumer_phone or research_imu (default ideal)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the sensor errors (take k uses seed + k)")
    p.add_argument(
        "--cutoff-hz",
        default="auto",
        help="low-pass cut-off before differentiation in Hz, 'auto' (min(12, 0.4 x the lower rate)) or 'none'",
    )
    p.add_argument("--unit", default="auto", help="BVH length unit: auto, m, cm, mm, inch (default auto)")
    p.add_argument("--skip-errors", action="store_true", help="log and skip takes that cannot be read")
    p.add_argument("--out", type=Path, required=True, help="output .npz file")
    p.add_argument("--plot", type=Path, default=None, help="also write a PNG of the first take's signals")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _plot(acc, gyro, placements, rate_hz: float, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    shown = list(range(min(len(placements), 6)))
    fig, axes = plt.subplots(len(shown), 2, figsize=(11, 1.9 * len(shown) + 0.6), sharex=True, squeeze=False)
    t = np.arange(acc.shape[0]) / rate_hz
    for row, k in enumerate(shown):
        for col, (sig, unit) in enumerate(((acc, "m/s²"), (gyro, "rad/s"))):
            ax = axes[row, col]
            for a, axis in enumerate("xyz"):
                ax.plot(t, sig[:, k, a], lw=0.8, label=axis)
            ax.set_ylabel(f"{placements[k]}\n{('acc', 'gyro')[col]} ({unit})", fontsize=8)
    axes[0, 0].legend(loc="upper right", fontsize=7, ncol=3)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..core import NODES, InvalidParameterError, resolve_placement
    from ..simulate import find_motion_files, get_sensor_model, load_motion, simulate_signals

    placements = (
        list(NODES)
        if args.placements.strip().lower() == "all"
        else [resolve_placement(p) for p in args.placements.split(",") if p.strip()]
    )
    if not placements:
        raise InvalidParameterError("--placements is empty: name nodes such as right_wrist,pelvis or 'all'")
    cutoff = args.cutoff_hz
    if isinstance(cutoff, str) and cutoff.lower() in ("none", "off", "0"):
        cutoff = None
    elif cutoff != "auto":
        try:
            cutoff = float(cutoff)
        except ValueError:
            raise InvalidParameterError(f"--cutoff-hz must be a number, 'auto' or 'none'; received {args.cutoff_hz!r}") from None
    unit: str | float = args.unit
    try:
        unit = float(unit)
    except ValueError:
        pass
    model = get_sensor_model(args.noise)
    files = find_motion_files(args.inputs)
    from tqdm.auto import tqdm

    acc_parts, gyro_parts, sources = [], [], []
    rate = args.rate_hz
    params = None
    t0 = time.perf_counter()
    for k, f in enumerate(tqdm(files, desc="simulating", unit="take", disable=args.quiet)):
        label = getattr(f, "label", str(f))
        try:
            motion = load_motion(f, unit=unit)
            sig = simulate_signals(
                motion, placements, rate_hz=rate if rate is not None else motion.rate_hz, cutoff_hz=cutoff,
                noise=model, seed=args.seed + k,
            )
        except Exception as exc:
            from ..core import ImuharError

            if args.skip_errors and isinstance(exc, ImuharError):
                logger.warning("skipping %s: %s", label, exc)
                continue
            raise
        rate = sig.rate_hz
        acc_parts.append(sig.acc.astype(np.float32))
        gyro_parts.append(sig.gyro.astype(np.float32))
        sources.append(label)
        if params is None:
            params = {k2: v for k2, v in sig.params.items() if k2 not in ("source", "node_sources")}
    if not acc_parts:
        raise InvalidParameterError(f"no take could be simulated from {args.inputs}")
    elapsed = time.perf_counter() - t0
    offsets = np.cumsum([0] + [a.shape[0] for a in acc_parts]).astype(np.int64)
    acc = np.concatenate(acc_parts)
    gyro = np.concatenate(gyro_parts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    params = dict(params or {}, noise=model.to_dict(), n_takes=len(sources))
    np.savez_compressed(
        args.out,
        acc=acc,
        gyro=gyro,
        placements=np.array(placements),
        rate_hz=np.float64(rate),
        take_offsets=offsets,
        take_sources=np.array(sources),
        params_json=np.array(json.dumps(params)),
    )
    print(
        f"simulated {len(sources)} take(s), {acc.shape[0]} samples at {rate:g} Hz ({acc.shape[0] / rate:.1f} s) x "
        f"{len(placements)} placement(s) in {elapsed:.2f} s -> {args.out}"
    )
    if args.plot is not None:
        sl = slice(offsets[0], offsets[1])
        _plot(acc[sl], gyro[sl], placements, rate, f"{sources[0]} (noise: {model.name})", args.plot)
        print(f"plot -> {args.plot}")
    return 0
