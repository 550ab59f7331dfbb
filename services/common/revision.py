"""``python -m services.common.revision services.inventory -m "add reservations"``: write a migration.

Autogenerates against a scratch SQLite database brought to the current head, so no server is needed
and nothing outside the service's ``migrations/versions`` folder is touched. Read the result before
committing it: autogenerate sees tables, columns, indexes and foreign keys, not CHECK constraints or
data migrations. Revision ids are sequential (``0002``), files are named ``v0002_<slug>.py``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from services.common.database import Database
from services.common.migrations import alembic_config, upgrade_to_head


def next_revision_id(package: str) -> str:
    heads = ScriptDirectory.from_config(alembic_config(package)).get_heads()
    numbers = [int(head) for head in heads if head.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def write_revision(package: str, message: str, *, autogenerate: bool = True) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        database = Database.connect(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade_to_head(database.engine, package)
            with database.engine.begin() as connection:
                config = alembic_config(package, connection)
                config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
                script = command.revision(
                    config, message=message, autogenerate=autogenerate, rev_id=next_revision_id(package)
                )
        finally:
            database.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic wrote no single revision (several heads?)")
    return Path(script.path)


def tidy(path: Path) -> None:
    """Sort imports, drop unused ones and format, with the project's ruff, when it is installed."""
    ruff = Path(sys.executable).parent / "ruff"
    if ruff.exists():
        subprocess.run([str(ruff), "check", "--fix", "--quiet", str(path)], check=False)
        subprocess.run([str(ruff), "format", "--quiet", str(path)], check=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.common.revision", description=__doc__)
    parser.add_argument("package", help="the service package, e.g. services.inventory")
    parser.add_argument("-m", "--message", required=True, help="what the migration does")
    parser.add_argument("--empty", action="store_true", help="an empty revision, no autogenerate")
    args = parser.parse_args(argv)
    path = write_revision(args.package, args.message, autogenerate=not args.empty)
    tidy(path)
    print(path)


if __name__ == "__main__":
    main()
