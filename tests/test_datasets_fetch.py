"""Downloads into the cache: SHA-256 checks, unpacking, offline failures and no half-written cache (no network)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import time
import urllib.error
import zipfile
from pathlib import Path

import pytest

from imuhar.core import ChecksumError, DataFormatError, DataNotFoundError, InvalidParameterError
from imuhar.datasets import MANIFEST_NAME, RemoteFile, download, get_dataset, sha256_file, verify_download


def _sample_zip(tmp_path: Path, rng, *, nested: bool = False) -> Path:
    """UCI-HAR sample files zipped as a user would download them (optionally a zip inside a zip, as UCI does)."""
    src = tmp_path / "src"
    get_dataset("uci-har").write_sample_files(src, rng)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(src).as_posix())
    archive = tmp_path / "served" / "uci-hapt.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    if nested:
        with zipfile.ZipFile(archive, "w") as outer:
            outer.writestr("HAPT Data Set.zip", inner.getvalue())
    else:
        archive.write_bytes(inner.getvalue())
    return archive


def _card(archive: Path, sha256: str | None):
    card = get_dataset("uci-har").card
    return dataclasses.replace(card, files=(RemoteFile(url=archive.as_uri(), filename="uci-hapt.zip", sha256=sha256),))


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*")] if root.exists() else []


def test_download_verifies_unpacks_and_parses(tmp_path, rng):
    archive = _sample_zip(tmp_path, rng)
    card = _card(archive, sha256_file(archive))
    root = tmp_path / "cache"
    target = download(card, root=root, verbose=False)
    assert target == root / "uci-har"
    assert (target / "RawData" / "labels.txt").exists() and (target / "uci-hapt.zip").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging folder left
    manifest = json.loads((target / MANIFEST_NAME).read_text())
    assert manifest["files"][0]["sha256"] == sha256_file(archive) and manifest["files"][0]["pinned"]
    assert len(get_dataset("uci-har").load(target, verbose=False)) == 3
    assert all(r["ok"] for r in verify_download(card, root=root))


def test_nested_archives_are_unpacked(tmp_path, rng):
    archive = _sample_zip(tmp_path, rng, nested=True)
    target = download(_card(archive, None), root=tmp_path / "cache", verbose=False)
    assert (target / "RawData" / "labels.txt").exists()
    assert len(get_dataset("uci-har").load(target, verbose=False)) == 3


def test_checksum_mismatch_leaves_nothing(tmp_path, rng):
    archive = _sample_zip(tmp_path, rng)
    root = tmp_path / "cache"
    with pytest.raises(ChecksumError) as info:
        download(_card(archive, "0" * 64), root=root, verbose=False)
    assert "uci-hapt.zip" in str(info.value) and "0" * 64 in str(info.value)
    assert _leftovers(root) == []


def test_offline_fails_at_once_with_url_and_manual_location(tmp_path):
    calls = []

    def offline(url, timeout):
        calls.append(timeout)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    card = get_dataset("uci-har").card
    root = tmp_path / "cache"
    start = time.perf_counter()
    with pytest.raises(DataNotFoundError) as info:
        download(card, root=root, opener=offline, verbose=False)
    assert time.perf_counter() - start < 2.0
    msg = str(info.value)
    assert card.files[0].url in msg and str(root / "uci-har" / "uci-hapt.zip") in msg
    assert calls == [10.0]  # a short connect timeout, passed to the opener
    assert _leftovers(root) == []


def test_interrupted_stream_leaves_no_partial_file(tmp_path, rng):
    archive = _sample_zip(tmp_path, rng)
    payload = archive.read_bytes()

    class Broken(io.BytesIO):
        def read(self, n=-1):
            if self.tell() > len(payload) // 2:
                raise ConnectionResetError("connection reset by peer")
            return super().read(min(n, 1000))

    root = tmp_path / "cache"
    with pytest.raises(DataNotFoundError, match="connection reset"):
        download(_card(archive, None), root=root, opener=lambda url, t: Broken(payload), verbose=False)
    assert _leftovers(root) == []


def test_existing_cache_is_kept_unless_forced(tmp_path, rng):
    archive = _sample_zip(tmp_path, rng)
    root = tmp_path / "cache"
    target = download(_card(archive, None), root=root, verbose=False)
    marker = target / "marker.txt"
    marker.write_text("user file")
    assert download(_card(archive, None), root=root, verbose=False) == target and marker.exists()
    download(_card(archive, None), root=root, force=True, verbose=False)
    assert not marker.exists() and (target / "RawData" / "labels.txt").exists()


def test_verify_detects_a_changed_archive(tmp_path, rng):
    archive = _sample_zip(tmp_path, rng)
    root = tmp_path / "cache"
    card = _card(archive, None)
    target = download(card, root=root, verbose=False)
    (target / "uci-hapt.zip").write_bytes(b"corrupted")
    (row,) = verify_download(card, root=root)
    assert not row["ok"] and row["expected"] == hashlib.sha256(archive.read_bytes()).hexdigest()


def test_verify_without_download_says_how(tmp_path):
    with pytest.raises(DataNotFoundError, match="imuhar datasets download uci-har"):
        verify_download("uci-har", root=tmp_path)


def test_form_only_files_ask_for_manual_steps(tmp_path):
    card = dataclasses.replace(
        get_dataset("uci-har").card,
        files=(RemoteFile(url="request form at https://example.org/form", filename="x.zip", manual="fill in the form"),),
    )
    with pytest.raises(DataNotFoundError, match="fill in the form"):
        download(card, root=tmp_path, verbose=False)
    assert _leftovers(tmp_path) == []


def test_embedded_dataset_has_nothing_to_download_without_files(tmp_path):
    card = dataclasses.replace(get_dataset("basicmotions").card, files=())
    with pytest.raises(InvalidParameterError):
        download(card, root=tmp_path, verbose=False)


def test_default_cache_is_imuhar_data(monkeypatch, tmp_path):
    from imuhar.datasets import data_home

    monkeypatch.setenv("IMUHAR_DATA", str(tmp_path / "c"))
    assert data_home() == tmp_path / "c"
    monkeypatch.delenv("IMUHAR_DATA")
    assert data_home() == Path.home() / ".cache" / "imuhar"


def test_an_html_page_instead_of_the_archive_is_rejected(tmp_path, rng):
    archive = _sample_zip(tmp_path, rng)
    root = tmp_path / "cache"
    page = b"<!DOCTYPE html><html><body>Please log in</body></html>"
    with pytest.raises(DataFormatError, match="did not return a zip archive"):
        download(_card(archive, None), root=root, opener=lambda url, t: io.BytesIO(page), verbose=False)
    assert _leftovers(root) == []


def test_a_page_link_is_not_fetched(tmp_path):
    from imuhar.datasets import get_dataset as gd

    card = gd("sp-sw-har").card
    assert not card.files[0].direct

    def must_not_open(url, timeout):
        raise AssertionError("a page link must not be fetched")

    with pytest.raises(DataNotFoundError) as info:
        download(card, root=tmp_path, opener=must_not_open, verbose=False)
    assert "Zenodo" in str(info.value) and str(tmp_path / "sp-sw-har" / "sp-sw-har.zip") in str(info.value)


def test_tar_archives_unpack_and_unsafe_paths_are_refused(tmp_path, rng):
    import tarfile

    src = tmp_path / "src"
    get_dataset("uci-har").write_sample_files(src, rng)
    good = tmp_path / "served" / "hapt.tar.gz"
    good.parent.mkdir()
    with tarfile.open(good, "w:gz") as tf:
        tf.add(src, arcname="HAPT")
    card = dataclasses.replace(
        get_dataset("uci-har").card, files=(RemoteFile(url=good.as_uri(), filename="hapt.tar.gz"),)
    )
    target = download(card, root=tmp_path / "cache", verbose=False)
    assert len(get_dataset("uci-har").load(target, verbose=False)) == 3

    evil = tmp_path / "served" / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tf:
        tf.add(src / "activity_labels.txt", arcname="../../escape.txt")
    card = dataclasses.replace(card, files=(RemoteFile(url=evil.as_uri(), filename="evil.tar.gz"),))
    with pytest.raises(DataFormatError, match="unsafe path"):
        download(card, root=tmp_path / "cache2", verbose=False)
    assert not (tmp_path / "escape.txt").exists() and _leftovers(tmp_path / "cache2") == []
