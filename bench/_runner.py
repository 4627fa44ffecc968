"""Helpers shared by benchmarks: throwaway databases and measurement in child processes.

Each measurement runs in a fresh child process so that its peak memory (ru_maxrss) is its own. Benchmarks never
touch the demo database: SQLite runs on a temporary file, PostgreSQL on a database created and dropped here.
"""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"), connect_timeout=3):
            return True
    except Exception:
        return False


@contextlib.contextmanager
def throwaway_database(backend: str, name: str):
    """Yield a DATABASE_URL for an empty database of the given backend, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            yield f"sqlite:///{tmp}/{name}.sqlite3"
        return
    import psycopg

    admin = POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(script: Path, mode: str, database_url: str, extra_env: dict | None = None) -> dict:
    """Run `script --child MODE` with the given database; the child prints one JSON line of results."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    env.update(extra_env or {})
    completed = subprocess.run(
        [sys.executable, str(script), "--child", mode], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{script.name} {mode} a échoué :\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(build):
    """(wall seconds, CPU seconds of this process, result) of `build()`.

    The CPU time counts what the building process itself spends (Python, WeasyPrint, SQLite queries); it hardly
    moves with the machine's load, where the wall time stretches with every other process sharing the cores.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = build()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def machine_load() -> dict:
    """The load average over the last minute against the number of cores: `busy` when it exceeds them."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    return {"load": load, "cores": cores, "busy": load > cores}


def judged_seconds(wall: float, cpu: float, load: dict) -> tuple[float, str]:
    """The time a target is judged on: the wall time on a quiet machine, the CPU time on a busy one (where other
    processes' work would otherwise be counted as the build's)."""
    return (cpu, "temps CPU") if load["busy"] else (wall, "temps réel")


def load_sentence(load: dict) -> str:
    verdict = "machine chargée : cible jugée sur le temps CPU" if load["busy"] else "cible jugée sur le temps réel"
    return f"charge moyenne {load['load']:.1f} pour {load['cores']} cœurs ({verdict})"


def setup_django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def backends() -> list[str]:
    return ["sqlite"] + (["postgresql"] if postgres_available() else [])
