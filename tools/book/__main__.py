"""``python -m tools.book``: the browser check on an existing build (``_build/html``)."""

import json
import sys

from .browser import check_site, summarise


def main() -> int:
    reports = check_site()
    print(summarise(reports))
    print(json.dumps([report.__dict__ for report in reports], indent=1)[:2000])
    return 1 if any(report.problems for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
