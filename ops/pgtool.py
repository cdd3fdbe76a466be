"""Backup and restore of the app database (``make backup``, ``make restore FILE=...``).

    python ops/pgtool.py backup                  # -> backups/communityrule-<UTC time>.dump
    python ops/pgtool.py restore FILE [--database NAME]

The database is the one the app uses: ``DATABASE_URL`` (environment or
``.env``), or the embedded development server when it is unset. Backups are
custom-format ``pg_dump`` files. A restore goes only into an empty database
(created when it does not exist; refused when it has any table), runs
``pg_restore --no-owner --no-privileges``, then ``manage.py migrate`` so the
schema is current for the code checked out here.

PostgreSQL tools refuse servers newer than themselves, so the tool picks the
``pg_dump``/``pg_restore`` whose major version matches the server (else the
closest newer one) among: $PG_BIN, pgserver's bundled binaries,
/usr/lib/postgresql/*/bin and $PATH.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def database_settings() -> dict:
    """The app's database, resolved exactly as communityrule/settings.py does."""
    import environ

    env = environ.Env()
    if (BASE_DIR / ".env").is_file():
        env.read_env(BASE_DIR / ".env")
    if env.str("DATABASE_URL", default=""):
        return env.db("DATABASE_URL")
    from communityrule.embedded_postgres import database_settings as embedded

    return embedded(BASE_DIR / ".data" / "pg")


def libpq_env(db: dict, *, name: str | None = None) -> dict:
    """Environment for libpq tools: the password never appears on a command line."""
    options = db.get("OPTIONS") or {}
    env = dict(os.environ)
    env.update(
        PGHOST=str(options.get("host") or db.get("HOST") or ""),
        PGPORT=str(options.get("port") or db.get("PORT") or "5432"),
        PGUSER=str(db.get("USER") or ""),
        PGDATABASE=name or db["NAME"],
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return {key: value for key, value in env.items() if value != "" or not key.startswith("PG")}


def database_url(db: dict, *, name: str) -> str:
    """A DATABASE_URL for ``name`` on the same server (unix sockets as ``?host=``)."""
    from urllib.parse import quote

    env = libpq_env(db, name=name)
    user = quote(env.get("PGUSER", ""), safe="")
    password = env.get("PGPASSWORD")
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = env.get("PGHOST", "")
    port = env.get("PGPORT", "5432")
    query_string = []
    if host.startswith("/"):
        query_string.append(f"host={quote(host, safe='/')}")
        host = ""
    if env.get("PGSSLMODE"):
        query_string.append(f"sslmode={env['PGSSLMODE']}")
    url = f"postgres://{auth}{host}:{port}/{quote(name)}"
    return url + ("?" + "&".join(query_string) if query_string else "")


def query(db: dict, sql, params=None, *, name: str | None = None, autocommit: bool = False):
    import psycopg

    env = libpq_env(db, name=name)
    connect = {
        "host": env.get("PGHOST"),
        "port": env.get("PGPORT"),
        "user": env.get("PGUSER"),
        "password": env.get("PGPASSWORD"),
        "dbname": env["PGDATABASE"],
        "sslmode": env.get("PGSSLMODE"),
        "connect_timeout": 5,
    }
    with psycopg.connect(**{k: v for k, v in connect.items() if v}, autocommit=autocommit) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def server_major(db: dict, *, name: str | None = None) -> int:
    return int(query(db, "SHOW server_version_num", name=name)[0][0]) // 10000


def tool_major(path: Path) -> int:
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", out).group(1))


def candidate_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("PG_BIN"):
        dirs.append(Path(os.environ["PG_BIN"]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
            import pgserver

        dirs.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    dirs.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin")))
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    return dirs


def find_tool(tool: str, *, major: int) -> Path:
    """The ``tool`` of the server's major version, else the closest newer one."""
    found = {}
    for directory in candidate_dirs():
        path = directory / tool
        if path.is_file() and os.access(path, os.X_OK):
            found.setdefault(tool_major(path), path)
    usable = sorted(version for version in found if version >= major)
    if not usable:
        raise SystemExit(
            f"No {tool} of PostgreSQL {major} or newer found (have {sorted(found) or 'none'}); "
            "install the client tools or set PG_BIN to their directory."
        )
    return found[usable[0]]


def backup(args) -> None:
    db = database_settings()
    pg_dump = find_tool("pg_dump", major=server_major(db))
    directory = Path(args.directory or os.environ.get("BACKUP_DIR") or BASE_DIR / "backups")
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"communityrule-{stamp}.dump"
    partial = target.with_suffix(".dump.partial")
    # Written under a temporary name and renamed, so a file named *.dump is complete.
    try:
        subprocess.run([str(pg_dump), "--format=custom", f"--file={partial}"], env=libpq_env(db), check=True)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    print(f"Backed up database {db['NAME']} with {pg_dump} to {target}")


def restore(args) -> None:
    dump = Path(args.file)
    if not dump.is_file():
        raise SystemExit(f"No backup file at {dump}.")
    db = database_settings()
    name = args.database or db["NAME"]
    if not query(db, "SELECT 1 FROM pg_database WHERE datname = %s", [name], name="postgres"):
        from psycopg import sql

        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        query(db, create, name="postgres", autocommit=True)
        print(f"Created database {name}")
    tables = query(
        db,
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        name=name,
    )[0][0]
    if tables:
        raise SystemExit(
            f"Refusing to restore: database {name} already has {tables} tables. "
            "Restore into a new, empty database (e.g. --database / DB=<new name>)."
        )
    pg_restore = find_tool("pg_restore", major=server_major(db, name=name))
    subprocess.run(
        [str(pg_restore), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={name}", str(dump)],
        env=libpq_env(db, name=name),
        check=True,
    )
    print(f"Restored {dump} into database {name} with {pg_restore}; checking migrations")
    env = dict(os.environ, DATABASE_URL=database_url(db, name=name))
    # migrate needs no secret or mail server; DEBUG only supplies those defaults.
    env.setdefault("DEBUG", "true")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env, check=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    backup_parser = commands.add_parser("backup", help="pg_dump -Fc the app database")
    backup_parser.add_argument("--directory", help="where to write (default $BACKUP_DIR or backups/)")
    backup_parser.set_defaults(run=backup)
    restore_parser = commands.add_parser("restore", help="restore a backup into an empty database")
    restore_parser.add_argument("file")
    restore_parser.add_argument("--database", help="target database on the same server (default: the app's)")
    restore_parser.set_defaults(run=restore)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"{Path(error.cmd[0]).name} failed with exit status {error.returncode}.") from None


if __name__ == "__main__":
    main()
