"""Fetching and checking the published files, offline."""

import shutil

import numpy as np
import pandas as pd
import pytest
import requests

from xpcs_nb import paper


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No local copy, an empty download cache, and every download failing."""
    attempts = []

    def refuse(url, *args, **kwargs):
        attempts.append(url)
        raise requests.exceptions.ConnectionError(f"no network in this test ({url})")

    monkeypatch.delenv(paper.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(requests, "head", refuse)
    return attempts


def test_registry_matches_the_published_checksums(paper_data):
    lines = (paper_data / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split()) for line in lines if line.strip())
    assert {name: entry.sha256 for name, entry in paper.REGISTRY.items()} == listed


def test_urls_are_pinned_to_the_commit():
    for name, entry in paper.REGISTRY.items():
        if entry.upstream_path is not None:
            assert entry.url.startswith(
                "https://raw.githubusercontent.com/jhorwath/XPCS_Clustering/"
                "db80266ba0cc9a18969a76548ad9d38476e8c754/"
            )
            assert entry.url.endswith("/" + name)


def test_fetch_reads_the_local_copy(paper_data):
    assert paper.fetch(paper.LATENTS) == paper_data / paper.LATENTS


def test_corrupt_local_copy_is_detected(paper_data, tmp_path, monkeypatch):
    shutil.copy(paper_data / paper.SECTORS, tmp_path / paper.SECTORS)
    corrupt = tmp_path / paper.SECTORS
    corrupt.chmod(0o644)
    data = bytearray(corrupt.read_bytes())
    data[-1] ^= 0xFF  # flip the bits of the last sector number
    corrupt.write_bytes(bytes(data))
    monkeypatch.setenv(paper.ENV_VAR, str(tmp_path))
    with pytest.raises(ValueError, match=f"sha256 of .*{paper.SECTORS}"):
        paper.load_sectors()


def test_file_missing_from_local_copy_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(paper.ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=paper.ENV_VAR):
        paper.fetch(paper.WEIGHTS)


def test_offline_without_the_variable_says_which_variable_to_set(offline):
    with pytest.raises(ConnectionError, match=f"set the environment variable {paper.ENV_VAR}"):
        paper.load_latents()
    assert offline and offline[0] == paper.REGISTRY[paper.LATENTS].url


def test_every_upstream_address_is_tried_in_order(offline):
    entry = paper.REGISTRY[paper.RHEOLOGY_PICKLE]
    with pytest.raises(ConnectionError, match="tried: .*analysis_data/RheoData.pkl: .*XPCSData/RheoData.pkl"):
        paper.fetch(paper.RHEOLOGY_PICKLE)
    assert offline == entry.urls and len(offline) == 2
    assert all(url.startswith(paper.BASE_URL) for url in offline)


def test_csv_is_derived_from_the_pickle_when_downloading(paper_data, offline):
    # A checked pickle already in the download cache: pooch must not download it again,
    # and the CSV written from it must have the published CSV's sha256.
    cache = paper.cache_dir()
    cache.mkdir(parents=True)
    shutil.copy(paper_data / paper.RHEOLOGY_PICKLE, cache / paper.RHEOLOGY_PICKLE)
    table = paper.load_rheology(source="csv")
    assert not offline
    derived = (cache / paper.RHEOLOGY_CSV).read_bytes()
    assert derived == (paper_data / paper.RHEOLOGY_CSV).read_bytes()
    assert table.shape == (560, 9)


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match="name must be one of"):
        paper.fetch("weights.pth")


def test_loaders_give_the_documented_arrays(paper_data):
    latents, sectors, starts = paper.load_latents(), paper.load_sectors(), paper.load_start_times()
    assert latents.shape == (900, 64) and latents.dtype == np.float64
    assert sectors.shape == starts.shape == (900,)
    assert set(np.unique(sectors)) == set(range(1, 19))
    assert np.all(np.bincount(sectors)[1:] == 50)  # 18 sectors x 50 time windows
    image = paper.load_target_image()
    assert image.shape == (256, 256) and image.min() == 0 and image.max() == 1


def test_rheology_pickle_and_csv_agree(paper_data):
    from_pickle = paper.load_rheology()
    # pandas 3 reads CSV headers as its string dtype, the pickle holds object: same names
    from_csv = paper.load_rheology(source="csv")
    pd.testing.assert_frame_equal(from_pickle, from_csv, check_column_type=False)
    assert {"shear_rate", "shear_stress", "time"} <= set(from_pickle.columns)
    with pytest.raises(ValueError, match="source must be"):
        paper.load_rheology(source="xlsx")


class FakeResponse:
    """What requests.get gives pooch's downloader: status check, headers, chunks."""

    def __init__(self, body: bytes):
        self.body, self.headers = body, {"content-length": str(len(body))}

    def raise_for_status(self):
        pass

    def iter_content(self, chunk_size=1024):
        yield self.body


def test_download_keeps_only_a_file_with_the_right_sha256(paper_data, offline, monkeypatch):
    good = (paper_data / paper.RHEOLOGY_PICKLE).read_bytes()
    first, second = paper.REGISTRY[paper.RHEOLOGY_PICKLE].urls
    bodies = {first: good[:-1] + b"?", second: good}  # the first address serves a corrupt copy
    served = []
    monkeypatch.setattr(requests, "get", lambda url, **kwargs: served.append(url) or FakeResponse(bodies[url]))
    path = paper.fetch(paper.RHEOLOGY_PICKLE)
    assert served == [first, second]
    assert path == paper.cache_dir() / paper.RHEOLOGY_PICKLE and path.read_bytes() == good
    assert sorted(p.name for p in paper.cache_dir().iterdir()) == [paper.RHEOLOGY_PICKLE]  # no temporary file
    assert paper.fetch(paper.RHEOLOGY_PICKLE) == path and served == [first, second]  # cached: no download


def test_a_failed_download_leaves_the_cache_empty(offline, monkeypatch):
    monkeypatch.setattr(requests, "get", lambda url, **kwargs: FakeResponse(b"not the file"))
    with pytest.raises(ConnectionError, match="sha256"):
        paper.fetch(paper.LATENTS)
    assert not paper.cache_dir().exists() or not list(paper.cache_dir().iterdir())
