"""Cold start to the login window against a bare PySide6 window, both from interpreter start, offscreen.

Each side runs in a fresh interpreter; the time is from process spawn to the moment the window has been shown
and painted (the child prints a marker and exits). Ours runs the real start-up path of ``bankdirect gui`` for a
workstation that has logged in before (ui.startup.run_gui_deferred: the log-in window first, the ledger opening
behind it). Median of N runs, interleaved so machine load hits both alike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
w = QWidget(); w.resize(400, 300); w.show(); app.processEvents()
w.grab()
print("SHOWN", flush=True)
"""

OURS = """
import os, sys
from app.cli import Cli, build_parser
from ui.startup import run_gui_deferred
cli = Cli(build_parser().parse_args(["gui", "--data-dir", sys.argv[1]]))
config = cli.config()

def shown():
    print("SHOWN", flush=True)
    os._exit(0)

run_gui_deferred(lambda: cli.context().services, is_demo=config.demo, settings_path=config.settings_path,
                 lang="zh_CN", login_shown=shown)
"""


def _time(code: str, *args: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                         cwd=REPO, timeout=120, check=False)
    elapsed = time.perf_counter() - t0
    if "SHOWN" not in out.stdout:
        raise RuntimeError(f"benchmark child failed: {out.stderr[-2000:]}")
    return elapsed


def run(n: int = 5) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        subprocess.run([sys.executable, "-m", "app.cli", "demo", "--setup-only", "--data-dir", tmp],
                       cwd=REPO, check=True, capture_output=True, env=env)
        # a workstation that has logged in before remembers that its ledger is initialised
        from PySide6.QtCore import QSettings

        from ui.startup import INITIALIZED_KEY

        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue(INITIALIZED_KEY, True)
        settings.sync()
        _time(BARE), _time(OURS, tmp)  # warm the OS file cache for both
        bare, ours = [], []
        for _ in range(n):
            bare.append(_time(BARE))
            ours.append(_time(OURS, tmp))
    b, o = statistics.median(bare), statistics.median(ours)
    return {"name": "cold start to login window", "ours_s": o, "reference_s": b, "ratio": o / b,
            "reference": "bare PySide6 window", "target_ratio": 3.0, "runs": n}


if __name__ == "__main__":
    r = run()
    print(f"{r['name']}: ours {r['ours_s']:.3f} s vs {r['reference']} {r['reference_s']:.3f} s "
          f"→ ratio {r['ratio']:.2f}× (target ≤ 3×)")
