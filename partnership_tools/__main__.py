import sys

from partnership_tools.cli import main

sys.exit(main())
