"""``python -m xpcs_nb ...``: the command line (see :mod:`xpcs_nb.cli`)."""

if __name__ == "__main__":  # guarded: importing this module (as the doc tests do) runs nothing
    import sys

    from xpcs_nb.cli import main

    sys.exit(main())
