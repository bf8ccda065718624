"""Conformance checks run over every installed dataset loader.

Each loader writes a few small synthetic files in its dataset's documented layout (``write_sample_files``); the
checks parse them, from the folder and from a zip of the folder, and compare units, rates, placements, labels and
subjects with what the writer says it wrote and with the card. A module that is not installed yet is skipped.

Run one loader: ``pytest tests/test_datasets_conformance.py -k pamap2``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from imuhar.core import (
    MOTION_KINDS,
    NODES,
    UNLABELLED,
    DataNotFoundError,
    LabelVocabulary,
    Recording,
)
from imuhar.datasets import REGISTRY, DatasetCard, get_dataset, list_datasets
from imuhar.datasets._registry import _import

ALL_NAMES = list(REGISTRY)
EXPECT_KEYS = {"n_recordings", "subjects", "labels", "placements", "has_gyro", "rate_hz"}
SPLIT_KINDS = {"given", "loso", "grouped_kfold", "holdout"}


def _dataset(name):
    if _import(name) is None:
        pytest.skip(f"loader module imuhar.datasets.{REGISTRY[name]} is not installed yet")
    return get_dataset(name)


def _zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return archive


_SAMPLES: dict[str, tuple[Path, dict, list[Recording]]] = {}


def _samples(name: str, tmp_path_factory) -> tuple[Path, dict, list[Recording]]:
    """Write and parse a loader's sample files once per session."""
    if name not in _SAMPLES:
        ds = _dataset(name)
        root = tmp_path_factory.mktemp(f"sample-{name}")
        expected = ds.write_sample_files(root, np.random.default_rng(7))
        recs = list(ds.module.parse(root, verbose=False))
        _SAMPLES[name] = (root, expected, recs)
    return _SAMPLES[name]


# ---------------------------------------------------------------------------------------------- the card
@pytest.mark.parametrize("name", ALL_NAMES)
def test_card_is_complete(name):
    card = _dataset(name).card
    assert isinstance(card, DatasetCard) and card.name == name
    for field in ("title", "citation", "license", "homepage"):
        assert getattr(card, field).strip(), f"{name}: card.{field} is empty"
    assert card.rate_hz > 0
    assert len(card.vocabulary) >= 2
    for act in card.vocabulary:
        assert act.kind in MOTION_KINDS
        desc = act.description.strip()
        assert desc and desc[0].isupper() and desc.endswith("."), (
            f"{name}: class {act.name!r} needs a one-sentence description (capitalised, ending with '.'), got {desc!r}"
        )
    assert set(card.placements.values()) <= set(NODES)
    assert set(card.sensors) == set(card.placements.values()), (
        f"{name}: card.sensors keys {sorted(card.sensors)} must be the placement nodes {sorted(set(card.placements.values()))}"
    )
    for node, kinds in card.sensors.items():
        assert kinds and set(kinds) <= {"acc", "gyro"}, f"{name}: sensors[{node!r}] = {kinds}"
    assert "acc" in card.units
    assert all(isinstance(s, str) for s in card.subjects)
    assert len(set(card.subjects)) == len(card.subjects)
    assert card.split.kind in SPLIT_KINDS, f"{name}: split kind {card.split.kind!r} not in {SPLIT_KINDS}"
    assert card.split.description.strip()
    assert set(card.split.test_subjects) <= set(card.subjects)
    for f in card.files:
        assert f.url and f.filename
        assert f.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", f.sha256), f"{name}: bad sha256 {f.sha256!r}"
    assert set(card.benchmark_labels) <= set(card.vocabulary.names)


# ---------------------------------------------------------------------------------------------- parsing
@pytest.mark.parametrize("name", ALL_NAMES)
def test_sample_files_parse_to_expected_recordings(name, tmp_path_factory):
    ds = _dataset(name)
    root, expected, recs = _samples(name, tmp_path_factory)
    card = ds.card
    assert EXPECT_KEYS <= set(expected), f"{name}: write_sample_files must return {sorted(EXPECT_KEYS)}"
    assert any(root.rglob("*")), f"{name}: write_sample_files wrote nothing"
    assert len(recs) == expected["n_recordings"]
    assert all(isinstance(r, Recording) for r in recs)

    ids = [r.recording_id for r in recs]
    assert len(set(ids)) == len(ids), f"{name}: recording ids are not unique: {ids}"
    assert {r.subject for r in recs} == set(expected["subjects"])
    if card.subjects:
        assert {r.subject for r in recs} <= set(card.subjects)

    placements = set().union(*(r.placements for r in recs))
    assert placements == set(expected["placements"])
    assert placements <= set(card.sensors), f"{name}: parsed placements {placements} not on the card"
    assert any(bool(r.gyro) for r in recs) == bool(expected["has_gyro"])
    for r in recs:
        for node in r.gyro:
            assert "gyro" in card.sensors[node], f"{name}: gyro at {node} but the card lists {card.sensors[node]}"

    present: set[str] = set()
    for r in recs:
        assert r.sample_rate_hz == pytest.approx(float(expected["rate_hz"]), rel=1e-6)
        assert r.metadata.get("dataset") == name
        assert r.vocabulary.names == card.vocabulary.names
        assert r.labels.dtype == np.int64 and r.labels.shape == (r.n_samples,)
        assert r.labels.min() >= UNLABELLED and r.labels.max() < len(card.vocabulary)
        present |= {n for n in r.vocabulary.decode(np.unique(r.labels)) if n is not None}
    assert present == set(expected["labels"])


@pytest.mark.parametrize("name", ALL_NAMES)
def test_sample_files_are_in_si_units(name, tmp_path_factory):
    """Acceleration includes gravity in m/s² (median norm near 9.81), gyro in rad/s (below 2000 deg/s)."""
    card = _dataset(name).card
    _, _, recs = _samples(name, tmp_path_factory)
    norms = np.concatenate([np.linalg.norm(np.asarray(a), axis=1) for r in recs for a in r.acc.values()])
    if card.acc_includes_gravity:
        assert 6.0 < np.median(norms) < 14.0, (
            f"{name}: median |acc| is {np.median(norms):.3g}; parsed acceleration must be m/s² with gravity (~9.81)"
        )
    else:  # the files hold linear acceleration: no 1-g offset may have crept in
        assert np.median(norms) < 6.0, f"{name}: card says gravity is removed but median |acc| is {np.median(norms):.3g}"
    for r in recs:
        for node, g in r.gyro.items():
            assert np.abs(g).max() < np.deg2rad(2000), f"{name}: gyro at {node} exceeds 2000 deg/s: not rad/s?"
        for sig in (*r.acc.values(), *r.gyro.values()):
            assert np.isfinite(sig).all()


@pytest.mark.parametrize("name", ALL_NAMES)
def test_zip_archive_parses_like_the_folder(name, tmp_path_factory, tmp_path):
    ds = _dataset(name)
    root, _, recs = _samples(name, tmp_path_factory)
    archive = _zip_folder(root, tmp_path / f"{name}.zip")
    from_zip = list(ds.module.parse(archive, verbose=False))
    assert [r.recording_id for r in from_zip] == [r.recording_id for r in recs]
    for a, b in zip(recs, from_zip):
        assert a.subject == b.subject and a.placements == b.placements
        np.testing.assert_array_equal(a.labels, b.labels)
        for node in a.acc:
            np.testing.assert_allclose(a.acc[node], b.acc[node])


@pytest.mark.parametrize("name", ALL_NAMES)
def test_load_through_registry_from_folder(name, tmp_path_factory):
    ds = _dataset(name)
    root, expected, _ = _samples(name, tmp_path_factory)
    recs = ds.load(root, verbose=False)
    assert len(recs) == expected["n_recordings"]
    if ds.card.benchmark_labels:
        bench = ds.load(root, verbose=False, benchmark=True)
        assert bench[0].vocabulary.names == tuple(ds.card.benchmark_labels)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_empty_folder_is_a_clear_error(name, tmp_path):
    ds = _dataset(name)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataNotFoundError) as info:
        list(ds.module.parse(tmp_path / "empty", verbose=False))
    assert str(tmp_path / "empty") in str(info.value)


def test_registry_lists_installed_modules_only():
    names = list_datasets()
    assert names == [n for n in REGISTRY if _import(n) is not None]
    assert set(list_datasets(include_missing=True)) == set(REGISTRY)
    for n in names:
        assert isinstance(get_dataset(n).card.vocabulary, LabelVocabulary)
