"""The training loop: schedule, losses, checkpoints, exact resumption.

A small model on 32 x 32 images keeps these tests fast: the loop does not depend on
the layout (the published one is exercised by benchmarks/bench_train.py).
"""

import math

import pytest
import torch
from torch.utils.data import TensorDataset

from xpcs_nb.model import Autoencoder
from xpcs_nb.train import (
    BEST_WEIGHTS,
    LAST_CHECKPOINT,
    TrainConfig,
    load_best,
    load_checkpoint,
    seed_everything,
    train,
)

SIDE = 32


def band_images(n, seed, side=SIDE, noise=0.05):
    """C2-like images: a diagonal band exp(-|i - j| / w) of random width, plus noise,
    min-max scaled to [0, 1]. TensorDataset of (1, side, side) float32."""
    generator = torch.Generator().manual_seed(seed)
    index = torch.arange(side, dtype=torch.float32)
    lag = (index[:, None] - index[None, :]).abs()
    widths = side * (0.02 + 0.2 * torch.rand(n, 1, 1, generator=generator))
    images = torch.exp(-lag / widths) + noise * torch.randn(n, side, side, generator=generator)
    low = images.amin(dim=(1, 2), keepdim=True)
    high = images.amax(dim=(1, 2), keepdim=True)
    return TensorDataset(((images - low) / (high - low))[:, None])


def small_model(seed=0, latent_size=8):
    """The published layout shrunk: 2x2 pooling, few channels, dropout kept."""
    seed_everything(seed)
    return Autoencoder(
        latent_size=latent_size,
        encoder_channels=(4, 8, 8),
        decoder_channels=(8, 8, 4),
        pool=2,
        image_size=SIDE,
    )


def config(tmp_path, **changes):
    """Two epochs in batches of 8 on the CPU in float32 (the bit-exact path), checkpoints
    in ``tmp_path``, unless changed."""
    settings = dict(epochs=2, batch_size=8, lr=3e-3, device="cpu", amp="off", channels_last=False, progress=False)
    return TrainConfig(**(settings | {"checkpoint_dir": tmp_path} | changes))


@pytest.fixture(scope="module")
def data():
    return band_images(24, seed=1), band_images(8, seed=2)


def assert_same_weights(first, second):
    for (key, a), b in zip(first.state_dict().items(), second.state_dict().values()):
        assert torch.equal(a, b), key


def test_two_epochs_equal_one_epoch_plus_resume(data, tmp_path):
    train_ds, val_ds = data
    straight = small_model()
    straight_history = train(straight, train_ds, val_ds, config(tmp_path / "straight"))

    interrupted = small_model()
    train(interrupted, train_ds, val_ds, config(tmp_path / "split", epochs=1))
    resumed = small_model(seed=99)  # a fresh process would build another init
    resumed_history = train(resumed, train_ds, val_ds, config(tmp_path / "split"))

    assert_same_weights(straight, resumed)
    assert resumed_history.train_loss == straight_history.train_loss
    assert resumed_history.val_loss == straight_history.val_loss
    assert resumed_history.lr == straight_history.lr


def test_dropout_makes_a_run_without_restored_random_state_differ(data, tmp_path):
    """Control for the test above: the same start with other random draws (dropout
    masks, shuffling) ends elsewhere, so equality there is not a matter of course."""
    train_ds, val_ds = data
    first, second = small_model(), small_model()
    train(first, train_ds, val_ds, config(tmp_path / "a", epochs=1, seed=0))
    train(second, train_ds, val_ds, config(tmp_path / "b", epochs=1, seed=1))
    assert not torch.equal(first.encoder[0].weight, second.encoder[0].weight)


def test_learning_rate_follows_triangular2(data, tmp_path):
    # 24 crops in batches of 8: 3 steps an epoch; a half cycle of one epoch.
    train_ds, _ = data
    lr = 1e-2
    schedule = config(tmp_path, epochs=4, lr=lr, half_cycle_epochs=1)
    history = train(small_model(), train_ds, None, schedule)
    low = lr / 10
    # peak, bottom, half peak, bottom: triangular2 halves the amplitude every cycle
    expected = [lr, low, low + (lr - low) / 2, low]
    assert history.lr == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("loss", ["mse", "l1"])
def test_validation_loss_is_the_chosen_loss_in_eval_mode(data, tmp_path, loss):
    train_ds, val_ds = data
    model = small_model()
    history = train(model, train_ds, val_ds, config(tmp_path, epochs=1, loss=loss))
    model.eval()
    with torch.no_grad():
        images = val_ds.tensors[0]
        error = model(images) - images
    expected = error.pow(2).mean() if loss == "mse" else error.abs().mean()
    assert history.val_loss[-1] == pytest.approx(expected.item(), rel=1e-5)


def test_best_weights_are_those_of_the_lowest_validation_loss(data, tmp_path):
    train_ds, val_ds = data
    history = train(small_model(), train_ds, val_ds, config(tmp_path, epochs=3))
    assert history.best_loss == min(history.val_loss)
    assert history.best_epoch == 1 + history.val_loss.index(min(history.val_loss))
    best = load_best(small_model(seed=5), tmp_path).eval()
    with torch.no_grad():
        images = val_ds.tensors[0]
        loss = torch.nn.functional.mse_loss(best(images), images)
    assert loss.item() == pytest.approx(history.best_loss, rel=1e-5)
    # written atomically: no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == [BEST_WEIGHTS, LAST_CHECKPOINT]


def test_checkpoint_holds_everything_to_resume(data, tmp_path):
    train_ds, val_ds = data
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=1))
    checkpoint = load_checkpoint(tmp_path / LAST_CHECKPOINT)
    assert {"model", "optimizer", "scheduler", "scaler", "history", "rng"} <= set(checkpoint)
    assert {"torch", "numpy", "python", "loader"} <= set(checkpoint["rng"])
    assert checkpoint["history"]["epoch"] == [1]


def test_finished_run_is_not_trained_again(data, tmp_path):
    train_ds, val_ds = data
    model = small_model()
    train(model, train_ds, val_ds, config(tmp_path, epochs=1))
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    history = train(model, train_ds, val_ds, config(tmp_path, epochs=1))
    assert history.epoch == [1]
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())


def test_corrupt_checkpoint_is_a_clear_error(data, tmp_path):
    train_ds, val_ds = data
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=1))
    last = tmp_path / LAST_CHECKPOINT
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])  # a run killed mid-write
    with pytest.raises(ValueError, match=f"checkpoint {last} cannot be read"):
        train(small_model(), train_ds, val_ds, config(tmp_path))
    # starting afresh is allowed and replaces it
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=1), resume=False)
    assert load_checkpoint(last)["history"]["epoch"] == [1]


def test_checkpoint_of_other_settings_is_refused(data, tmp_path):
    train_ds, val_ds = data
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=1))
    with pytest.raises(ValueError, match=r"batch_size: checkpoint 8, now 4"):
        train(small_model(), train_ds, val_ds, config(tmp_path, batch_size=4))


def test_checkpoint_of_another_model_is_refused(data, tmp_path):
    train_ds, val_ds = data
    train(small_model(), train_ds, val_ds, config(tmp_path, epochs=1))
    refused = r"last\.pt belongs to another model \(bottleneck\.1\.weight: checkpoint \(8, 128\)"
    with pytest.raises(ValueError, match=refused):
        train(small_model(latent_size=4), train_ds, val_ds, config(tmp_path))


def test_images_without_channel_axis_are_refused(tmp_path):
    flat = TensorDataset(torch.rand(4, SIDE, SIDE))
    with pytest.raises(ValueError, match=r"train_ds items must be float tensors \(1, S, S\)"):
        train(small_model(), flat, None, config(tmp_path))


@pytest.mark.parametrize(
    "changes, name",
    [
        ({"loss": "huber"}, "loss"),
        ({"epochs": 0}, "epochs"),
        ({"amp": "fp8"}, "amp"),
        ({"lr": -1.0}, "lr"),
        ({"num_workers": -1}, "num_workers"),
    ],
)
def test_bad_settings_are_refused(changes, name):
    with pytest.raises(ValueError, match=name):
        TrainConfig(**changes)


def test_training_without_checkpoints_runs_and_learns(data):
    train_ds, val_ds = data
    no_files = TrainConfig(epochs=4, batch_size=8, lr=3e-3, device="cpu", amp="off", progress=False)
    history = train(small_model(), train_ds, val_ds, no_files)
    assert all(math.isfinite(loss) for loss in history.train_loss + history.val_loss)
    assert history.val_loss[-1] < history.val_loss[0]


def test_batch_losses_are_recorded_and_a_hand_written_loop_reproduces_them(data, tmp_path):
    """One loss per optimiser step, whose crop-weighted mean is the epoch's loss; the
    twenty lines of chapter 3 (same seed, batches, optimiser and schedule) give the
    same numbers, bit for bit in float32 on the CPU."""
    train_ds, _ = data
    history = train(small_model(), train_ds, None, config(tmp_path, epochs=2, half_cycle_epochs=1))
    assert len(history.batch_loss) == 2 * 3  # 24 crops in batches of 8, two epochs
    assert sum(history.batch_loss[:3]) / 3 == pytest.approx(history.train_loss[0], rel=1e-6)

    model = small_model()  # the same initial weights
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=3e-4, max_lr=3e-3, step_size_up=3,
                                                  mode="triangular2", cycle_momentum=False)
    seed_everything(0)  # dropout masks, as train() does
    loader = torch.utils.data.DataLoader(train_ds, batch_size=8, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    by_hand = []
    for _ in range(2):
        model.train()
        for (images,) in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.mse_loss(model(images), images)
            loss.backward()
            optimizer.step()
            scheduler.step()
            by_hand.append(loss.item())
    assert by_hand == history.batch_loss


def test_a_history_from_an_older_checkpoint_has_no_batch_losses():
    from dataclasses import asdict

    from xpcs_nb.train import History

    saved = asdict(History(epoch=[1], train_loss=[0.1], val_loss=[0.2], lr=[1e-3], seconds=[1.0]))
    del saved["batch_loss"]  # written before per-batch losses were recorded
    assert History(**saved).batch_loss == []
