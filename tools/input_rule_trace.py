"""What the input tests reach: every xpcs_nb.validation check a test run makes, and a comparison of two runs.

A pytest plugin records, for each call of a check (``check_int``, ``check_real``,
``check_array``...), the public entry point the test called (the outermost xpcs_nb
frame), the argument name the check was given, the kind of the value (``bool``,
``np.float``, ``nan``, ``tensor``, ``list``...) and whether it was refused. Comparing
the records of two test runs lists the (function, argument, kind, outcome) an old set
of tests reached and a new one does not: how the eight ``test_inputs_*`` files were
checked against ``tests/test_inputs.py`` before they were removed (they are in git,
commit 35de089)::

    PYTHONPATH=.:tools RULE_TRACE=old.tsv python -m pytest -p input_rule_trace OLD_TESTS
    PYTHONPATH=.:tools RULE_TRACE=new.tsv python -m pytest -p input_rule_trace tests/test_inputs.py --slow
    python tools/input_rule_trace.py old.tsv new.tsv
"""
import math
import os
import sys

import numpy as np
import xpcs_nb
import xpcs_nb.validation as validation

PKG = os.path.dirname(xpcs_nb.__file__)
VALIDATION = validation.__file__
CHECKS = {"check_int", "check_seed", "check_real", "check_bool", "check_choice", "check_array",
          "check_square_maps", "check_table"}
records = set()
pending = {}


def kind(value):
    mod = type(value).__module__
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, np.integer):
        return "np.integer"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float) and not isinstance(value, np.floating):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf"
        return "float-integral" if value == int(value) else "float"
    if isinstance(value, np.floating):
        if np.isnan(value):
            return "nan"
        return "np.float"
    if mod.startswith("torch"):
        try:
            return "tensor-scalar" if value.ndim == 0 else "tensor"
        except AttributeError:
            return "torch-object"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "None"
    if isinstance(value, (list, tuple, range)):
        return "list"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return "array-0d"
        if value.dtype == np.bool_:
            return "array-bool"
        if np.issubdtype(value.dtype, np.floating):
            if not np.isfinite(value).all():
                return "array-nan"
        return "array"
    return "other:" + type(value).__name__


def entry_of(frame):
    f, entry = frame.f_back, None
    while f is not None:
        name = f.f_code.co_filename
        if name.startswith(PKG) and name != VALIDATION:
            entry = f
        elif name == "<string>" and "self" in f.f_locals:  # a dataclass's generated __init__
            entry = f
        elif name == VALIDATION:
            pass
        else:
            break
        f = f.f_back
    if entry is None:
        return None
    code = entry.f_code
    if code.co_filename == "<string>":
        return f"{type(entry.f_locals['self']).__module__}.{type(entry.f_locals['self']).__qualname__}.__init__"
    return f"{entry.f_globals.get('__name__')}.{code.co_qualname}"


def profile(frame, event, arg):
    code = frame.f_code
    if code.co_filename != VALIDATION or code.co_name not in CHECKS:
        return
    if event == "call":
        outer = frame.f_back
        if outer is not None and outer.f_code.co_filename == VALIDATION:
            return  # check_seed -> check_int: keep the outer one
        loc = frame.f_locals
        entry = entry_of(frame)
        if entry is None:
            return
        pending[id(frame)] = (entry, code.co_name, str(loc.get("name", "?")), kind(loc.get("value")))
    elif event == "return" and id(frame) in pending:
        entry, check, name, k = pending.pop(id(frame))
        refused = arg is None and not (k == "None" and check in ("check_seed", "check_choice"))
        if check == "check_table":
            refused = False  # returns None always
        records.add((entry, check, name, k, "refused" if refused else "accepted"))


def pytest_runtest_call(item):
    sys.setprofile(profile)


def pytest_runtest_teardown(item):
    sys.setprofile(None)


def pytest_sessionfinish(session):
    sys.setprofile(None)
    with open(os.environ["RULE_TRACE"], "w") as out:
        for row in sorted(records):
            out.write("\t".join(row) + "\n")


def load(path):
    """The (function, argument, kind, outcome) rows of a record, module names dropped (modules move)."""
    rows = set()
    for line in open(path):
        entry, check, name, kind, outcome = line.rstrip("\n").split("\t")
        parts = entry.split(".")
        function = ".".join(p for p in parts if p[:1].isupper() or p == parts[-1])
        if outcome == "accepted" and kind in ("int", "array", "float", "None", "str", "bool"):
            continue  # the plain valid values every call passes
        rows.add((function, name, kind, outcome))
    return rows


if __name__ == "__main__":
    old, new = load(sys.argv[1]), load(sys.argv[2])
    missing = sorted(old - new)
    print(f"old: {len(old)} (function, argument, kind, outcome) rows; new: {len(new)}; "
          f"old rows the new run does not reach: {len(missing)}")
    for row in missing:
        print("  ", *row)
    sys.exit(1 if missing else 0)
