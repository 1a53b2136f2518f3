"""The sandbox's boards in one JSON file that every process serving or using them shares.

``cjm-sync sandbox miro`` (a loopback server) and ``--sandbox`` runs (in-process) open the same file,
e.g. ``.cjm-sync/sandbox-miro.json``. Each request takes an exclusive file lock (``filelock``), reloads
the boards if another process changed the file since this one last saw it, and — when it changed
something — saves them with an atomic replace (temp file, ``fsync``, ``os.replace``) before the lock
is released. So every process sees every other's changes, and a killed process leaves either the
old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from cjm_sync.errors import Issue, ValidationFailed

from .store import Store

__all__ = ["StoreFile"]

Signature = tuple[int, int, int]
"""``(inode, size, mtime_ns)`` of the file as this process last read or wrote it."""


class StoreFile:
    """One persisted store; use :meth:`session` around every read or change of the boards."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(f"{path}.lock")
        self._seen: Signature | None = None

    @contextmanager
    def session(self, current: Store) -> Iterator[Store]:
        """Hold the file lock and yield the up-to-date store (``current`` when nobody else changed the file).

        The caller saves changes with :meth:`save` before leaving the block.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            yield self._fresh(current)

    def _fresh(self, current: Store) -> Store:
        try:
            signature = self._signature()
        except FileNotFoundError:
            return current
        if signature == self._seen:
            return current
        store = self._read()
        self._seen = signature
        return store

    def _read(self) -> Store:
        """The boards in the file; :class:`ValidationFailed` naming the file (and line) when they
        cannot be read back (the file is left as it is)."""
        name, hint = str(self.path), "move it away or delete it to start with an empty sandbox"
        try:
            data = json.loads(self.path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise ValidationFailed([Issue(name, None, None, "", f"sandbox store is not UTF-8 text; {hint}")]) from None
        except json.JSONDecodeError as exc:
            message = f"sandbox store is not valid JSON ({exc.msg}); {hint}"
            raise ValidationFailed([Issue(name, exc.lineno, exc.colno, "", message)]) from None
        try:
            return Store.load(data)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            message = f"sandbox store does not hold sandbox boards (missing or wrong {exc}); {hint}"
            raise ValidationFailed([Issue(name, None, None, "", message)]) from None

    def save(self, store: Store) -> None:
        """Write ``store`` atomically (call inside :meth:`session`)."""
        text = json.dumps(store.dump(), ensure_ascii=False, separators=(",", ":"))
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._seen = self._signature()

    def _signature(self) -> Signature:
        stat = self.path.stat()
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)
