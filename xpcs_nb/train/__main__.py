"""``python -m xpcs_nb.train``: the command lives in :mod:`xpcs_nb.cli.train`."""
import sys

from xpcs_nb.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
