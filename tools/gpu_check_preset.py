"""How long chapters 3-7 take at a preset, and which preset fits what is left of the budget.

Used by ``tools/gpu_check.py``'s ``chapters`` step: an estimate from the libraries not
yet cached, the training images at the rate the ``training`` step measured, and a fixed
allowance per chapter; a preset that does not fit gives way to a smaller one.
"""

from __future__ import annotations

MODEL_CHAPTERS = ("03", "04", "05", "06", "07")  # the chapters that train or load the autoencoder
# Chapter estimates (seconds). Library builds as measured on 2 CPU cores (book/performance.md);
# the data loader's rate from benchmarks/bench_dataset.py (DataLoader, no workers); the
# allowance per chapter for everything but library and training (kernel start, figures,
# k-means, UMAP, the rheo-XPCS run) is a guess from the fast preset's CPU times.
LIBRARY_S = {"fast": 6.0, "class": 106.0, "class_cpu": 106.0, "paper": 106.0 * (286 / 40) * (5000 / 2048) ** 2}
LOADER_IMAGES_PER_S = 12_000.0
CHAPTER_ALLOWANCE_S = {"fast": 45.0, "class": 90.0, "class_cpu": 90.0, "paper": 300.0}

# Smaller presets tried, in order, when the requested one does not fit; 'fast' always comes last.
SMALLER = {"paper": ("class", "class_cpu"), "class": ("class_cpu",)}


def choose_preset(requested: str, rate: float | None, available_s: float, smoke: bool = False) -> dict:
    """Run the chapters at ``requested`` if its estimate fits ``available_s``, else at the
    largest smaller preset that fits (``SMALLER``), else at ``fast``."""
    if smoke:
        return {"requested": requested, "chosen": requested, "why": "--smoke: a two-cell notebook, no chapter"}
    estimate = estimate_chapters_s(requested, rate)
    choice = {"requested": requested, "estimate_s": estimate, "available_s": round(available_s, 1)}
    if fits(estimate, available_s):
        return {**choice, "chosen": requested, "why": f"estimated {total_text(estimate)}, fits the "
                f"{available_s:.0f} s left"}
    if requested == "fast":
        return {**choice, "chosen": "fast", "why": f"estimated {total_text(estimate)}, more than the "
                f"{available_s:.0f} s left, but 'fast' is the smallest preset: run, each chapter stopped at the limit"}
    refused = [too_long(requested, estimate, available_s)]
    for smaller in SMALLER.get(requested, ()):
        smaller_estimate = estimate_chapters_s(smaller, rate)
        if fits(smaller_estimate, available_s):
            return {**choice, "chosen": smaller, "why": "; ".join(refused) + f"; running {smaller!r} instead "
                    f"(estimated {total_text(smaller_estimate)})", "fallback": True}
        refused.append(too_long(smaller, smaller_estimate, available_s))
    return {**choice, "chosen": "fast", "why": "; ".join(refused) + "; running 'fast' instead", "fallback": True}


def fits(estimate: dict, available_s: float) -> bool:
    """True when ``estimate`` (from :func:`estimate_chapters_s`) has a total within ``available_s`` seconds."""
    return estimate["total"] is not None and estimate["total"] <= available_s


def total_text(estimate: dict) -> str:
    """The estimate's total as words, e.g. ``"930 s"``, or why there is none."""
    return "an unknown time (no training rate)" if estimate["total"] is None else f"{estimate['total']:.0f} s"


def too_long(preset: str, estimate: dict, available_s: float) -> str:
    """One clause for the summary: ``preset``'s estimate, part by part, and the seconds it did not fit."""
    training = "not measured" if estimate["training"] is None else f"{estimate['training']:.0f}"
    return (f"{preset!r} estimated at {total_text(estimate)} (library {estimate['library']:.0f}, training "
            f"{training}, other work {estimate['other']:.0f}) does not fit the {available_s:.0f} s left")


def estimate_chapters_s(preset: str, rate: float | None) -> dict:
    """Seconds chapters 3-7 need at ``preset``: libraries not yet cached, training at ``rate``, allowance.

    Reads the preset's evaluation fields (``eval_photons``, ``eval_per_class``,
    ``eval_train_seeds``, ``sweep_seeds``) where the preset has them.
    """
    from xpcs_nb.presets import get_preset

    p = get_preset(preset)
    libraries = missing_libraries(p)
    library = sum(LIBRARY_S[p.name] * n_per_class / p.library_per_class for n_per_class in libraries)
    images = training_images(p)
    # No rate measured (step 2 failed or ran out of time): the preset cannot be judged to fit.
    training = images / rate + images / LOADER_IMAGES_PER_S if rate and rate > 0 else None
    other = CHAPTER_ALLOWANCE_S[p.name] * len(MODEL_CHAPTERS)
    total = None if training is None else library + training + other
    return {"library": library, "training": training, "other": other, "total": total,
            "training_images": images, "libraries_to_build": len(libraries)}


def missing_libraries(p) -> list[int]:
    """C2 per label of each library chapters 3-7 would build and that is not cached yet.

    Chapter 4's evaluation sets (one per photon rate), and for every training seed of
    the evaluation the preset's library drawn with that seed (``pipeline.trained_autoencoder``:
    the seed fixes the data too) and that library at each other evaluated rate (its
    training at that rate).
    """
    from dataclasses import replace

    from xpcs_nb import evaluation
    from xpcs_nb.library import LibrarySpec
    from xpcs_nb.paths import generated_dir

    folder = generated_dir(p.name)
    specs = [evaluation.evaluation_spec(p, rate) for rate in getattr(p, "eval_photons", ())]
    for seed in range(getattr(p, "eval_train_seeds", 1)):
        own = LibrarySpec.from_preset(p, seed=seed)
        specs.append(own)
        specs += [replace(own, photons_per_pixel=rate) for rate in getattr(p, "eval_photons", ())
                  if rate != own.photons_per_pixel]
    return [spec.n_per_class for spec in specs if not (folder / spec.file_name).exists()]


def training_images(p) -> int:
    """Training-step equivalents of chapters 3-4 (validation images count a third: no backward pass).

    The main model once per training seed of the evaluation, then trained further at each
    evaluated photon rate but the library's; the latent sweep once per sweep seed.
    """
    n_train = p.train_items or 400_000
    n_val = p.val_items or 40_000
    seeds = getattr(p, "eval_train_seeds", 1)
    from xpcs_nb.library import LibrarySpec

    own_rate = LibrarySpec.from_preset(p).photons_per_pixel
    other_rates = len([rate for rate in getattr(p, "eval_photons", ()) if rate != own_rate])
    main = seeds * (p.epochs + other_rates * getattr(p, "eval_matched_epochs", 0)) * (n_train + n_val / 3)
    sweep = (len(p.latent_sweep) * getattr(p, "sweep_seeds", 1) * p.sweep_epochs
             * ((p.sweep_items or n_train) + n_val / 3))
    return int(main + sweep)
