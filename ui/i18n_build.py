"""Regenerate the translation catalogue: ``.venv/bin/python -m ui.i18n_build``.

1. ``pyside6-lupdate`` scans ui/**/*.py and updates resources/i18n/bankdirect_zh_CN.ts (existing
   translations are kept; new strings appear as "unfinished" for a translator, e.g. in pyside6-linguist).
2. ``pyside6-lrelease`` compiles the .ts into the .qm the app loads. Commit both files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS_FILES = [ROOT / "resources" / "i18n" / "bankdirect_zh_CN.ts"]


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6 into this environment")
    return found


def main() -> int:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ui").rglob("*.py"))
    for ts in TS_FILES:
        subprocess.run([_tool("pyside6-lupdate"), *sources, "-no-obsolete", "-ts", str(ts)], cwd=ROOT,  # noqa: S603
                       check=True)
        subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))], cwd=ROOT,  # noqa: S603
                       check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
