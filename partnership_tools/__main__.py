import sys

from partnership_tools.cli.main import main

sys.exit(main())
