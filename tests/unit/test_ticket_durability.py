"""A work order that was accepted survives the death of the process that accepted it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tickets.store import TicketStore

# Create an order, tell the parent its number, then die without any cleanup.
_ACCEPT_AND_DIE = """
import os, signal, sys
from tickets.store import NewWorkOrder, TicketStore
store = TicketStore(sys.argv[1], prefix="JZ")
order = store.create_work_order(NewWorkOrder(
    kind="投诉", description="工地夜间施工噪音很大", district="马村区", address="待王街道",
    phone="13912345678", department="市城管局", local_government="马村区人民政府",
    routing_reason="rule:noise", needs_review=False, conversation_id="durability"))
print(order.number, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_accepted_order_survives_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'durable.db'}"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", _ACCEPT_AND_DIE, url],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert result.returncode == -9, result.stderr
    number = result.stdout.strip()
    with TicketStore(url, prefix="JZ") as store:
        order = store.get(number)
        assert order is not None
        assert order.status == "已受理" and order.district == "马村区"
        assert [event.to_status for event in store.events(number)] == ["已受理"]
