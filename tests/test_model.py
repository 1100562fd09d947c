"""The autoencoder against the authors' published weights and files."""


import numpy as np
import pytest
import torch

from xpcs_nb import paper
from xpcs_nb.model import Autoencoder, four_stage_autoencoder, published_autoencoder


@pytest.fixture
def target_image(paper_data):
    """The published real C2 crop as a batch: (1, 1, 256, 256) float32."""
    return torch.from_numpy(paper.load_target_image()).float()[None, None]


def reconstruct(model, images):
    with torch.no_grad():
        return model.eval()(images)[0, 0].numpy().astype(np.float64)


def test_published_weights_load_strictly(paper_data):
    state_dict = paper.load_weights()
    model = published_autoencoder().load_weights(state_dict)
    assert list(model.state_dict()) == list(state_dict)
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, state_dict[key]), key


def test_published_model_reconstructs_the_published_crop(paper_data, target_image):
    # The published model squeezes its output into about 0.52 .. 0.67 while the crop
    # spans 0 .. 1, so judge the pattern, not the values: correlation with the input
    # (measured 0.946) and the mean squared error after min-max rescaling of the output
    # (0.0025) against that of a constant image at the input's mean (0.015, ratio 0.17).
    # Thresholds leave room for float differences yet fail for any untrained model.
    crop = target_image[0, 0].numpy().astype(np.float64)
    output = reconstruct(paper.load_model(), target_image)
    correlation = np.corrcoef(output.ravel(), crop.ravel())[0, 1]
    rescaled = (output - output.min()) / (output.max() - output.min())
    rescaled_mse = np.mean((rescaled - crop) ** 2)
    constant_mse = np.mean((crop - crop.mean()) ** 2)
    assert correlation > 0.9
    assert rescaled_mse < 0.3 * constant_mse


def test_untrained_model_fails_the_same_bar(target_image):
    """The bar above is not met by chance: random weights fall far short of it."""
    torch.manual_seed(0)
    crop = target_image[0, 0].numpy()
    output = reconstruct(published_autoencoder(), target_image)
    assert np.corrcoef(output.ravel(), crop.ravel())[0, 1] < 0.5


def test_encoding_agrees_with_the_published_latents(paper_data, target_image):
    published = paper.load_latents()
    dead = np.all(published == 0, axis=0)  # 20 of 64 dims are zero for all 900 rows
    with torch.no_grad():
        latent = paper.load_model().encode(target_image)[0].numpy()
    assert latent.shape == (64,)
    assert published.min() >= 0 and latent.min() >= 0  # both taken after the ReLU
    assert dead.sum() == 20
    np.testing.assert_array_equal(latent[dead], 0)
    assert np.any(latent[~dead] > 0)


def test_forward_is_decode_of_encode(paper_data, target_image):
    model = paper.load_model()
    with torch.no_grad():
        assert torch.equal(model(target_image), model.decode(model.encode(target_image)))


@pytest.mark.parametrize("shape", [(1, 1, 128, 128), (1, 256, 256), (1, 2, 256, 256)])
def test_wrong_input_size_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 256, 256\)"):
        published_autoencoder().encode(torch.zeros(shape))


def test_float64_images_are_a_clear_error():
    with pytest.raises(ValueError, match=r"images.float\(\)"):
        published_autoencoder().encode(torch.zeros(1, 1, 256, 256, dtype=torch.float64))


def test_wrong_latent_size_is_a_clear_error():
    with pytest.raises(ValueError, match=r"latents must have shape \(N, 64\)"):
        published_autoencoder().decode(torch.zeros(2, 32))


def test_load_mismatch_lists_keys_and_shapes(paper_data):
    state_dict = dict(paper.load_weights())
    del state_dict["encoder.0.bias"]
    state_dict["encoder.99.weight"] = torch.zeros(3, 3)
    with pytest.raises(ValueError) as error:
        published_autoencoder(latent_size=32).load_weights(state_dict)
    message = str(error.value)
    assert "missing encoder.0.bias (16,)" in message
    assert "unexpected encoder.99.weight (3, 3)" in message
    assert "bottleneck.1.weight: model (32, 1024), state_dict (64, 1024)" in message
    assert "bottleneck.3.bias" not in message  # (1024,) in both: no mismatch


@pytest.mark.parametrize("latent_size", [2, 1024])
def test_any_latent_size_of_the_sweep_works(latent_size):
    model = published_autoencoder(latent_size=latent_size).eval()
    with torch.no_grad():
        latents = model.encode(torch.rand(2, 1, 256, 256))
        images = model.decode(latents)
    assert latents.shape == (2, latent_size)
    assert images.shape == (2, 1, 256, 256)
    assert 0 <= images.min() and images.max() <= 1


def test_four_stage_variant_runs_forward_and_backward():
    model = four_stage_autoencoder(latent_size=64)
    images = torch.rand(1, 1, 256, 256)
    assert model.encoder(images).shape == (1, 64, 16, 16)  # four 2x2 poolings
    output = model(images)
    assert output.shape == images.shape
    torch.nn.functional.mse_loss(output, images).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_four_stage_variant_does_not_take_the_published_weights(paper_data):
    with pytest.raises(ValueError, match="encoder.21.weight"):
        four_stage_autoencoder().load_weights(paper.load_weights())


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"latent_size": 0}, "latent_size"),
        ({"latent_size": 2.5}, "latent_size"),
        ({"image_size": 100}, "image_size"),
        ({"decoder_channels": (64, 32)}, "decoder_channels"),
        ({"pool": 1}, "pool"),
        ({"dropout": 1.0}, "dropout"),
    ],
)
def test_impossible_layouts_are_refused(arguments, name):
    with pytest.raises(ValueError, match=name):
        Autoencoder(**arguments)
