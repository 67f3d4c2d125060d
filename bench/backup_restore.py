"""Backup and restore at the bench database's size (issue 27): ``manage.py backup`` and ``restore``, timed.

Part of ``make bench`` (``bench/run.py``: two rows, left out with ``--only`` unless a text matches
"backup"), or alone on the bench database that ``run.py`` built:

    python bench/backup_restore.py [--database imvo_bench] [--verify]

The backup reads the bench database; the restore goes into a scratch database ``<database>_restore``
(created empty, dropped afterwards) with an empty media folder, never over the bench database.
``--verify`` also times ``verify_declarations`` on the restored database (minutes at 1,000,000).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import manage, production_env, row, state_load, table  # noqa: E402  (bench/, beside this script)

#: Goals of issue 27 at 1,000,000 declarations (the issue measured a plain dump 23 s, restore 84 s).
BACKUP_GOAL_SECONDS = 60
RESTORE_GOAL_SECONDS = 300


def _admin(env: dict):
    import psycopg2

    admin = psycopg2.connect(env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    return admin


def measure(database: str, env: dict, *, verify: bool = False) -> dict:
    """Seconds for backup, restore (and verification), and the backup's sizes."""
    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    scratch = f"{database}_restore"
    admin = _admin(env)
    try:
        figures = {"backup_seconds": manage(env, "backup", str(work / "backup"))}
        manifest = json.loads((work / "backup" / "manifest.json").read_text())
        figures["bytes"] = {name: part.get("bytes", 0) for name, part in manifest["parts"].items()}
        figures["head"] = manifest["checkpoint"]["head_sequence"]
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        restore_env = {
            **env,
            "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{scratch}",
            "MEDIA_ROOT": str(work / "media"),
        }
        figures["restore_seconds"] = manage(restore_env, "restore", str(work / "backup"), "--yes")
        if verify:  # timed even when it reports problems (the bench database has no worker writing copies)
            started = time.monotonic()
            completed = subprocess.run(
                [sys.executable, "manage.py", "verify_declarations"],
                cwd=HERE.parent,
                env=restore_env,
                capture_output=True,
                check=False,
            )
            figures["verify_seconds"] = time.monotonic() - started
            figures["verify_passed"] = completed.returncode == 0
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.close()
        shutil.rmtree(work, ignore_errors=True)
    return figures


def rows_for(figures: dict) -> list[list[str]]:
    size = sum(figures["bytes"].values()) / 1e6
    rows = [
        row(
            f"backup of {figures['head']:,} declarations <= {BACKUP_GOAL_SECONDS} s",
            f"{figures['backup_seconds']:.1f} s ({size:.0f} MB: "
            + ", ".join(f"{name} {value / 1e6:.0f} MB" for name, value in figures["bytes"].items())
            + ")",
            None,
            figures["backup_seconds"] <= BACKUP_GOAL_SECONDS,
        ),
        row(
            f"restore (pg_restore, migrate, media, restore event) <= {RESTORE_GOAL_SECONDS} s",
            f"{figures['restore_seconds']:.1f} s",
            None,
            figures["restore_seconds"] <= RESTORE_GOAL_SECONDS,
        ),
    ]
    if "verify_seconds" in figures:
        outcome = "passed" if figures["verify_passed"] else "reported problems"
        rows.append(
            row("verify_declarations after the restore", f"{figures['verify_seconds']:.0f} s ({outcome})", None, True)
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="imvo_bench")
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args()
    state = state_load(args.database)
    if "keys" not in state:
        raise SystemExit(f"no bench database {args.database}: run `make bench` (bench/run.py) first")
    env = production_env(argparse.Namespace(database=args.database), state, Path(tempfile.mkdtemp()))
    figures = measure(args.database, env, verify=args.verify)
    rows = rows_for(figures)
    print(table(rows))
    return 0 if all(r[3] == "yes" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
