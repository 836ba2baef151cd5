"""Rate-limit counters that every web worker of a machine shares: a `limits` storage in one SQLite file.

Flask-Limiter's `memory://` storage lives inside one process, so under `gunicorn -w 4` each worker
counts on its own and a password guesser gets four times the login limit. This storage keeps the
fixed-window counters in a SQLite file (by default `instance/ratelimit.sqlite3`) that all workers
open; each increment is one `BEGIN IMMEDIATE` transaction, so concurrent workers never lose a hit.
Select it with `RATELIMIT_STORAGE_URI=sqlitefile:///absolute/path.sqlite3` (the default). Web
workers on several machines need a counter server instead, e.g. `redis://host:6379` (the `redis`
client is a dependency). No maintained `limits` backend keeps counters in a local file, hence this one.
"""

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse

from limits.storage import Storage

SCHEME = "sqlitefile"


class SQLiteFileStorage(Storage):
    """Fixed-window counters (key -> count, window end) in a SQLite file shared by processes."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions, **options)
        path = urlparse(uri).path
        if not path or path == "/":
            raise ValueError(f"RATELIMIT_STORAGE_URI: name a file, e.g. {SCHEME}:///var/lib/app/ratelimit.sqlite3")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS counters "
                               "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)")

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        # A connection per call: nothing is shared across gunicorn's fork, and calls are rare (logins).
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's counter (a new window of `expiry` seconds if none is open); the new count."""
        now = time.time()
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")  # take the write lock first: the read below sees the final count
            try:
                connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
                connection.execute(
                    "INSERT INTO counters (key, count, expires_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count",
                    (key, amount, now + expiry))
                (count,) = connection.execute("SELECT count FROM counters WHERE key = ?", (key,)).fetchone()
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return count

    def _row(self, key: str) -> tuple[int, float] | None:
        with closing(self._connect()) as connection:
            row = connection.execute("SELECT count, expires_at FROM counters WHERE key = ?", (key,)).fetchone()
        return row if row is not None and row[1] > time.time() else None

    def get(self, key: str) -> int:
        """The key's count in its open window (0 when none is open)."""
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window closes (epoch seconds; now when none is open)."""
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        """True if the file can be read."""
        try:
            with closing(self._connect()) as connection:
                connection.execute("SELECT 1 FROM counters LIMIT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int:
        """Forget every counter; how many there were."""
        with closing(self._connect()) as connection:
            return connection.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        with closing(self._connect()) as connection:
            connection.execute("DELETE FROM counters WHERE key = ?", (key,))
