"""``python -m gradwalk.cli``: the ``gradwalk`` command."""

import sys

from ._parser import main

sys.exit(main())
