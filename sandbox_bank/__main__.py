"""``python -m sandbox_bank ...``"""

import sys

from sandbox_bank.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
