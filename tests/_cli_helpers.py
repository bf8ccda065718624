"""Shared by tests/test_cli_*.py: small multi-subject windows standing in for a benchmark's files, and one torch thread."""

from __future__ import annotations

import numpy as np

from imuhar.testing import make_recording

#: UCI-HAR's card names subjects 2 and 4 among its test subjects; 1, 3, 5, 6 are training subjects.
SUBJECTS = ("1", "2", "3", "4", "5", "6")
TEST_SUBJECTS = ("2", "4")


def nine_channel_benchmark():
    """FusionActNet-style windows (2.56 s at 50 Hz, 2 devices, 2 classes) of six subjects."""
    from imuhar.methods.fusionactnet import nine_channel_windows

    recs = [
        make_recording(n_samples=1500, rate_hz=50.0, placements=("left_wrist", "waist"), segment_s=6.0,
                       subject=s, seed=int(s))  # fmt: skip
        for s in SUBJECTS
    ]
    return nine_channel_windows(recs, length_s=2.56, overlap=0.5, verbose=False)


def patch_benchmark_loader(monkeypatch, subjects=None) -> object:
    """Make every benchmark load the synthetic windows above (the command's own code runs unchanged after it).

    ``subjects``: keep only these subjects' windows (default all of SUBJECTS).
    """
    import imuhar.methods.fusionactnet as fan
    import imuhar.methods.fusionactnet._evaluate as fan_eval

    windows = nine_channel_benchmark()
    if subjects is not None:
        windows = windows.of_subjects(subjects)

    def fake(dataset, data_dir=None, **kwargs):
        return windows._replace(metadata=dict(windows.metadata, dataset=dataset))

    monkeypatch.setattr(fan, "benchmark_windows", fake)
    monkeypatch.setattr(fan_eval, "benchmark_windows", fake)
    return windows


def n_test_windows(windows) -> int:
    return int(np.isin(windows.subjects, TEST_SUBJECTS).sum())
