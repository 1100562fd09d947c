"""presets.as_preset: the one "preset name or Preset" coercion, the same in every module that takes a preset."""

from __future__ import annotations

import pytest

from xpcs_nb.evaluation.data import evaluation_spec
from xpcs_nb.library import LibrarySpec
from xpcs_nb.pipeline import training_key
from xpcs_nb.presets import PRESETS, as_preset, get_preset
from xpcs_nb.validation import ArgumentTypeError

TAKE_A_PRESET = {
    "LibrarySpec.from_preset": lambda preset: LibrarySpec.from_preset(preset),
    "evaluation_spec": lambda preset: evaluation_spec(preset, 1.0),
    "training_key": training_key,
}


def test_a_name_and_its_preset_give_the_same_result():
    for name, preset in PRESETS.items():
        assert as_preset(name) is preset and as_preset(preset) is preset
        assert as_preset(f" {name.upper()} ") is get_preset(name)
    for call in TAKE_A_PRESET.values():
        assert call("fast") == call(PRESETS["fast"])


@pytest.mark.parametrize("where", sorted(TAKE_A_PRESET))
@pytest.mark.parametrize("given, shown", [(3, r"3 \(int\)"), (None, r"None \(NoneType\)"),
                                          ({"name": "fast"}, r"\{'name': 'fast'\} \(dict\)")])
def test_anything_else_is_refused_with_the_same_message(where, given, shown):
    with pytest.raises(ArgumentTypeError, match=rf"^preset must be a preset name such as 'fast' or a Preset, got {shown}$"):
        TAKE_A_PRESET[where](given)


def test_an_unknown_name_lists_the_presets():
    with pytest.raises(ValueError, match=r"preset must be one of \['class', 'class_cpu', 'fast', 'paper'\], got 'slow'"):
        as_preset("slow")
