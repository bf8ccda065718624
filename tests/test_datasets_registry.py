"""The registry, the generated markdown cards, and the public API of imuhar.datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import imuhar.datasets as datasets_pkg
from imuhar.core import DataNotFoundError, InvalidParameterError
from imuhar.datasets import REGISTRY, card_to_markdown, get_dataset, list_datasets, load_dataset, restrict_to_benchmark
from imuhar.datasets._registry import _import

REPO = Path(__file__).resolve().parents[1]

EXPECTED_NAMES = [
    "opportunity", "uci-har", "motionsense", "w-har", "shoaib", "har70plus", "realworld", "tnda-har", "pamap2",
    "usc-had", "mhealth", "harth", "ut-complex", "wharf", "wisdm", "dsads", "utd-mhad", "mmact", "basicmotions",
    "sp-sw-har",
]


def test_registry_names_are_the_issue_list():
    assert list(REGISTRY) == EXPECTED_NAMES
    assert all(m == "_" + n.replace("-", "_") for n, m in REGISTRY.items())


def test_public_names_exist():
    for name in datasets_pkg.__all__:
        assert hasattr(datasets_pkg, name), name


def test_unknown_name_suggests_close_ones():
    with pytest.raises(InvalidParameterError, match="uci-har"):
        get_dataset("uci_har")


def test_missing_module_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(REGISTRY, "not-written", "_not_written")
    assert "not-written" not in list_datasets()
    with pytest.raises(InvalidParameterError, match="not installed"):
        get_dataset("not-written")
    _import.cache_clear()


@pytest.mark.parametrize("name", list(REGISTRY))
def test_committed_markdown_card_matches_the_code(name):
    if _import(name) is None:
        pytest.skip(f"loader for {name} not installed yet")
    path = REPO / "datasets" / f"{name}.md"
    fix = "regenerate with `python -m imuhar.datasets._markdown --write datasets/`"
    assert path.exists(), f"{path} is missing; {fix}"
    assert path.read_text(encoding="utf-8") == card_to_markdown(get_dataset(name).card), f"{path} is stale; {fix}"


def test_markdown_card_lists_every_class_and_description():
    card = get_dataset("uci-har").card
    text = card_to_markdown(card)
    for act in card.vocabulary:
        assert f"| {act.name} |" in text and act.description in text
    assert "2, 4, 9, 10, 12, 13, 18, 20, 24" in text


def test_load_from_default_cache_when_absent_says_how_to_download(monkeypatch, tmp_path):
    monkeypatch.setenv("IMUHAR_DATA", str(tmp_path / "cache"))
    with pytest.raises(DataNotFoundError) as info:
        load_dataset("uci-har")
    msg = str(info.value)
    assert "imuhar datasets download uci-har" in msg and "archive.ics.uci.edu" in msg
    assert str(tmp_path / "cache" / "uci-har") in msg


def test_folder_holding_only_the_archive_reads_the_archive(tmp_path, rng):
    import zipfile

    ds = get_dataset("uci-har")
    src = tmp_path / "files"
    expected = ds.write_sample_files(src, rng)
    folder = tmp_path / "cache" / "uci-har"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "uci-hapt.zip", "w") as zf:
        for p in src.rglob("*"):
            zf.write(p, p.relative_to(src).as_posix())
    assert ds.resolve_source(folder) == folder / "uci-hapt.zip"
    assert len(ds.load(folder, verbose=False)) == expected["n_recordings"]


def test_restrict_to_benchmark_drops_transitions(tmp_path, rng):
    ds = get_dataset("uci-har")
    ds.write_sample_files(tmp_path, rng)
    full = ds.load(tmp_path, verbose=False)
    bench = restrict_to_benchmark(full, ds.card)
    transitions = [i for i, a in enumerate(ds.card.vocabulary) if a.kind == "transition"]
    for f, b in zip(full, bench):
        assert len(b.vocabulary) == 6
        was_transition = np.isin(f.labels, transitions)
        assert (b.labels[was_transition] == -1).all()
        kept = (f.labels >= 0) & ~was_transition
        names_full = np.array(f.vocabulary.names)[f.labels[kept]]
        names_bench = np.array(b.vocabulary.names)[b.labels[kept]]
        assert (names_full == names_bench).all()
        assert b.provenance[-1]["step"] == "restrict_to_benchmark"


def test_subject_filter(tmp_path, rng):
    ds = get_dataset("uci-har")
    ds.write_sample_files(tmp_path, rng)
    recs = ds.load(tmp_path, verbose=False, subjects=["2"])
    assert {r.subject for r in recs} == {"2"}
    with pytest.raises(InvalidParameterError, match="99"):
        ds.load(tmp_path, verbose=False, subjects=["99"])


def test_archive_inside_the_archive_gets_a_hint(tmp_path, rng):
    import io
    import zipfile

    ds = get_dataset("utd-mhad")  # reads Inertial/*.mat; does not look inside nested archives
    src = tmp_path / "files"
    ds.write_sample_files(src, rng)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        for p in src.rglob("*"):
            zf.write(p, p.relative_to(src).as_posix())
    outer = tmp_path / "download.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("UTD-MHAD.zip", inner.getvalue())
        zf.writestr("README.txt", "wrapper")
    with pytest.raises(DataNotFoundError, match="UTD-MHAD.zip. Unpack it"):
        ds.load(outer, verbose=False)


def test_uci_har_reads_the_archive_inside_the_uci_download(tmp_path, rng):
    import io
    import zipfile

    ds = get_dataset("uci-har")
    src = tmp_path / "files"
    expected = ds.write_sample_files(src, rng)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        for p in src.rglob("*"):
            zf.write(p, p.relative_to(src).as_posix())
    outer = tmp_path / "download.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("HAPT Data Set.zip", inner.getvalue())
    assert len(ds.load(outer, verbose=False)) == expected["n_recordings"]
