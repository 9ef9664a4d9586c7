"""``python -m jitemu arm PROGRAM ...`` is the same as ``jitemu-user arm PROGRAM ...``."""

import sys

from jitemu.linux_user.main import main

sys.exit(main())
