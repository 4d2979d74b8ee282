"""``python -m benchmarks [NAME...]``: run the benchmark modules, print and record ratios."""

from __future__ import annotations

import sys

from benchmarks.framework import main

if __name__ == "__main__":
    sys.exit(main())
