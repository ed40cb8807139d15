"""`python -m esmflow …`: see esmflow.cli."""

import sys

from esmflow.cli import main

sys.exit(main())
