"""The intro's preset table states what presets.py sets, and its figure and links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xpcs_nb.library import LibrarySpec
from xpcs_nb.presets import PRESETS

ROOT = Path(__file__).resolve().parents[1]
INTRO = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")


def preset_row(name: str) -> str:
    rows = [line for line in INTRO.splitlines() if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, f"the intro's preset table has {len(rows)} rows for {name}"
    return rows[0]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_row_states_the_presets_sizes(name):
    p, row = PRESETS[name], preset_row(name)
    spec = LibrarySpec.from_preset(p)
    assert f"{p.detector_side}x{p.detector_side} pixels, {p.n_frames} frames" in row
    assert f"{spec.n_c2:,} C2 of {p.c2_frames} frames, {spec.n_c2 * p.crops_per_c2:,} crops" in row
    start = "from scratch" if p.start_from == "scratch" else "fine-tunes the published weights"
    assert row.split("|")[5].strip().startswith(start), row
    if p.train_items is None:
        assert f"{p.epochs} epochs of all" in row
    else:
        assert f"{p.epochs} epochs of {p.train_items:,} augmented images" in row


def test_intro_links_and_figure_resolve():
    for target in re.findall(r"\]\((\.\./notebooks/[^)]+)\)", INTRO):
        assert (ROOT / "book" / target).with_suffix(".py").exists(), target
    for image in re.findall(r"```\{figure\} (\S+)", INTRO):
        assert (ROOT / "book" / image).exists(), image


def test_pasted_results_are_glued_by_their_chapters():
    pasted = re.findall(r"\{glue:text\}`\.\./notebooks/([\w]+)\.ipynb::(\w+)(?::[^`]*)?`", INTRO)
    assert pasted, "the intro pastes no result from the chapters"
    for chapter, key in pasted:
        source = (ROOT / "notebooks" / f"{chapter}.py").read_text(encoding="utf-8")
        assert re.search(rf"glue\(\s*[\"']{key}[\"']", source), f"{chapter} glues no {key!r}"
    assert all(re.search(r"::\w+:[a-z]`", m) for m in re.findall(r"::\w+(?::[^`]*)?`", INTRO)), (
        "a pasted key needs a format spec (key:s): myst-nb reads the text after the last ':' as the format")


def test_the_intro_and_the_banners_name_the_preset_the_site_is_built_at():
    from xpcs_nb.chapter import SITE_PRESET, ChapterFrame

    assert f"The published site is\nbuilt at `{SITE_PRESET}`" in INTRO
    assert f"the published\nsite is built at `{SITE_PRESET}` (`XPCS_PRESET={SITE_PRESET}`" in INTRO
    for preset in PRESETS:
        banner = ChapterFrame(3, preset, hardware="2 CPU cores (test), no GPU").banner()
        expected = ("built at this preset" if preset == SITE_PRESET
                    else f"The published site shows this chapter at the `{SITE_PRESET}` preset")
        assert expected in banner, banner
