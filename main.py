"""GUI entry point: ``python main.py`` opens BankDirect; the ``bankdirect`` console script has sub-commands."""

from __future__ import annotations

import sys


def main() -> int:
    from app.cli import main as cli_main

    return cli_main(sys.argv[1:] or ["gui"])


if __name__ == "__main__":
    sys.exit(main())
