"""`python -m lima_client ...`: the same command line as the `lima-eval` console script."""

from __future__ import annotations

import sys

from lima_client.cli import main

if __name__ == "__main__":
    sys.exit(main())
