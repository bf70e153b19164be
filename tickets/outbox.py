"""A durable outbox for work orders: written before the caller hears "accepted".

Every confirmed submission is appended to a local journal (one JSON line, fsync'd) before the
database is tried. If the database is down, locked or slow, the caller is told honestly that the
matter is recorded under its public reference, and :meth:`Outbox.deliver` files it later. Delivery
is exactly once because the store treats the public reference as the submission's idempotency key:
a delivery that crashed after the insert but before it was marked finds the order already there.

Several processes on one machine may share a directory: appends and deliveries take an exclusive
``flock`` on ``outbox.lock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from tickets.store import NewWorkOrder, WorkOrderView

log = logging.getLogger(__name__)
JOURNAL = "pending.jsonl"
DELIVERED = "delivered.log"
LOCK = "outbox.lock"
_FIELDS = frozenset(f.name for f in fields(NewWorkOrder))


@dataclass
class DeliveryReport:
    delivered: list[str] = field(default_factory=list)  # work-order numbers filed now
    failed: int = 0  # still pending (the database is still unavailable)


def _fsync_append(path: Path, line: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _to_line(new: NewWorkOrder) -> str:
    return json.dumps(asdict(new), ensure_ascii=False, separators=(",", ":")) + "\n"


def _from_line(line: str) -> NewWorkOrder | None:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError:  # a torn last line from a crash mid-write: nothing was promised
        return None
    return NewWorkOrder(**{k: v for k, v in raw.items() if k in _FIELDS}) if isinstance(raw, dict) else None


class Outbox:
    """Pending work orders in ``directory`` (created 0700)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        descriptor = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)

    def append(self, new: NewWorkOrder) -> None:
        """Make ``new`` durable; it needs a public reference to be delivered exactly once."""
        if not new.public_ref:
            raise ValueError("an outbox entry needs its public reference")
        with self._locked():
            _fsync_append(self.directory / JOURNAL, _to_line(new))

    def mark_delivered(self, public_ref: str) -> None:
        with self._locked():
            _fsync_append(self.directory / DELIVERED, public_ref + "\n")

    def pending(self) -> list[NewWorkOrder]:
        """Entries not yet delivered, oldest first, each reference once."""
        with self._locked():
            return self._pending()

    def _pending(self) -> list[NewWorkOrder]:
        journal, delivered = self.directory / JOURNAL, self.directory / DELIVERED
        done = set(delivered.read_text(encoding="utf-8").split()) if delivered.exists() else set()
        entries: dict[str, NewWorkOrder] = {}
        if journal.exists():
            for line in journal.read_text(encoding="utf-8").splitlines():
                new = _from_line(line)
                if new is not None and new.public_ref and new.public_ref not in done:
                    entries.setdefault(new.public_ref, new)
        return list(entries.values())

    def deliver(self, file: Callable[[NewWorkOrder], WorkOrderView]) -> DeliveryReport:
        """File every pending entry with ``file`` (idempotent on the public reference).

        The lock is held only to read the journal and to mark or compact it, never while filing: a
        database that hangs must not stop new complaints from being written to the journal. Stops
        at the first failure: the database is still away, the rest would fail too.
        """
        report = DeliveryReport()
        pending = self.pending()
        for position, new in enumerate(pending):
            try:
                order = file(new)
            except Exception as error:  # noqa: BLE001 - any failure leaves it pending
                log.warning("outbox delivery postponed (%s); %d pending", type(error).__name__, len(pending) - position)
                report.failed = len(pending) - position
                return report
            self.mark_delivered(new.public_ref or "")
            report.delivered.append(order.number)
        with self._locked():
            if not self._pending():  # nothing came in meanwhile
                self._compact()
        return report

    def _compact(self) -> None:
        for name in (JOURNAL, DELIVERED):
            with contextlib.suppress(FileNotFoundError):
                (self.directory / name).unlink()
