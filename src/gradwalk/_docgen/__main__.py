"""``python -m gradwalk._docgen``: redraw the pictures of docs/images."""

import sys

from .regenerate import main

sys.exit(main())
