"""The work-order lifecycle on SQLite and PostgreSQL: transitions, 退单→改派, 延期, 督办, 重办."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.ticket_backends import FakeClock, complaint
from tickets.errors import IllegalTransition, InvalidOperation, NotAssigned, WorkOrderNotFound
from tickets.lifecycle import WorkOrderLifecycle
from tickets.status import ALLOWED_TRANSITIONS, TRANSITION_ACTIONS, WorkOrderAction, WorkOrderStatus
from tickets.store import CHINA_TZ, TicketStore
from tickets.sweep import sweep_overdue

S = WorkOrderStatus
AGENT = "agent:1001"
DEPT = "市城管局"


def local(order_time: datetime | None) -> str:
    assert order_time is not None
    return order_time.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def life(store: TicketStore) -> WorkOrderLifecycle:
    return WorkOrderLifecycle(store)


def new_order(store: TicketStore, text: str = "楼下烧烤店每天夜里噪音扰民", **fields: object) -> str:
    return store.create_work_order(complaint(text, **fields)).number


# Ways to bring a fresh order into each state.
def _to(life: WorkOrderLifecycle, number: str, status: S) -> None:
    paths: dict[S, list] = {
        S.ACCEPTED: [],
        S.DISPATCHED: [lambda: life.assign(number, DEPT, actor=AGENT)],
        S.IN_PROGRESS: [lambda: life.assign(number, DEPT, actor=AGENT), lambda: life.accept(number, actor="d")],
        S.RETURNED: [
            lambda: life.assign(number, DEPT, actor=AGENT),
            lambda: life.return_order(number, "非本单位职责", actor="d"),
        ],
        S.ANSWERED: [
            lambda: life.assign(number, DEPT, actor=AGENT),
            lambda: life.accept(number, actor="d"),
            lambda: life.reply(number, "已处理", actor="d"),
        ],
        S.REVISITED: [
            lambda: life.assign(number, DEPT, actor=AGENT),
            lambda: life.accept(number, actor="d"),
            lambda: life.reply(number, "已处理", actor="d"),
            lambda: life.record_callback(number, True, actor=AGENT),
        ],
        S.CLOSED: [lambda: life.close(number, actor=AGENT)],
    }
    for step in paths[status]:
        step()
    assert life.store.get(number).status == status


def _perform(life: WorkOrderLifecycle, number: str, action: WorkOrderAction) -> None:
    ops = {
        WorkOrderAction.DISPATCH: lambda: life.assign(number, DEPT, actor=AGENT),
        WorkOrderAction.SIGN: lambda: life.accept(number, actor="d"),
        WorkOrderAction.RETURN: lambda: life.return_order(number, "非本单位职责", actor="d"),
        WorkOrderAction.REASSIGN: lambda: life.reassign(number, "市生态环境局", actor=AGENT),
        WorkOrderAction.REPLY: lambda: life.reply(number, "已处理", actor="d"),
        WorkOrderAction.CALLBACK: lambda: life.record_callback(number, True, actor=AGENT),
        WorkOrderAction.REDO: lambda: life.reopen(number, "来电人反映问题仍存在", actor=AGENT),
        WorkOrderAction.CLOSE: lambda: life.close(number, actor=AGENT),
    }
    ops[action]()


def test_action_table_agrees_with_the_state_table() -> None:
    for action, (sources, target) in TRANSITION_ACTIONS.items():
        for source in sources:
            assert target in ALLOWED_TRANSITIONS[source], (action, source, target)
    reachable = {(s, t) for sources, t in TRANSITION_ACTIONS.values() for s in sources}
    allowed = {(s, t) for s, targets in ALLOWED_TRANSITIONS.items() for t in targets}
    assert reachable == allowed  # every allowed move has an operation, and no more


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # 56 cases: the matrix once is enough
def test_transition_matrix(store: TicketStore, life: WorkOrderLifecycle) -> None:
    counter = itertools.count()
    for status, action in itertools.product(list(S), list(TRANSITION_ACTIONS)):
        if (status, action) == (S.RETURNED, WorkOrderAction.DISPATCH):
            continue  # assign() on a returned order means 改派 (its own test below)
        number = new_order(store, f"矩阵{next(counter)}")
        _to(life, number, status)
        sources, target = TRANSITION_ACTIONS[action]
        before = len(store.events(number))
        if status in sources:
            _perform(life, number, action)
            assert store.get(number).status == target, (status, action)
            assert store.events(number)[before].action == action.value
        else:
            with pytest.raises(IllegalTransition) as refused:
                _perform(life, number, action)
            assert status.value in refused.value.message and target.value in refused.value.message
            assert store.get(number).status == status and len(store.events(number)) == before


def test_illegal_jump_names_both_states(store: TicketStore, life: WorkOrderLifecycle) -> None:
    number = new_order(store)
    with pytest.raises(IllegalTransition, match="“已受理”.*“已回访”"):
        life.record_callback(number, True, actor=AGENT)
    with pytest.raises(IllegalTransition):
        life.accept(number, actor="d")  # not yet dispatched


def test_full_flow_is_logged_as_events(store: TicketStore, life: WorkOrderLifecycle, clock: FakeClock) -> None:
    number = new_order(store, needs_review=True)
    life.assign(number, DEPT, actor=AGENT, note="坐席确认派单")
    clock.now += timedelta(hours=1)
    life.accept(number, actor="department:市城管局", department=DEPT)
    life.reply(number, "已责令烧烤店22点后停止营业", actor="department:市城管局", department=DEPT)
    life.record_callback(number, True, "群众认可", actor=AGENT)
    final = life.close(number, actor=AGENT)
    assert final.status == "已办结" and final.needs_review is False
    events = store.events(number)
    assert [e.action for e in events] == ["受理", "转办", "签收", "答复", "回访", "办结"]
    assert [e.to_status for e in events] == ["已受理", "已转办", "办理中", "已答复", "已回访", "已办结"]
    assert events[1].actor == AGENT and "坐席确认派单" in events[1].note
    assert events[2].at - events[1].at == timedelta(hours=1)
    with pytest.raises(IllegalTransition):
        life.reopen(number, "想重办", actor=AGENT)  # 已办结 is final


def test_return_then_reassign(store: TicketStore, life: WorkOrderLifecycle, clock: FakeClock) -> None:
    number = new_order(store)
    life.assign(number, DEPT, actor=AGENT)
    life.accept(number, actor="d", department=DEPT)
    with pytest.raises(InvalidOperation):
        life.return_order(number, "  ", actor="d", department=DEPT)  # a reason is required
    returned = life.return_order(number, "油烟扰民属生态环境部门职责", actor="d", department=DEPT)
    assert returned.status == "退单"
    with pytest.raises(InvalidOperation, match="其他承办单位"):
        life.reassign(number, DEPT, actor=AGENT)
    clock.now += timedelta(days=3)
    moved = life.reassign(number, "市生态环境局", actor=AGENT)
    assert moved.status == "已转办" and moved.department == "市生态环境局"
    # The new department gets a full time limit from the moment of 改派 (Wed 25th + 5 working days).
    assert local(moved.due_at) == "2026-12-03 00:00"
    events = store.events(number)
    assert [e.action for e in events][-2:] == ["退单", "改派"]
    assert events[-2].note == "油烟扰民属生态环境部门职责"
    assert "由市城管局改派至市生态环境局" in events[-1].note
    with pytest.raises(NotAssigned):
        life.accept(number, actor="d", department=DEPT)  # no longer the old department's
    assert life.accept(number, actor="d", department="市生态环境局").status == "办理中"


def test_assign_on_a_returned_order_is_a_reassignment(store: TicketStore, life: WorkOrderLifecycle) -> None:
    number = new_order(store)
    life.assign(number, DEPT, actor=AGENT)
    life.return_order(number, "不是本单位的", actor="d")
    assert life.assign(number, "市生态环境局", actor=AGENT).status == "已转办"
    assert store.events(number)[-1].action == "改派"


def test_due_at_from_time_limits(store: TicketStore) -> None:
    # Created Sunday 2026-11-22 10:00: 5 working days are Mon 23rd … Fri 27th.
    normal = store.create_work_order(complaint("一般诉求"))
    assert normal.urgency == "一般" and local(normal.due_at) == "2026-11-28 00:00"
    urgent = store.create_work_order(complaint("电梯困人", urgency="特急"))
    assert urgent.urgency == "特急" and local(urgent.due_at) == "2026-11-22 12:00"
    by_matter = store.create_work_order(complaint("开发商逾期交房", matter="城乡建设/房地产/交房与办证"))
    assert local(by_matter.due_at) == "2026-12-05 00:00"
    unknown_tier = store.create_work_order(complaint("未知等级", urgency="火速"))
    assert unknown_tier.urgency == "一般"


def test_extension_approved_moves_due_at(store: TicketStore, life: WorkOrderLifecycle) -> None:
    number = new_order(store)
    with pytest.raises(InvalidOperation):
        life.request_extension(number, 3, "需要检测", actor="d")  # not signed yet
    life.assign(number, DEPT, actor=AGENT)
    life.accept(number, actor="d")
    for bad_days in (0, -1, 99):
        with pytest.raises(InvalidOperation):
            life.request_extension(number, bad_days, "需要检测", actor="d")
    asked = life.request_extension(number, 3, "需要第三方噪音检测", actor="d", department=DEPT)
    assert asked.extension_days == 3 and asked.status == "办理中"
    with pytest.raises(InvalidOperation, match="待审批"):
        life.request_extension(number, 2, "再延", actor="d")
    approved = life.decide_extension(number, True, actor=AGENT)
    # Due Sat 28th 00:00 (end of Fri 27th) + 3 working days → end of Wed 2 Dec.
    assert local(approved.due_at) == "2026-12-03 00:00"
    assert approved.extension_days is None
    assert [e.action for e in store.events(number)][-2:] == ["延期申请", "延期批准"]
    with pytest.raises(InvalidOperation, match="没有待审批"):
        life.decide_extension(number, True, actor=AGENT)


def test_extension_rejected_keeps_due_at(store: TicketStore, life: WorkOrderLifecycle) -> None:
    number = new_order(store)
    life.assign(number, DEPT, actor=AGENT)
    due = life.accept(number, actor="d").due_at
    life.request_extension(number, 5, "人手不足", actor="d")
    rejected = life.decide_extension(number, False, actor=AGENT, note="理由不充分")
    assert rejected.due_at == due and rejected.extension_days is None
    assert store.events(number)[-1].action == "延期驳回" and "理由不充分" in store.events(number)[-1].note


def test_sweep_supervises_overdue_orders_once(store: TicketStore, life: WorkOrderLifecycle, clock: FakeClock) -> None:
    late = new_order(store, "超时的")
    life.assign(late, DEPT, actor=AGENT)
    answered = new_order(store, "已答复的")
    _to(life, answered, S.ANSWERED)
    urgent = new_order(store, "燃气泄漏", urgency="特急")
    assert sweep_overdue(store).overdue == []

    clock.now += timedelta(hours=3)  # only the 2-hour order is late
    first = sweep_overdue(store)
    assert [o.number for o in first.supervised] == [urgent]

    clock.now = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # Sat 09:00: the 5-day orders too
    second = sweep_overdue(store)
    assert [o.number for o in second.supervised] == [late]
    assert {o.number for o in second.overdue} == {late, urgent}
    assert answered not in {o.number for o in second.overdue}
    assert sweep_overdue(store).supervised == []  # one 督办 per missed deadline
    events = store.events(late)
    assert events[-1].action == "督办" and events[-1].actor == "system:sweep"
    assert "已超过办理时限（2026-11-28 00:00）" in events[-1].note
    assert store.find(overdue=True, department=DEPT) and not store.find(overdue=False, department="无此单位")

    # An approved extension gives a new deadline; missing it is supervised again.
    life.accept(late, actor="d")
    life.request_extension(late, 2, "需要协调", actor="d")
    life.decide_extension(late, True, actor=AGENT)
    assert late not in {o.number for o in sweep_overdue(store).overdue}
    clock.now += timedelta(days=10)
    assert late in {o.number for o in sweep_overdue(store).supervised}


def test_unsatisfied_callback_reopens(store: TicketStore, life: WorkOrderLifecycle, clock: FakeClock) -> None:
    number = new_order(store)
    _to(life, number, S.ANSWERED)
    clock.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Mon 10:00
    redo = life.record_callback(number, False, "噪音依旧", actor=AGENT)
    assert redo.status == "办理中"
    assert local(redo.due_at) == "2026-12-08 00:00"  # a fresh 5 working days
    tail = store.events(number)[-2:]
    assert [(e.action, e.from_status, e.to_status) for e in tail] == [
        ("回访", "已答复", "已回访"),
        ("重办", "已回访", "办理中"),
    ]
    assert "群众不满意" in tail[0].note and "噪音依旧" in tail[0].note
    # The department answers again and this time the caller is satisfied.
    life.reply(number, "已再次执法并暂扣设备", actor="d")
    life.record_callback(number, True, actor=AGENT)
    assert life.close(number, actor=AGENT).status == "已办结"


def test_department_cannot_act_on_other_orders(store: TicketStore, life: WorkOrderLifecycle) -> None:
    number = new_order(store)
    life.assign(number, DEPT, actor=AGENT)
    for act in (
        lambda: life.accept(number, actor="d", department="市生态环境局"),
        lambda: life.return_order(number, "x", actor="d", department="市生态环境局"),
    ):
        with pytest.raises(NotAssigned):
            act()
    assert store.get(number).status == "已转办"


def test_unknown_numbers_raise(life: WorkOrderLifecycle) -> None:
    with pytest.raises(WorkOrderNotFound, match="JZ20990101-0001"):
        life.accept("JZ20990101-0001", actor="d")
