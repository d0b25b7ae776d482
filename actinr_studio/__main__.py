"""python -m actinr_studio"""

import sys

from actinr_studio.cli import main

sys.exit(main())
