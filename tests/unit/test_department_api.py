"""The department/agent REST API end to end with TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from settings import Settings
from tests.unit.ticket_backends import FakeClock, complaint
from tickets.store import TicketStore
from tickets.tokens import issue_token
from webapp import deps
from webapp.app import create_app

# Plain tokens must be at least 32 characters (tickets/tokens.py).
CHENGGUAN, HUANJING, AGENT = (f"{name}-{'x' * 32}" for name in ("tok-chengguan", "tok-huanjing", "tok-agent"))
SHANYANG = f"tok-sy-{'x' * 32}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_app(store: TicketStore, tmp_path: Path, **values: object) -> TestClient:
    """The app with the test's store (a dependency override) and tokens in its settings."""
    values = {
        "var_dir": tmp_path / "var",
        "sweep_interval_seconds": 0,
        "department_tokens": json.dumps({"市城管局": CHENGGUAN, "市生态环境局": HUANJING}),
        "agent_tokens": json.dumps({"坐席01": AGENT}),
        **values,
    }
    app = create_app(Settings.from_values(**values))
    app.dependency_overrides[deps.ticket_store] = lambda: store
    return TestClient(app)


@pytest.fixture
def api(store: TicketStore, tmp_path: Path):
    yield make_app(store, tmp_path)


def dispatched(api: TestClient, store: TicketStore, text: str = "烧烤摊夜间噪音", **fields: object) -> str:
    number = store.create_work_order(complaint(text, **fields)).number
    response = api.post(
        f"/api/agent/work-orders/{number}/assign", json={"department": "市城管局"}, headers=bearer(AGENT)
    )
    assert response.status_code == 200, response.text
    return number


def test_tokens_are_required_and_checked(api: TestClient, store: TicketStore) -> None:
    number = dispatched(api, store)
    missing = api.get("/api/department/work-orders")
    assert missing.status_code == 401 and "令牌" in missing.json()["message"]
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert api.get("/api/department/work-orders", headers=bearer("wrong")).status_code == 401
    # Agents are not departments and vice versa.
    assert api.get("/api/department/work-orders", headers=bearer(AGENT)).status_code == 403
    refused = api.post(f"/api/agent/work-orders/{number}/close", json={}, headers=bearer(CHENGGUAN))
    assert refused.status_code == 403 and refused.json() == {
        "error": "forbidden",
        "message": "此接口仅限热线坐席使用。",
    }


def test_department_sees_only_its_own(api: TestClient, store: TicketStore) -> None:
    mine = dispatched(api, store, "占道经营")
    undispatched = store.create_work_order(complaint("还没派单的")).number
    listed = api.get("/api/department/work-orders", headers=bearer(CHENGGUAN)).json()
    assert [o["number"] for o in listed] == [mine] and listed[0]["role"] == "主办"
    assert api.get(f"/api/department/work-orders/{undispatched}", headers=bearer(CHENGGUAN)).status_code == 404
    assert api.get("/api/department/work-orders", headers=bearer(HUANJING)).json() == []
    other = api.get(f"/api/department/work-orders/{mine}", headers=bearer(HUANJING))
    assert other.status_code == 404 and "未交办给本单位" in other.json()["message"]
    for path, body in (("accept", None), ("return", {"reason": "x"}), ("reply", {"text": "x"})):
        response = api.post(f"/api/department/work-orders/{mine}/{path}", json=body, headers=bearer(HUANJING))
        assert response.status_code == 404, path
    assert store.get(mine).status == "已转办"


def test_co_handling_local_government_sees_but_cannot_act(api: TestClient, store: TicketStore) -> None:
    tokens = json.dumps({"市城管局": CHENGGUAN, "山阳区人民政府": SHANYANG})
    changed = api.app.state.services.settings.model_copy(update={"department_tokens": tokens})
    api.app.dependency_overrides[deps.settings] = lambda: changed
    number = dispatched(api, store)
    shown = api.get(f"/api/department/work-orders/{number}", headers=bearer(SHANYANG))
    assert shown.status_code == 200 and shown.json()["role"] == "协办"
    refused = api.post(f"/api/department/work-orders/{number}/accept", headers=bearer(SHANYANG))
    assert refused.status_code == 403 and refused.json()["error"] == "not_assigned"


def test_department_flow_accept_extension_reply(api: TestClient, store: TicketStore) -> None:
    number = dispatched(api, store)
    too_early = api.post(
        f"/api/department/work-orders/{number}/reply", json={"text": "已处理"}, headers=bearer(CHENGGUAN)
    )
    assert too_early.status_code == 409 and "“已转办”" in too_early.json()["message"]
    accepted = api.post(f"/api/department/work-orders/{number}/accept", headers=bearer(CHENGGUAN)).json()
    assert accepted["status"] == "办理中" and accepted["events"][-1]["action"] == "签收"
    bad = api.post(
        f"/api/department/work-orders/{number}/extension", json={"days": 0, "reason": "x"}, headers=bearer(CHENGGUAN)
    )
    assert (
        bad.status_code == 422
        and bad.json()["error"] == "invalid_request"
        and "请求参数不正确" in bad.json()["message"]
    )
    asked = api.post(
        f"/api/department/work-orders/{number}/extension",
        json={"days": 3, "reason": "需检测"},
        headers=bearer(CHENGGUAN),
    ).json()
    assert asked["extension_days"] == 3
    pending = api.get("/api/agent/work-orders", params={"extension_pending": "true"}, headers=bearer(AGENT)).json()
    assert [o["number"] for o in pending] == [number]
    decided = api.post(
        f"/api/agent/work-orders/{number}/extension/decision", json={"approve": True}, headers=bearer(AGENT)
    ).json()
    assert decided["due_at"] > accepted["due_at"] and decided["events"][-1]["action"] == "延期批准"
    replied = api.post(
        f"/api/department/work-orders/{number}/reply", json={"text": "已责令整改"}, headers=bearer(CHENGGUAN)
    )
    assert replied.json()["status"] == "已答复"


def test_return_and_agent_reassign(api: TestClient, store: TicketStore) -> None:
    number = dispatched(api, store)
    no_reason = api.post(f"/api/department/work-orders/{number}/return", json={"reason": ""}, headers=bearer(CHENGGUAN))
    assert no_reason.status_code == 422
    returned = api.post(
        f"/api/department/work-orders/{number}/return", json={"reason": "属环保职责"}, headers=bearer(CHENGGUAN)
    ).json()
    assert returned["status"] == "退单"
    unknown = api.post(f"/api/agent/work-orders/{number}/assign", json={"department": "火星局"}, headers=bearer(AGENT))
    assert unknown.status_code == 422 and "不在本市部门目录" in unknown.json()["message"]
    moved = api.post(
        f"/api/agent/work-orders/{number}/assign", json={"department": "市生态环境局"}, headers=bearer(AGENT)
    ).json()
    assert moved["department"] == "市生态环境局" and moved["events"][-1]["action"] == "改派"
    assert api.get(f"/api/department/work-orders/{number}", headers=bearer(CHENGGUAN)).status_code == 404
    assert api.post(f"/api/department/work-orders/{number}/accept", headers=bearer(HUANJING)).status_code == 200


def test_agent_confirms_routing_of_orders_waiting_for_review(api: TestClient, store: TicketStore) -> None:
    number = store.create_work_order(complaint("不确定归谁管", needs_review=True, department=None)).number
    waiting = api.get("/api/agent/work-orders", params={"needs_review": "true"}, headers=bearer(AGENT)).json()
    assert [o["number"] for o in waiting] == [number]
    confirmed = api.post(
        f"/api/agent/work-orders/{number}/assign",
        json={"department": "城管局", "local_government": "山阳区人民政府", "note": "人工确认"},
        headers=bearer(AGENT),
    ).json()
    assert confirmed["status"] == "已转办" and confirmed["department"] == "市城管局"  # alias → canonical name
    assert confirmed["needs_review"] is False and "人工确认" in confirmed["events"][-1]["note"]


def test_callback_unsatisfied_reopens_then_close(api: TestClient, store: TicketStore) -> None:
    number = dispatched(api, store)
    api.post(f"/api/department/work-orders/{number}/accept", headers=bearer(CHENGGUAN))
    api.post(f"/api/department/work-orders/{number}/reply", json={"text": "已处理"}, headers=bearer(CHENGGUAN))
    redo = api.post(
        f"/api/agent/work-orders/{number}/callback",
        json={"satisfied": False, "note": "仍然很吵"},
        headers=bearer(AGENT),
    ).json()
    assert redo["status"] == "办理中" and [e["action"] for e in redo["events"]][-2:] == ["回访", "重办"]
    api.post(f"/api/department/work-orders/{number}/reply", json={"text": "再次处理"}, headers=bearer(CHENGGUAN))
    api.post(f"/api/agent/work-orders/{number}/callback", json={"satisfied": True}, headers=bearer(AGENT))
    closed = api.post(f"/api/agent/work-orders/{number}/close", json={}, headers=bearer(AGENT)).json()
    assert closed["status"] == "已办结"
    again = api.post(f"/api/agent/work-orders/{number}/close", json={}, headers=bearer(AGENT))
    assert again.status_code == 409 and again.json()["error"] == "illegal_transition"


def test_overdue_filter_and_agent_sweep(api: TestClient, store: TicketStore, clock: FakeClock) -> None:
    late = dispatched(api, store, "燃气味很重", urgency="特急")
    on_time = dispatched(api, store, "路灯不亮")
    clock.now += timedelta(hours=3)
    overdue = api.get("/api/department/work-orders", params={"overdue": "true"}, headers=bearer(CHENGGUAN)).json()
    assert [o["number"] for o in overdue] == [late] and overdue[0]["overdue"] is True
    by_status = api.get("/api/department/work-orders", params=[("status", "办理中")], headers=bearer(CHENGGUAN)).json()
    assert by_status == []
    swept = api.post("/api/agent/sweep", headers=bearer(AGENT)).json()
    assert [o["number"] for o in swept["supervised"]] == [late]
    assert on_time not in [o["number"] for o in swept["overdue"]]
    assert store.events(late)[-1].action == "督办"


def test_unknown_number_and_openapi(api: TestClient) -> None:
    missing = api.get("/api/agent/work-orders/JZ20990101-0001", headers=bearer(AGENT))
    assert missing.status_code == 404 and "没有查到工单" in missing.json()["message"]
    schema = api.app.openapi()  # /openapi.json itself is served only with HOTLINE_API_DOCS
    summaries = {op["summary"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "本单位的工单列表",
        "签收工单",
        "退单（非本单位职责）",
        "答复工单",
        "申请延期",
        "确认派单（转办/改派）",
        "审批延期申请",
        "记录回访结果",
    } <= summaries
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_token_file_issued_by_the_command_is_accepted(api: TestClient, store: TicketStore, tmp_path: Path) -> None:
    token = issue_token(tmp_path / "var" / "department_tokens.yaml", "市城管局")
    assert token not in (tmp_path / "var" / "department_tokens.yaml").read_text(encoding="utf-8")
    assert api.get("/api/department/work-orders", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sweep_runs_on_a_timer_in_the_app(api: TestClient, store: TicketStore, clock: FakeClock, tmp_path) -> None:
    late = dispatched(api, store, "电梯困人", urgency="特急")
    clock.now += timedelta(hours=3)
    with make_app(store, tmp_path, sweep_interval_seconds=0.05, retention_interval_seconds=0):
        deadline = time.monotonic() + 10
        while store.events(late)[-1].action != "督办" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert store.events(late)[-1].action == "督办"


def test_lists_mask_personal_data_and_details_are_access_logged(api: TestClient, store: TicketStore) -> None:
    number = dispatched(api, store)
    listed = api.get("/api/department/work-orders", headers=bearer(CHENGGUAN)).json()
    row = next(item for item in listed if item["number"] == number)
    order = store.get(number)
    assert order.phone and order.phone not in str(row) and row["phone"].endswith(order.phone[-4:])
    before = len(store.access_log(number))  # the agent's assign answered with the detail: one read
    shown = api.get(f"/api/department/work-orders/{number}", headers=bearer(CHENGGUAN)).json()
    assert shown["phone"] == order.phone
    api.get(f"/api/agent/work-orders/{number}", headers=bearer(AGENT))
    readers = [entry.actor for entry in store.access_log(number)]
    assert before == 1 and readers[:2] == ["agent:坐席01", "department:市城管局"]


def test_a_nul_byte_in_a_reply_is_stripped_not_a_500(api: TestClient, store: TicketStore) -> None:
    number = dispatched(api, store)
    api.post(f"/api/department/work-orders/{number}/accept", headers=bearer(CHENGGUAN))
    response = api.post(
        f"/api/department/work-orders/{number}/reply", headers=bearer(CHENGGUAN), json={"text": "已派人\x00修复路灯。"}
    )
    assert response.status_code == 200, response.text
    assert any(event["note"] == "已派人修复路灯。" for event in response.json()["events"])
    blank = api.post(f"/api/department/work-orders/{number}/reply", headers=bearer(CHENGGUAN), json={"text": "\x00"})
    assert blank.status_code == 422 and set(blank.json()) == {"error", "message"}
