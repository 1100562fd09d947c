"""``python -m xpcs_nb.train``: the command lives in :mod:`xpcs_nb.cli.train`."""
import sys

from xpcs_nb.cli.train import main

sys.exit(main())
