"""Windows per second of the vectorized preprocessing pipeline on UCI HAPT, beside the same steps done naively.

Dataset: UCI HAPT raw recordings (30 subjects, 61 sessions, waist smartphone, 50 Hz, acc in g, gyro in rad/s),
read in place from ``$IMUHAR_SHARED_DATA/uci-hapt.zip`` (default ``<repo>/../shared/data``). This script holds
its own small reader of the authors' RawData text files; the dataset loader proper lives in imuhar.datasets.

Pipeline (both variants): convert units (g -> m/s^2) -> resample (polyphase, 50 -> target Hz, or keep 50 Hz)
-> 3rd-order zero-phase Butterworth low-pass (noise) -> gravity split at 0.3 Hz (3rd order; body acc kept,
as UCI-HAR does) -> sliding windows (majority label, 50 % overlap, unlabelled windows dropped) ->
standardize (statistics from the UCI-HAR training subjects only; test subjects 2 4 9 10 12 13 18 20 24).

* vectorized: imuhar.preprocessing on whole recordings; strided windows; labels from cumulative class counts;
  one masked z-score over the batch.
* naive: the same steps in a per-window Python loop, as HAR code is often written: each window is cut, filtered
  and gravity-split on its own, labelled with ``collections.Counter``, and standardized one by one.

Reading the text files is the same code for both; it is timed once and reported separately (``read_s``) and
added to both sides in ``*_with_read`` figures. Timings are the best of ``--repeats`` runs (vectorized) and of
``--naive-repeats`` runs (naive), interleaved so that both meet the same load on a shared machine. The last stdout line is one JSON object (also written to
experiments/results/bench_preprocess.json).

Usage: python experiments/bench_preprocess.py [--rates 20 50] [--repeats 5] [--naive-repeats 2]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

from imuhar.core import UNLABELLED, Activity, LabelVocabulary
from imuhar.datasets._io import open_source
from imuhar.preprocessing import (
    STANDARD_GRAVITY,
    Standardizer,
    lowpass,
    rational_ratio,
    resample,
    sliding_windows,
    split_gravity,
    split_subjects,
    to_si_recording,
)

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "experiments" / "results" / "bench_preprocess.json"
#: UCI-HAR's published test subjects (the other 21 train).
UCI_HAR_TEST_SUBJECTS = ("02", "04", "09", "10", "12", "13", "18", "20", "24")
LOWPASS_HZ = {20.0: 8.0, 50.0: 20.0}  # noise low-pass below each rate's Nyquist (UCI-HAR: 20 Hz at 50 Hz)
GRAVITY_HZ, ORDER, OVERLAP = 0.3, 3, 0.5


def shared_data_dir() -> Path:
    return Path(os.environ.get("IMUHAR_SHARED_DATA", REPO.parent / "shared" / "data"))


# ----------------------------------------------------------------------------------------------- reading
def read_hapt(path: Path) -> tuple[list[dict], LabelVocabulary]:
    """Raw sessions of UCI HAPT as dicts of numpy arrays (acc in g, gyro in rad/s, per-sample labels)."""
    import pandas as pd

    src = open_source(path)
    names = {}
    for line in src.read_text(src.find("*activity_labels.txt")).splitlines():
        if line.strip():
            idx, name = line.split(None, 1)
            names[int(idx)] = name.strip()
    kinds = {n: "transition" if "_TO_" in n else ("static" if n in ("SITTING", "STANDING", "LAYING") else "dynamic") for n in names.values()}
    vocab = LabelVocabulary(tuple(Activity(names[i].lower().replace("_", " "), "", kinds[names[i]]) for i in sorted(names)))
    rows = np.loadtxt(io.StringIO(src.read_text(src.find("*RawData/labels.txt"))), dtype=np.int64, ndmin=2)
    sessions = []
    for acc_name in src.glob("*RawData/acc_exp*_user*.txt"):
        exp, user = (int(v) for v in re.search(r"acc_exp(\d+)_user(\d+)", acc_name).groups())
        gyro_name = acc_name.replace("/acc_", "/gyro_") if "/" in acc_name else acc_name.replace("acc_", "gyro_")
        acc = pd.read_csv(src.open(acc_name), sep=" ", header=None).to_numpy(np.float64)
        gyro = pd.read_csv(src.open(gyro_name), sep=" ", header=None).to_numpy(np.float64)
        labels = np.full(len(acc), UNLABELLED, dtype=np.int64)
        for _, _, act, start, end in rows[(rows[:, 0] == exp) & (rows[:, 1] == user)]:
            labels[start : end + 1] = act - 1  # 0-based inclusive sample indices; ids 1..12 -> 0..11
        sessions.append({"acc_g": acc, "gyro": gyro, "labels": labels, "subject": f"{user:02d}", "id": f"exp{exp:02d}_user{user:02d}"})
    src.close()
    return sessions, vocab


# ----------------------------------------------------------------------------------------------- vectorized
def vectorized_pipeline(sessions, vocab, rate_hz: float, length_s: float):
    recs = []
    for s in sessions:
        r = to_si_recording({"waist": s["acc_g"]}, {"waist": s["gyro"]}, sample_rate_hz=50.0, acc_unit="g",
                            gyro_unit="rad/s", labels=s["labels"], vocabulary=vocab, subject=s["subject"],
                            recording_id=s["id"], metadata={"dataset": "uci-hapt"})
        r = resample(r, target_rate_hz=rate_hz)
        r = lowpass(r, LOWPASS_HZ[rate_hz], order=ORDER)
        r = split_gravity(r, cutoff_hz=GRAVITY_HZ, order=ORDER)[1]
        recs.append(r)
    w = sliding_windows(recs, length_s=length_s, overlap=OVERLAP, label_rule="majority", verbose=False)
    split = split_subjects(w, test_subjects=UCI_HAR_TEST_SUBJECTS)
    std = Standardizer().fit(w, subjects=split.train_subjects, check_disjoint=split.test_subjects)
    return std.transform(w)


# ----------------------------------------------------------------------------------------------- naive
def naive_pipeline(sessions, vocab, rate_hz: float, length_s: float):
    from scipy.signal import butter, resample_poly, sosfiltfilt

    up, down = rational_ratio(50.0, rate_hz)
    n = int(round(length_s * rate_hz))
    hop = max(1, int(round(n * (1 - OVERLAP))))
    sos_lp = butter(ORDER, LOWPASS_HZ[rate_hz], fs=rate_hz, output="sos")
    sos_g = butter(ORDER, GRAVITY_HZ, fs=rate_hz, output="sos")
    xs, labels, subjects = [], [], []
    for s in sessions:
        sig = np.concatenate([s["acc_g"] * STANDARD_GRAVITY, s["gyro"]], axis=1)
        if up != down:
            sig = np.stack([resample_poly(sig[:, c], up, down, padtype="line") for c in range(6)], axis=1)
            src = np.minimum((2 * np.arange(len(sig)) * down + up) // (2 * up), len(s["labels"]) - 1)
            lab = s["labels"][src]
        else:
            lab = s["labels"]
        for start in range(0, len(sig) - n + 1, hop):
            counts = Counter(lab[start : start + n].tolist())
            best = max(counts.values())
            winners = sorted(k for k, v in counts.items() if v == best and k != UNLABELLED)
            if not winners:
                continue
            seg = sosfiltfilt(sos_lp, sig[start : start + n], axis=0)
            body = seg[:, :3] - sosfiltfilt(sos_g, seg[:, :3], axis=0)
            xs.append(np.concatenate([body, seg[:, 3:]], axis=1).T.astype(np.float32))
            labels.append(winners[0])
            subjects.append(s["subject"])
    train = [i for i, subj in enumerate(subjects) if subj not in UCI_HAR_TEST_SUBJECTS]
    total, total_sq, count = np.zeros(6), np.zeros(6), 0
    for i in train:
        total += xs[i].sum(axis=1)
        total_sq += (xs[i].astype(np.float64) ** 2).sum(axis=1)
        count += xs[i].shape[1]
    mean = total / count
    scale = np.sqrt(total_sq / count - mean**2)
    out = [((x - mean[:, None]) / scale[:, None]).astype(np.float32) for x in xs]
    return np.stack(out)[:, None], np.asarray(labels), np.asarray(subjects)


# ----------------------------------------------------------------------------------------------- bench
def interleaved_best(fn_a, fn_b, repeats_a: int, repeats_b: int):
    """Best wall time of each function, alternating their runs so both meet the same machine load."""
    times: tuple[list[float], list[float]] = ([], [])
    results = [None, None]
    for i in range(max(repeats_a, repeats_b)):
        for k, (fn, reps) in enumerate(((fn_a, repeats_a), (fn_b, repeats_b))):
            if i < reps:
                t0 = time.perf_counter()
                results[k] = fn()
                times[k].append(time.perf_counter() - t0)
    return (min(times[0]), times[0], results[0]), (min(times[1]), times[1], results[1])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(shared_data_dir() / "uci-hapt.zip"), help="uci-hapt.zip or its unpacked folder")
    ap.add_argument("--rates", type=float, nargs="+", default=[20.0, 50.0], help="target rates; first one is headline")
    ap.add_argument("--length-s", type=float, default=None, help="window length (default 3.2 s at 20 Hz, 2.56 s at 50 Hz)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--naive-repeats", type=int, default=2)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    sessions, vocab = read_hapt(Path(args.data))
    read_s = time.perf_counter() - t0
    n_samples = int(sum(len(s["labels"]) for s in sessions))

    configs = []
    for rate in args.rates:
        if rate not in LOWPASS_HZ:
            raise SystemExit(f"--rates supports {sorted(LOWPASS_HZ)} Hz (a noise low-pass is defined for those)")
        length_s = args.length_s or (3.2 if rate == 20.0 else 2.56)
        (vec_s, vec_all, w), (naive_s, naive_all, (nx, nl, nsub)) = interleaved_best(
            lambda: vectorized_pipeline(sessions, vocab, rate, length_s),
            lambda: naive_pipeline(sessions, vocab, rate, length_s),
            args.repeats,
            args.naive_repeats,
        )
        same_windows = w.n_windows == len(nl)
        cfg = {
            "target_rate_hz": rate,
            "window_length_s": length_s,
            "window_samples": w.n_samples,
            "n_windows": w.n_windows,
            "naive_n_windows": int(len(nl)),
            "labels_identical": bool(same_windows and np.array_equal(w.labels, nl)),
            # Per-window filtering changes the values near every window's edges; the median gap shows how much.
            "median_abs_diff_vs_naive": float(np.median(np.abs(w.x - nx))) if same_windows else None,
            "windows_per_s": w.n_windows / vec_s,
            "naive_windows_per_s": len(nl) / naive_s,
            "speedup": naive_s / vec_s,
            "windows_per_s_with_read": w.n_windows / (vec_s + read_s),
            "naive_windows_per_s_with_read": len(nl) / (naive_s + read_s),
            "speedup_with_read": (naive_s + read_s) / (vec_s + read_s),
            "vectorized_s": vec_s,
            "naive_s": naive_s,
            "vectorized_runs_s": vec_all,
            "naive_runs_s": naive_all,
            "lowpass_hz": LOWPASS_HZ[rate],
            "provenance": [p["step"] for p in w.metadata["provenance"]],
        }
        configs.append(cfg)
    head = configs[0]
    result = {
        "dataset": "UCI HAPT raw (uci-hapt.zip), 61 sessions, 30 subjects, waist, 50 Hz",
        "n_sessions": len(sessions),
        "n_samples_50hz": n_samples,
        "split_rule": "UCI-HAR subject split; standardizer fit on the 21 train subjects only",
        "test_subjects": list(UCI_HAR_TEST_SUBJECTS),
        "seed": None,
        "protocol": "units -> resample -> lowpass (order 3) -> gravity split 0.3 Hz (body acc) -> windows "
        "(majority, 50% overlap, unlabelled dropped) -> standardize",
        "read_s": read_s,
        "windows_per_s": head["windows_per_s"],
        "naive_windows_per_s": head["naive_windows_per_s"],
        "speedup": head["speedup"],
        "n_windows": head["n_windows"],
        "target_rate_hz": head["target_rate_hz"],
        "configs": configs,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu(s), python {platform.python_version()}, numpy {np.__version__}",
        # The machine is shared; the 1-minute load average at the end says how busy it was during the runs.
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for c in configs:
        print(
            f"{c['target_rate_hz']:g} Hz, {c['window_length_s']} s windows: {c['n_windows']} windows; vectorized "
            f"{c['windows_per_s']:,.0f} windows/s ({c['vectorized_s']:.2f} s), naive {c['naive_windows_per_s']:,.0f} "
            f"windows/s ({c['naive_s']:.2f} s): {c['speedup']:.1f}x; labels identical: {c['labels_identical']}"
        )
    print(f"reading {len(sessions)} sessions ({n_samples:,} samples) took {read_s:.2f} s (shared by both)")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
