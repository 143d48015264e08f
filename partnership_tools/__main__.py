"""``python -m partnership_tools``: the same command as ``partnership-tools``."""

import sys

from partnership_tools.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
