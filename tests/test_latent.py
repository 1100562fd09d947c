"""The latent space: knee, k-means sweep, relaxation ordering, neighbours, UMAP, scores."""

import math
import sys
import types

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from sklearn.datasets import make_blobs
from threadpoolctl import threadpool_limits

from xpcs_nb import evaluation, latent
from xpcs_nb.dataset import AugmentedCropDataset


@pytest.fixture(autouse=True)
def one_thread():
    """k-means on a few hundred points is fastest on one thread; on a busy 2-core CI
    machine OpenMP's extra threads made it 20 times slower."""
    with threadpool_limits(1):
        yield


def exponential_crops(widths, size=64, noise=0.0, seed=0):
    """C2-like crops exp(-|i - j| / w) + noise, one per width, min-max scaled to [0, 1]."""
    rng = np.random.default_rng(seed)
    lag = np.abs(np.subtract.outer(np.arange(size), np.arange(size)))
    crops = np.exp(-lag[None] / np.asarray(widths, dtype=float)[:, None, None])
    crops = crops + noise * rng.normal(size=crops.shape)
    crops = (crops + crops.transpose(0, 2, 1)) / 2
    low = crops.min(axis=(1, 2), keepdims=True)
    high = crops.max(axis=(1, 2), keepdims=True)
    return ((crops - low) / (high - low)).astype(np.float32)


class QuadrantMeans(torch.nn.Module):
    """A stand-in encoder: the mean of each image quadrant, a 4-number latent; one
    parameter so it has a device and a training mode."""

    def __init__(self):
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def encode(self, images):
        assert not self.training, "encode must run in eval mode"
        half = images.shape[-1] // 2
        quadrants = [images[..., :half, :half], images[..., :half, half:],
                     images[..., half:, :half], images[..., half:, half:]]
        return torch.stack([q.mean(dim=(1, 2, 3)) for q in quadrants], dim=1)


class ExponentialDecoder(torch.nn.Module):
    """A stand-in decoder: latent (w, ...) -> the image exp(-|i - j| / w), squeezed into
    0.5 .. 0.7 like the published decoder's outputs."""

    def __init__(self, size=64):
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))
        self.size = size

    def decode(self, latents):
        lag = torch.arange(self.size)
        lag = (lag[:, None] - lag[None, :]).abs().float()
        images = torch.exp(-lag[None] / latents[:, :1, None])
        return (0.5 + 0.2 * images)[:, None]


# ------------------------------------------------------------------- knee


def test_knee_of_a_designed_elbow_is_the_kink():
    ks = np.arange(2, 13)
    # Falls by 10 per step up to k = 5, by 1 per step after: the elbow is at 5.
    inertia = np.where(ks <= 5, 100 - 10 * (ks - 2), 70 - (ks - 5))
    knee = latent.find_knee(ks, inertia)
    assert knee.value == 5
    assert knee.distance[0] == pytest.approx(0) and knee.distance[-1] == pytest.approx(0)
    # The reported distance is the perpendicular distance to the chord x + y = 1.
    x, y = knee.x_normalised[knee.index], knee.y_normalised[knee.index]
    assert knee.distance[knee.index] == pytest.approx(abs(x + y - 1) / math.sqrt(2))


def test_a_straight_line_has_no_knee():
    assert latent.find_knee([1, 2, 3, 4], [4.0, 3.0, 2.0, 1.0]).index is None


def test_sweep_on_four_blobs_finds_four_and_repeats_with_its_seed():
    points, truth = make_blobs(n_samples=200, centers=4, n_features=8, cluster_std=0.5,
                               center_box=(-20, 20), random_state=3)
    sweep = latent.kmeans_sweep(points, ks=range(2, 10), seed=0)
    assert sweep.knee.value == 4
    assert sweep.ks[np.argmax(sweep.silhouette)] == 4
    assert np.all(np.diff(sweep.inertia) < 0)
    assert evaluation.cluster_scores(truth, sweep.labels_for(4))["ARI"] == pytest.approx(1.0)
    again = latent.kmeans_sweep(points, ks=range(2, 10), seed=0)
    np.testing.assert_array_equal(again.labels, sweep.labels)
    assert sweep.centres_for(4).shape == (4, 8)


# ---------------------------------------------------- relaxation ordering


def test_band_width_of_an_exponential_is_its_half_time():
    widths = np.array([3.0, 6.0, 12.0])
    measured = latent.band_width(exponential_crops(widths, size=128))
    # from its lag-1 value, exp(-k / w) falls to half at k = 1 + w ln 2 (floor ~0 here).
    np.testing.assert_allclose(measured, 1 + widths * np.log(2), rtol=0.05)


def test_a_frozen_crop_with_a_shot_noise_diagonal_ranks_slowest():
    """The diagonal's shot-noise spike must not make a frozen C2 look fast."""
    rng = np.random.default_rng(0)
    size = 128
    lag = np.abs(np.subtract.outer(np.arange(size), np.arange(size)))
    frozen = 1.25 + 0.02 * rng.standard_normal((size, size))
    fast = 1.0 + 0.25 * np.exp(-lag / 3.0) + 0.02 * rng.standard_normal((size, size))
    crops = np.stack([frozen, fast]) + np.eye(size) * 0.4  # Poisson lift of the diagonal
    crops = (crops - crops.min(axis=(1, 2), keepdims=True)) / np.ptp(crops, axis=(1, 2), keepdims=True)
    widths = latent.band_width(crops)
    assert widths[0] == size // 2
    assert widths[1] < 8
    new_labels, _ = latent.order_by_relaxation(np.array([1, 0]), widths)
    assert new_labels.tolist() == [0, 1]


def test_band_width_ignores_scale_and_offset():
    crops = exponential_crops([2.0, 9.0, 30.0], noise=0.02)
    squeezed = 0.52 + 0.15 * crops  # like the published decoder's output range
    np.testing.assert_allclose(latent.band_width(squeezed), latent.band_width(crops), rtol=1e-6)


def test_renumbering_puts_the_slow_class_first():
    rng = np.random.default_rng(1)
    true_width = {"slow": 40.0, "medium": 10.0, "fast": 2.0}
    kmeans_label = {"slow": 2, "medium": 0, "fast": 1}  # as an arbitrary k-means run might number them
    names = rng.permutation(["slow", "medium", "fast"] * 6)
    crops = exponential_crops([true_width[n] for n in names], noise=0.05, seed=2)
    labels = np.array([kmeans_label[n] for n in names])

    new_labels, mapping = latent.order_by_relaxation(labels, crops)

    expected = {"slow": 0, "medium": 1, "fast": 2}
    assert new_labels.tolist() == [expected[n] for n in names]
    assert mapping == {2: 0, 0: 1, 1: 2}
    from_widths, _ = latent.order_by_relaxation(labels, latent.band_width(crops))
    np.testing.assert_array_equal(from_widths, new_labels)


def test_decoded_centres_order_the_classes():
    centres = np.array([[3.0, 0.0], [40.0, 0.0], [10.0, 0.0]])  # decoded band widths follow column 0
    labels = np.array([0, 1, 2, 2, 1, 0])
    new_labels, mapping = latent.order_by_decoded_centres(ExponentialDecoder(), labels, centres)
    assert mapping == {1: 0, 2: 1, 0: 2}
    assert new_labels.tolist() == [2, 0, 1, 1, 0, 2]


# ------------------------------------------------------------- encoding


def test_encode_batches_numpy_and_dataset_alike():
    crops = exponential_crops([1.0, 4.0, 16.0, 64.0, 2.0], size=32)
    model = QuadrantMeans().train()
    expected = np.stack([[c[:16, :16].mean(), c[:16, 16:].mean(), c[16:, :16].mean(), c[16:, 16:].mean()]
                         for c in crops])

    from_array = latent.encode(model, crops, batch_size=2)
    from_dataset = latent.encode(model, AugmentedCropDataset(crops, seed=0, factor=1), batch_size=3)

    assert from_array.dtype == np.float32 and from_array.shape == (5, 4)
    np.testing.assert_allclose(from_array, expected, rtol=1e-6)
    np.testing.assert_allclose(from_dataset, expected, rtol=1e-6)
    assert model.training, "encode gives the model back in the mode it came in"


def test_encode_with_the_published_layout_is_deterministic():
    from xpcs_nb.model import published_autoencoder

    torch.manual_seed(0)
    model = published_autoencoder().train()  # dropout would make two passes differ
    crops = exponential_crops([5.0, 50.0], size=256)
    first = latent.encode(model, crops)
    np.testing.assert_array_equal(latent.encode(model, crops), first)
    # Another batch size may pick another convolution algorithm: equal up to float32 rounding.
    np.testing.assert_allclose(latent.encode(model, crops, batch_size=1), first, rtol=1e-4, atol=1e-6)
    assert first.shape == (2, 64) and np.all(first >= 0)


def test_encode_rejects_unscaled_crops():
    model = QuadrantMeans().train()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        latent.encode(model, 3.0 * exponential_crops([2.0], size=8))
    assert model.training, "a failed encode gives the model back in the mode it came in"


# ------------------------------------------------- encoding: which device


class DeviceRecorder(torch.nn.Module):
    """A small real autoencoder behind a recorder: its forward passes run for real (so a
    device mismatch raises, as on a GPU), each call is reported to ``record`` as (module,
    input device, output device, training flag), and the answer is zeros on the CPU,
    since tensors on the ``meta`` device hold no values.

    ``record`` is a plain function: a copy of this module reports to the same one."""

    def __init__(self, record, device="cpu"):
        super().__init__()
        from xpcs_nb.model import Autoencoder

        with torch.device(device):
            self.inner = Autoencoder(latent_size=8, encoder_channels=(4, 4), decoder_channels=(4, 4),
                                     pool=4, image_size=64)
        self.record = record

    def encode(self, images):
        out = self.inner.encode(images)
        self.record(self, images.device, out.device, self.training)
        return torch.zeros(out.shape)

    def decode(self, latents):
        out = self.inner.decode(latents)
        self.record(self, latents.device, out.device, self.training)
        return torch.zeros(out.shape)


def recorder(device="cpu"):
    calls = []

    def record(*call):
        calls.append(call)

    return DeviceRecorder(record, device), calls


def test_a_model_on_meta_is_fed_on_meta():
    """Batches go where the model's parameters are (meta stands for a GPU on a CPU machine)."""
    model, calls = recorder("meta")
    latents = latent.encode(model, exponential_crops([2.0, 5.0, 9.0], size=64), batch_size=2)
    assert latents.shape == (3, 8)
    assert [call[1:] for call in calls] == [(torch.device("meta"), torch.device("meta"), False)] * 2
    assert all(call[0] is model for call in calls), "on its own device the model itself runs, no copy"
    latent.decode(model, np.zeros((2, 8)))
    assert calls[-1][1:] == (torch.device("meta"), torch.device("meta"), False)
    assert model.training, "back in the mode it came in"


def test_encode_on_another_device_than_the_model_runs_there_and_leaves_the_model_alone():
    """Chapters 4-6 call encode(model, crops, device="cuda") with the model on the CPU:
    the batches and the weights must meet on the device asked for, and the model stays
    where it was, in the mode it was in."""
    model, calls = recorder("cpu")
    model.train()
    weights = {name: tensor.clone() for name, tensor in model.state_dict().items()}

    latents = latent.encode(model, exponential_crops([2.0, 5.0, 9.0], size=64), device="meta")
    images = latent.decode(model, np.zeros((2, 8)), device="meta")

    assert latents.shape == (3, 8) and images.shape == (2, 64, 64)
    assert [call[1:] for call in calls] == [(torch.device("meta"), torch.device("meta"), False)] * 2
    assert all(call[0] is not model for call in calls), "a copy of the model ran on meta"
    assert model.training
    for name, tensor in model.state_dict().items():
        assert tensor.device == torch.device("cpu"), name
        torch.testing.assert_close(tensor, weights[name])


# ----------------------------------------------------------- neighbours


def test_neighbours_match_brute_force_distances(monkeypatch):
    # Any use of UMAP would fail: neighbours must come from the latent vectors alone.
    monkeypatch.setitem(sys.modules, "umap", types.ModuleType("umap"))
    monkeypatch.setattr(latent, "umap_embedding", lambda *a, **k: pytest.fail("UMAP was called"))
    rng = np.random.default_rng(4)
    latents = rng.normal(size=(300, 64))
    queries = rng.normal(size=(3, 64))

    indices, distances = latent.nearest_neighbours(latents, queries, k=5)

    reference = cdist(queries, latents)
    np.testing.assert_array_equal(indices, np.argsort(reference, axis=1)[:, :5])
    np.testing.assert_allclose(distances, np.sort(reference, axis=1)[:, :5])


def test_a_point_is_its_own_nearest_neighbour():
    latents = np.random.default_rng(5).normal(size=(50, 64))
    indices, distances = latent.nearest_neighbours(latents, latents[17], k=3)
    assert indices.shape == (3,) and indices[0] == 17 and distances[0] == 0.0
    assert np.all(np.diff(distances) >= 0)


# ----------------------------------------------------------------- UMAP


def test_umap_is_seeded_and_keeps_separate_groups_apart():
    points, truth = make_blobs(n_samples=60, centers=2, n_features=16, cluster_std=0.3,
                               center_box=(-10, 10), random_state=0)
    first = latent.umap_embedding(points, seed=7)
    second = latent.umap_embedding(points, seed=7)
    assert first.shape == (60, 2)
    np.testing.assert_array_equal(first, second)
    assert evaluation.cluster_scores(truth, latent.cluster(first, 2, seed=0)[0])["ARI"] == pytest.approx(1.0)


# --------------------------------------------------------- scores, baselines


def test_scores_ignore_the_numbering():
    truth = np.array([0, 0, 1, 1, 2, 2])
    assert evaluation.cluster_scores(truth, np.array([2, 2, 0, 0, 1, 1])) == {"ARI": 1.0, "NMI": 1.0}


def test_pixel_and_pca_baselines():
    crops = exponential_crops(np.linspace(1, 30, 12), size=32, noise=0.05)
    pixels = evaluation.baseline_features(crops, "pixels", downsample=4)
    assert pixels.shape == (12, 64)
    assert pixels[3, 9] == pytest.approx(crops[3, 4:8, 4:8].mean())  # row 1, column 1 of the 8 x 8 grid
    pca = evaluation.baseline_features(crops, "pca", n_components=5, seed=0)
    assert pca.shape == (12, 5)
    np.testing.assert_allclose(evaluation.baseline_features(crops, "pca", n_components=5, seed=0), pca)


def test_score_table_separates_informative_from_useless_features():
    rng = np.random.default_rng(6)
    truth = np.repeat([0, 1, 2], 10)
    crops = exponential_crops(np.array([1.5, 6.0, 25.0])[truth], size=32, noise=0.05, seed=7)
    table = evaluation.score_table(truth, {
        "pixels": evaluation.baseline_features(crops, "pixels", downsample=8),
        "noise": rng.normal(size=(30, 8)),
    }, seed=0)
    assert list(table.columns) == ["ARI", "NMI", "silhouette"]
    assert table.loc["pixels", "ARI"] == pytest.approx(1.0)
    assert table.loc["noise", "ARI"] < 0.3


# ------------------------------------------------------------ bad input


def test_bad_input_raises_clear_errors():
    latents = np.random.default_rng(8).normal(size=(10, 64))
    with pytest.raises(ValueError, match="k must be >= 1 and <= 10 for 10 points, got 11"):
        latent.cluster(latents, k=11, seed=0)
    with pytest.raises(ValueError, match="each k in ks"):
        latent.kmeans_sweep(latents, ks=range(2, 12), seed=0)
    broken = latents.copy()
    broken[3, 5] = np.nan
    with pytest.raises(ValueError, match=r"latents must be finite; .* \(first at index \(3, 5\)\)"):
        latent.cluster(broken, k=2, seed=0)
    with pytest.raises(ValueError, match="query must have the latents' dimension 64"):
        latent.nearest_neighbours(latents, np.zeros(32), k=2)
    with pytest.raises(ValueError, match="x must be strictly increasing"):
        latent.find_knee([1, 3, 2], [3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="crops must be an array"):
        latent.band_width(np.zeros((4, 8, 9)))
    with pytest.raises(ValueError, match="kind must be one of"):
        evaluation.baseline_features(np.zeros((2, 8, 8)), "wavelets")


# ------------------------------------------------------------ real data


@pytest.fixture
def paper_files(paper_data):
    """The module xpcs_nb.paper, its files read from the local copy (see conftest.py)."""
    from xpcs_nb import paper

    return paper


def test_published_latents_sweep(paper_files):
    latents = paper_files.load_latents()
    assert latents.shape == (900, 64)
    assert np.count_nonzero(np.all(latents == 0, axis=0)) == 20  # 20 dimensions never fire
    sweep = latent.kmeans_sweep(latents, seed=0)
    assert 3 <= sweep.knee.value <= 7  # the paper's elbow: four to six
    assert np.all((sweep.silhouette > 0) & (sweep.silhouette < 1))


def test_encoding_a_real_crop_leaves_the_dead_dimensions_at_zero(paper_files):
    """The published model, run here, agrees with the published latents on which
    dimensions never fire."""
    dead = np.all(paper_files.load_latents() == 0, axis=0)
    code = latent.encode(paper_files.load_model(), paper_files.load_target_image()[None])
    assert np.all(code[0, dead] == 0) and np.any(code[0, ~dead] > 0)


def test_published_classes_are_fast_right_after_shear(paper_files):
    """The paper: fast dynamics while the stress falls steeply just after the shear."""
    latents, start = paper_files.load_latents(), paper_files.load_start_times()
    labels, centres = latent.cluster(latents, 5, seed=0)
    ordered, _ = latent.order_by_decoded_centres(paper_files.load_model(), labels, centres)
    assert ordered[start < 300].mean() > ordered[start > 2000].mean() + 1
