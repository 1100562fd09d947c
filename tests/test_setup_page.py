"""The set-up page's table "What each preset makes" states what presets.py sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpcs_nb.library import LibrarySpec
from xpcs_nb.presets import PRESETS

SETUP = (Path(__file__).resolve().parents[1] / "book" / "setup.md").read_text(encoding="utf-8")
SECTION = SETUP.split("### What each preset makes", 1)[1].split("###", 1)[0]


def table() -> dict[str, dict[str, str]]:
    """{row title: {preset: cell}} of the section's Markdown table."""
    lines = [line for line in SECTION.splitlines() if line.startswith("|")]
    presets = [cell.strip().strip("`") for cell in lines[0].split("|")[2:-1]]
    rows = {}
    for line in lines[2:]:
        title, *cells = [cell.strip() for cell in line.split("|")[1:-1]]
        rows[title] = dict(zip(presets, cells))
    return rows


def sizes_text(sizes: tuple[int, ...]) -> str:
    doubling = len(sizes) > 3 and all(b == 2 * a for a, b in zip(sizes, sizes[1:]))
    return f"{sizes[0]} to {sizes[-1]}" if doubling else ", ".join(str(s) for s in sizes)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def expected(p) -> dict[str, str]:
    spec = LibrarySpec.from_preset(p)
    images = f"{p.train_items:,}" if p.train_items else f"all {spec.n_c2 * p.crops_per_c2 * p.augment_factor:,}"
    return {
        "chapter 1: detector, movie": f"{p.detector_side} × {p.detector_side} pixels, {p.n_frames} frames",
        "chapter 2: C2 library": f"{spec.n_c2:,} C2 of {p.c2_frames} frames ({p.library_per_class} per label)",
        "chapter 2: crops (256 × 256)": f"{spec.n_c2 * p.crops_per_c2:,}",
        "chapter 3: training": f"from scratch, {p.epochs} epochs of {images} augmented images, batches of {p.batch_size}",
        "chapter 3: latent-size sweep": (f"sizes {sizes_text(p.latent_sweep)}; {p.sweep_items:,} images, "
                                         f"{plural(p.sweep_epochs, 'epoch')} each, {plural(p.sweep_seeds, 'seed')}"
                                         if p.latent_sweep else "not run (PCA's curve only)"),
        "chapter 4: evaluation": (", ".join(f"{r:g}" for r in p.eval_photons) + " photons per pixel per frame; "
                                  f"{p.eval_per_class} C2 per label; {plural(p.eval_train_seeds, 'training seed')}"),
        "chapter 5: C2 of the synthetic rheo-XPCS run (100 windows × 18 sectors)": {
            "analytic": "expected C2 plus noise", "movie": "correlated from simulated photons"}[p.rheo_c2_method],
    }


def test_the_table_has_a_column_for_every_preset():
    assert set(next(iter(table().values()))) == set(PRESETS)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_cell_states_the_presets_sizes(name):
    rows = table()
    for title, text in expected(PRESETS[name]).items():
        assert rows[title][name] == text, f"{title!r} for {name}"
