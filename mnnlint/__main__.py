import sys

from ._console import main  # handles a Ctrl-C while the CLI loads

sys.exit(main())
