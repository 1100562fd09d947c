"""The words the chapters print: every sentence built from a run's numbers, in one place.

A chapter states a number in its Markdown with an ``{eval}`` role on a kernel
variable (``{eval}`mse_text```), which JupyterLab (jupyterlab-myst) and the site
both render. When the sentence around the number depends on it ("better than",
"confirmed", a list of classes), the chapter calls a function from this package
rather than building the sentence in a long cell; each module holds the words of
one topic:

* ``formats``: numbers as the text shows them (mean ± spread, thousands, ratios);
* ``verdicts``: the one rule that says "better than", "no better than" or "worse than"
  (chapters 4 and 6) and the sentences built on it;
* ``search``: chapter 6's verdict on a search beside its baselines;
* ``dynamics``: chapters 1 and 8, what a fit of g2 says (agreement, alpha, errors);
* ``library``: chapter 2's band widths of the rate classes and its split;
* ``training``: chapter 3's loop by hand, test error against the mean image and PCA, the split
  of the augmented set, the latent-size sweep and symmetry;
* ``clusters``: chapter 4's trap, target and evaluation verdicts (tables of methods x photon rates);
* ``paired``: a paired difference with its 95 % interval, and chapter 4's sentences built on them;
* ``rheology``: chapter 5's words on the C2, the bursts and the alignment tests;
* ``own_data``: chapter 7's words on a reader's own maps (classes, frame time, contrast, gap).

>>> plus_minus([0.5, 0.7])
'0.60 ± 0.10'
"""

from . import clusters, paired, rheology
from .dynamics import agreement, alpha_reading, error_reading, slope_reading
from .formats import plus_minus, thousands
from .library import band_steps, band_widths, seam_verdict, split_overlap
from .paired import interval_text
from .search import SearchVerdicts, label_verdicts, search_verdicts
from .search import RealCropWords, overlap_verdict, real_crop_words, share_list, spread_over, training_text
from .own_data import (burst_sentence, contrast_verdict, frame_time_sentence, gap_apart, order_note, ring_changes,
                       sample_name)
from .training import (below_mean_image, label_sources, leak_sentence, loop_agreement, pca_equivalent,
                       precision_mode, sweep_plan, sweep_sentence, symmetry_sentence, versus_pca)
from .verdicts import METHOD_NAMES, VERDICTS, names_list, verdict, verdict_sentence, verdicts

__all__ = ["plus_minus", "thousands", "VERDICTS", "METHOD_NAMES", "verdict", "verdicts", "verdict_sentence",
           "names_list", "SearchVerdicts", "search_verdicts",
           "agreement", "alpha_reading", "error_reading", "slope_reading",
           "band_widths", "band_steps", "split_overlap", "seam_verdict", "interval_text", "label_verdicts",
           "below_mean_image", "loop_agreement", "precision_mode", "label_sources", "sweep_sentence",
           "symmetry_sentence", "versus_pca", "leak_sentence", "sweep_plan", "pca_equivalent",
           "RealCropWords", "overlap_verdict", "real_crop_words", "share_list", "spread_over", "training_text",
           "burst_sentence", "contrast_verdict", "frame_time_sentence", "gap_apart", "order_note", "ring_changes",
           "sample_name",
           "clusters", "paired", "rheology"]
