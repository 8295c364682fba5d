"""Where the ledger lives and how the app is configured. No secrets here, ever."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "BankDirect"
ENV_DATA_DIR = "BANKDIRECT_DATA_DIR"
ENV_DB_URL = "BANKDIRECT_DB_URL"
ENV_PASSWORD = "BANKDIRECT_PASSWORD"
ENV_NEW_PASSWORD = "BANKDIRECT_NEW_PASSWORD"
ENV_PASSPHRASE = "BANKDIRECT_PASSPHRASE"
DEMO_MARKER = "DEMO-LEDGER.txt"
ENV_SECRET_STORE = "BANKDIRECT_SECRET_STORE"  # "keyring" | "vault" (default: keyring, else vault)


def default_data_dir() -> Path:
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_demo_dir() -> Path:
    return default_data_dir() / "demo"


@dataclass(frozen=True)
class AppConfig:
    data_dir: Path
    db_url: str | None = None
    demo: bool = False

    @classmethod
    def resolve(cls, data_dir: str | Path | None, db_url: str | None, *, demo: bool = False) -> AppConfig:
        if data_dir:
            path = Path(data_dir).expanduser()
        else:
            path = default_demo_dir() if demo else default_data_dir()
        demo = demo or (path / DEMO_MARKER).exists()
        url = db_url or (None if demo else os.environ.get(ENV_DB_URL)) or None
        return cls(path.resolve(), url, demo)

    def mark_demo(self) -> None:
        """A demo folder is recognised by its marker, so every command opens it as the demo it is."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / DEMO_MARKER).write_text("This folder holds a BankDirect DEMO ledger.\n", "utf-8")

    @property
    def settings_path(self) -> Path:
        return self.data_dir / "settings.ini"

    @property
    def crash_dir(self) -> Path:
        return self.data_dir / "crash-reports"
