import signal
import sys

from index.cli import main

# `python -m index ask … | head` ends quietly when the reader closes the pipe, as Unix tools do.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
sys.exit(main())
