"""``python -m auditor`` is the ``auditor`` command."""

import sys

from .cli import main

sys.exit(main())
