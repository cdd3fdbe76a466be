"""Embedded PostgreSQL for development and tests (SPEC §2).

When ``DATABASE_URL`` is unset and the project runs in DEBUG or under pytest,
a real PostgreSQL server from the ``pgserver`` wheel is started with its data
under ``.data/pg``. The server is left running when the process exits so the
next ``manage.py`` call, runserver's autoreloader child and the next test run
reuse it (``pgserver`` serialises start-up with an inter-process lock).
"""

from pathlib import Path

DATABASE_NAME = "communityrule"


def database_settings(data_dir: Path) -> dict:
    """Start (or reuse) the embedded server and return a Django DATABASES entry."""
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI).
        warnings.simplefilter("ignore")
        import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    exists = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"
    )
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir) if info.socket_dir else "127.0.0.1",
        "PORT": str(info.port or 5432),
    }
