"""Every setting read from the environment is read here, and only here."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_config() -> dict:
    default_url = f"sqlite:///{BASE_DIR / 'var' / 'pilote-ctg.sqlite3'}"
    config = dj_database_url.parse(env_str("DATABASE_URL", default_url), conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while an import writes. Transactions start IMMEDIATE: a transaction that began as
        # a reader cannot wait for the write lock (SQLite answers "database is locked" at once, whatever the
        # timeout), while one that takes the lock at BEGIN waits up to `timeout` seconds for the current writer.
        # A large sort (the unique index made again after a national load) may use a second thread: 2.4 → 1.9 s for
        # 2.7 M keys.
        config.setdefault("OPTIONS", {}).update(
            {
                "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA threads=2;",
            }
        )
    return config
