"""tools/migrate <postgres-url>: apply pending yoyo migrations, then re-apply all code from sql/.

Idempotent: on an up-to-date database it applies no migration and re-creates identical code.
"""
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from yoyo import get_backend, read_migrations

ROOT = Path(__file__).resolve().parent.parent


def yoyo_uri(url):
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        sys.exit(f"migrate: expected a postgres:// or postgresql:// URL, got scheme {parts.scheme!r}")
    return urlunsplit(("postgresql+psycopg",) + tuple(parts[1:]))


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: tools/migrate <postgres-url>")
    backend = get_backend(yoyo_uri(argv[1]))
    migrations = read_migrations(str(ROOT / "migrations"))
    with backend.lock():
        pending = backend.to_apply(migrations)
        for m in pending:
            print(f"migrate: applying {m.id}")
        backend.apply_migrations_only(pending)
        # Always, not only when a migration was pending: code is re-applied on every migrate.
        backend.run_post_apply(migrations)
    print(f"migrate: {len(pending)} migration(s) applied, code re-applied from sql/")


if __name__ == "__main__":
    main(sys.argv)
