"""Cold start to the login window against a bare PySide6 window, both from interpreter start, offscreen.

Each side runs in a fresh interpreter; the time is from process spawn to the moment the window has been shown
and painted (the child prints a marker and exits). Median of N runs, interleaved so machine load hits both.
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
import sys
from pathlib import Path
from app.adapters.vault_secrets import DEMO_PASSPHRASE
from app.bootstrap import open_app
from app.config import AppConfig
ctx = open_app(AppConfig(data_dir=Path(sys.argv[1]), demo=True))
from PySide6.QtWidgets import QApplication
from ui.app import apply_style
from ui.i18n import install_translator
from ui.dialogs.login_dialog import LoginDialog
app = QApplication(sys.argv)
install_translator(app, "zh_CN")
apply_style(app)
d = LoginDialog(ctx.services); d.show(); app.processEvents()
d.grab()
print("SHOWN", flush=True)
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
        subprocess.run([sys.executable, "-m", "app.cli", "demo", "--setup-only", "--data-dir", tmp],
                       cwd=REPO, check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
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
