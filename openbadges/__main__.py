"""``python -m openbadges``."""

import sys

from openbadges.cli import main

sys.exit(main())
