"""SQLite and PostgreSQL errors a user can act on, each as one line naming the database
(no SQLAlchemy here: `status` reads an SQLite file with sqlite3 alone)."""

from __future__ import annotations


def describe_database_error(error: BaseException, where: str) -> str | None:
    """One line for an SQLite error the user can act on (a lock, a damaged or read-only
    file), or None for anything else."""
    if type(error).__module__.startswith("psycopg"):
        return _postgresql_error(error, where)
    text = " ".join(str(error).split())  # SQLite quotes schema text, newlines and all
    error = text if len(text) <= 120 else text[:119] + "…"
    message = text.lower()
    if "locked" in message or "busy" in message:
        return (
            f"database {where} is locked by another process (a long write, or an SQLite "
            "shell holding a transaction); try again when it is done"
        )
    if "not a database" in message:
        return (
            f"database {where}: not an SQLite database ({error}); point `database` at "
            "the bot's database, or at a new file"
        )
    if "malformed" in message or "corrupt" in message:
        return (
            f"database {where} is damaged ({error}); restore it from a backup, or "
            "move it aside to start afresh"
        )
    if "readonly" in message or "read-only" in message:
        return (
            f"database {where} cannot be written ({error}); this command writes: run "
            "it as the user who owns the file"
        )
    if "unable to open" in message or "disk i/o" in message:
        return f"database {where}: cannot use the file ({error}); check it and its folder"
    return None


def _postgresql_error(error: BaseException, where: str) -> str | None:
    """A server that cannot be reached or refuses the login: one line, what to check."""
    text = " ".join(str(error).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    message = text.lower()
    if "password" in message or "authentication" in message:
        return (
            f"database {where}: the server refused the login ({text}); set PGPASSWORD, "
            "a ~/.pgpass line, or [bot] database_password_env"
        )
    if "does not exist" in message and "database" in message:
        return f"database {where}: {text}; create it (createdb) or fix the URL"
    if any(word in message for word in ("connection", "connect", "timeout", "could not")):
        return (
            f"database {where}: cannot connect ({text}); check that the server runs "
            "and the host, port and user in the URL"
        )
    return None
