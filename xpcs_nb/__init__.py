"""xpcs_nb: the helper package of the AI-NERD XPCS + machine-learning book.

One module per concept, importing downwards along the data flow::

    geometry -> simulate -> correlation -> dataset / aps -> model -> train -> latent -> rheology

Notebooks import from here; nothing here imports a notebook.
"""

__version__ = "0.1.0"
