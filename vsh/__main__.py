"""``python -m vsh``: the same entry point as the ``vsh`` script."""

import sys

from vsh.warm.client import main

sys.exit(main())
