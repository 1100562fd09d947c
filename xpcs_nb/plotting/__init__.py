"""Every figure the chapters share, sized for the page and drawn with one C2 colour map.

- :mod:`~xpcs_nb.plotting.style`: ``C2_CMAP``, ``PAGE_WIDTH`` and the class colours;
- :mod:`~xpcs_nb.plotting.detector`: a detector frame, an ROI map, a two-time C2;
- :mod:`~xpcs_nb.plotting.grids`: grids of crops, the gallery of each class's examples;
- :mod:`~xpcs_nb.plotting.curves`: training loss, the elbow and its knee, a permutation test;
- :mod:`~xpcs_nb.plotting.scatter`: a UMAP plane with one legend of class names;
- :mod:`~xpcs_nb.plotting.fig3`: the paper's Fig. 3, class fractions beside the stress;
- :mod:`~xpcs_nb.plotting.evaluation`: each method's score against the photon rate;
- :mod:`~xpcs_nb.plotting.pipeline_strip`: the book's pipeline as a strip, a chapter's steps lit;
- :mod:`~xpcs_nb.plotting.latent_heatmap`: latent vectors as heat maps (chapter 3);
- :mod:`~xpcs_nb.plotting.clusters`, :mod:`~xpcs_nb.plotting.lag_profiles`: elbows and
  latent maps, a crop's lag profile and band widths (chapter 4);
- :mod:`~xpcs_nb.plotting.bursts`: bursts beside the stress (chapter 5);
- :mod:`~xpcs_nb.plotting.search_baselines`: precision by label and method (chapter 6);
- :mod:`~xpcs_nb.plotting.lag_ladder`: the multi-tau lag ladder and pair averaging (chapter 8).

Functions that draw one panel take an optional ``ax``; those that lay out a grid take
an optional ``fig``. Each returns what it drew on.
"""

from xpcs_nb.plotting.bursts import bursts_beside_stress
from xpcs_nb.plotting.clusters import elbow_panels, latent_maps
from xpcs_nb.plotting.curves import elbow, knee_construction, permutation_histogram, training_history
from xpcs_nb.plotting.detector import show_c2, show_frame, show_roi_map
from xpcs_nb.plotting.evaluation import method_sweep, method_sweeps
from xpcs_nb.plotting.fig3 import fractions_beside_stress
from xpcs_nb.plotting.grids import class_gallery, crop_grid
from xpcs_nb.plotting.lag_ladder import lag_ladder, pair_averaging
from xpcs_nb.plotting.paired import paired_differences
from xpcs_nb.plotting.layer_table import layer_table
from xpcs_nb.plotting.lag_profiles import lag_profile, width_comparison
from xpcs_nb.plotting.latent_heatmap import latent_heatmaps
from xpcs_nb.plotting.pipeline_strip import CHAPTER_STEPS, PIPELINE_STEPS, PipelineStep, chapter_steps, pipeline_strip
from xpcs_nb.plotting.scatter import umap_scatter
from xpcs_nb.plotting.search_baselines import precision_bars
from xpcs_nb.plotting.style import C2_CMAP, CLASS_CMAP, PAGE_WIDTH, PANEL_TITLE_SIZE, class_colours, grid_size

__all__ = [
    "paired_differences", "layer_table",
    "C2_CMAP",
    "CLASS_CMAP",
    "PAGE_WIDTH",
    "class_colours",
    "grid_size",
    "show_c2",
    "show_roi_map",
    "show_frame",
    "crop_grid",
    "class_gallery",
    "training_history",
    "elbow",
    "knee_construction",
    "permutation_histogram",
    "umap_scatter",
    "fractions_beside_stress",
    "method_sweep",
    "pipeline_strip",
    "PANEL_TITLE_SIZE",
    "PipelineStep",
    "PIPELINE_STEPS",
    "CHAPTER_STEPS",
    "chapter_steps",
    "method_sweeps",
    "elbow_panels",
    "latent_maps",
    "latent_heatmaps",
    "lag_profile",
    "width_comparison",
    "lag_ladder",
    "pair_averaging",
    "bursts_beside_stress",
    "precision_bars",
]
