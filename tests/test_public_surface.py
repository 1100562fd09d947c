"""The small public surface: re-exports, encode/decode shapes, weights loaded in eval mode."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import xpcs_nb
from xpcs_nb import paper
from xpcs_nb.latent import decode, encode
from xpcs_nb.model import Autoencoder, published_autoencoder


def tiny_model(seed: int = 0) -> Autoencoder:
    torch.manual_seed(seed)
    return Autoencoder(latent_size=6, encoder_channels=(4, 4), decoder_channels=(4, 4), pool=4, image_size=32)


def test_the_public_names_come_from_the_package():
    from xpcs_nb import LatentSpace, decode as top_decode, encode as top_encode, prepare_crops
    from xpcs_nb.latent.space import LatentSpace as defined
    from xpcs_nb.prepare import prepare_crops as prepare_defined

    assert LatentSpace is defined and prepare_crops is prepare_defined
    assert top_encode is encode and top_decode is decode
    assert {"LatentSpace", "prepare_crops", "encode", "decode"} <= set(dir(xpcs_nb))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        xpcs_nb.nothing


def test_importing_the_package_stays_light():
    code = "import sys, xpcs_nb; print('torch' in sys.modules, 'sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_encode_takes_every_crop_shape_numpy_or_torch():
    model = tiny_model()
    crops = np.random.default_rng(0).random((3, 32, 32)).astype(np.float32)
    expected = encode(model, crops)
    assert expected.shape == (3, 6)
    np.testing.assert_array_equal(encode(model, crops[:, None]), expected)
    np.testing.assert_array_equal(encode(model, torch.from_numpy(crops)), expected)
    np.testing.assert_array_equal(encode(model, torch.from_numpy(crops)[:, None]), expected)
    np.testing.assert_allclose(encode(model, crops[1]), expected[1:2], rtol=1e-5, atol=1e-7)  # a batch of one


def test_encode_names_a_4d_array_with_channels():
    with pytest.raises(ValueError, match=r"crops must be \(N, S, S\), \(N, 1, S, S\) or \(S, S\)"):
        encode(tiny_model(), np.zeros((2, 3, 32, 32)))


def test_decode_takes_one_vector_or_many_numpy_or_torch():
    model = tiny_model()
    latents = np.random.default_rng(1).random((2, 6))
    images = decode(model, latents)
    assert images.shape == (2, 32, 32)
    np.testing.assert_array_equal(decode(model, torch.from_numpy(latents)), images)
    # a batch of one may round differently from a batch of two (BLAS), at float32 precision
    np.testing.assert_allclose(decode(model, latents[0]), images[:1], rtol=1e-6, atol=1e-7)


def test_load_weights_gives_a_model_in_eval_mode_whose_encoding_does_not_change():
    trained = tiny_model(seed=1)
    model = tiny_model(seed=2).train()
    assert model.load_weights(trained.state_dict()) is model and not model.training
    crop = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        assert torch.equal(model.encode(crop), model.encode(crop)), "dropout is off"
        assert torch.equal(model.encode(crop), trained.eval().encode(crop))


def test_the_published_model_loads_in_eval_mode(paper_data):
    model = published_autoencoder().load_weights(paper.load_weights())
    assert not model.training and not paper.load_model().training
    crop = torch.from_numpy(paper.load_target_image()).float()[None, None]
    with torch.no_grad():
        assert torch.equal(model.encode(crop), model.encode(crop))


def test_the_layout_rebuilds_the_same_model():
    model = tiny_model()
    copy = Autoencoder(**model.layout).load_weights(model.state_dict())
    crops = torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        assert torch.equal(copy.eval()(crops), model.eval()(crops))
