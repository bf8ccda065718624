"""Shared fixtures. Real data lives in ../shared/data (or $IMUHAR_SHARED_DATA) and is read in place.

Tests that need it use the ``shared_data`` fixture or ``require_shared(...)``: they skip with a reason where
the files are absent, and fail instead when ``IMUHAR_REQUIRE_REAL_DATA=1`` (as CI sets).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("IMUHAR_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def require_shared(*relative: str) -> Path:
    """Path to ``../shared/data/<relative>``; skip (or fail under IMUHAR_REQUIRE_REAL_DATA=1) if absent."""
    path = shared_data_dir().joinpath(*relative)
    if not path.exists():
        msg = f"real data {path} is absent (set IMUHAR_SHARED_DATA or place ../shared/data beside the repo)"
        if os.environ.get("IMUHAR_REQUIRE_REAL_DATA") == "1":
            pytest.fail(msg + "; IMUHAR_REQUIRE_REAL_DATA=1 forbids skipping")
        pytest.skip(msg)
    return path


@pytest.fixture
def shared_data() -> Path:
    return require_shared()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _offline_and_quiet(monkeypatch, tmp_path_factory):
    # Tests never reach a hub and never write into the user's cache.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if "IMUHAR_DATA" not in os.environ:
        monkeypatch.setenv("IMUHAR_DATA", str(tmp_path_factory.getbasetemp() / "imuhar-cache"))


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Small models on a shared 2-core machine: extra OpenMP threads only add contention. Restored afterwards;
    # torch is imported only where it is installed.
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
