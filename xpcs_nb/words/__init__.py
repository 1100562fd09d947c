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
* ``clusters``: chapter 4's trap, target and evaluation verdicts (tables of methods x photon rates);
* ``rheology``: chapter 5's words on the C2, the bursts and the alignment tests.

>>> plus_minus([0.5, 0.7])
'0.60 ± 0.10'
"""

from . import clusters, rheology
from .formats import plus_minus, thousands
from .search import SearchVerdicts, search_verdicts
from .verdicts import METHOD_NAMES, VERDICTS, names_list, verdict, verdict_sentence, verdicts

__all__ = ["plus_minus", "thousands", "VERDICTS", "METHOD_NAMES", "verdict", "verdicts", "verdict_sentence",
           "names_list", "SearchVerdicts", "search_verdicts", "clusters", "rheology"]
