"""Kill tests (issue 14, item 11): complaints survive crashes of any process.

The real processes (action server, Rasa server, web app, as `hotline run` starts them, with a
fresh var directory, tracker, outbox and work-order database) serve scripted complaint
conversations from a few concurrent callers, while a killer SIGKILLs one of them, or the
database, at random moments (seeded), restarts it and waits until it is healthy again.

The callers behave like people at the chat page: on an error, a timeout or a turn without any
reply they pause and say the same thing again a few times; a conversation that cannot go on ends
with the message the page showed. At the end everything is restarted, the outbox is given up to a
minute to drain, and the database is checked against what the callers were told:

* loss: a caller was told a work-order number (JZ…-…) or a 受理编号 that the database does not hold;
* duplicate: a conversation (each files one complaint) holds more than one order, or was told
  two different numbers;
* unclear: a conversation neither finished (accepted, or a clear cancellation) nor ended on a
  clear message.

Databases: SQLite (a "kill" holds an exclusive write lock from another process for 5–20 s, then
SIGKILLs that process) or a private PostgreSQL cluster in a temporary directory on a free port
(crashed with ``pg_ctl stop -m immediate`` and started again). The machine's shared PostgreSQL is
never touched.

Pure parts (reply reading, the caller's next message, the accounting) come first and are unit
tested (tests/unit/test_kill_test.py); the process machinery follows.
"""

from __future__ import annotations

import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import httpx

# ---------------------------------------------------------------------------- scripted callers
OPENINGS = ("我要投诉，", "我要投诉，", "我想投诉一下，", "投诉：")
DESCRIPTIONS = (
    "小区门口的路灯坏了一个多月了，晚上黑乎乎的",
    "楼下烧烤摊每天半夜还在营业，油烟太大了",
    "马路上的井盖丢了好几天了，太危险了",
    "小区垃圾好几天没人清运，臭气熏天",
    "附近工地每天晚上十二点以后还在施工，吵得睡不着",
    "单位拖欠我三个月工资一直不发",
    "小区供暖温度太低，家里只有十四度",
    "路边的下水道堵了，一下雨就积水",
    "菜市场门口占道经营，车根本过不去",
    "小区楼道里堆满了杂物，没人清理",
    "公交车经常不按时发车，等了四十分钟",
    "小区停水两天了也没有通知",
    "广场舞音响声音太大，每天晚上吵到十点",
    "人行道上的地砖坏了好多块，老人容易绊倒",
    "饭店的油烟直接排到居民楼里",
    "路口红绿灯坏了好几天，上下班特别堵",
    "小区物业乱收停车费，还不给开发票",
    "河道里有人倒垃圾，水都发臭了",
    "驾校教练车天天在小区里练车，很不安全",
    "超市卖过期食品，找店家也不给处理",
)
# (district, street or landmark): the caller names the place in one of three ways (see Script).
PLACES = (
    ("解放区", "民主路和平小区门口"),
    ("解放区", "民主南路88号"),
    ("山阳区", "焦东路和平小区"),
    ("山阳区", "塔南路与人民路交叉口"),
    ("中站区", "冯封街道龙翔小区"),
    ("马村区", "待王镇东王封村北头"),
    ("示范区", "文苑路华润万家旁边"),
    ("修武县", "云台大道县医院对面"),
    ("博爱县", "清化大街中段"),
    ("武陟县", "龙泉路商贸城门口"),
    ("温县", "子夏大街与黄河路口"),
    ("沁阳市", "怀府路老街菜市场"),
    ("孟州市", "河阳大道新区小学门口"),
)
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "186", "158", "150", "177", "188")
CONFIRM = "对"


class PlaceStyle(StrEnum):
    FULL = "full"  # "解放区民主路和平小区门口"
    STREET_FIRST = "street_first"  # "民主路和平小区门口", then the district when asked
    DISTRICT_FIRST = "district_first"  # "解放区", then the street when asked


@dataclass(frozen=True)
class Script:
    """One caller: what happened, where, and how to reach them."""

    index: int
    opening: str
    description: str
    district: str
    street: str
    place_style: str
    phone: str

    @property
    def first_message(self) -> str:
        return self.opening + self.description

    @property
    def location_answer(self) -> str:
        if self.place_style == PlaceStyle.STREET_FIRST.value:
            return self.street
        if self.place_style == PlaceStyle.DISTRICT_FIRST.value:
            return self.district
        return self.district + self.street


def make_scripts(count: int, seed: int) -> list[Script]:
    """``count`` callers drawn with ``random.Random(seed)``."""
    rng = random.Random(seed)
    styles = [PlaceStyle.FULL] * 3 + [PlaceStyle.STREET_FIRST, PlaceStyle.DISTRICT_FIRST]
    scripts = []
    for index in range(count):
        district, street = rng.choice(PLACES)
        phone = rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
        if rng.random() < 0.1:
            phone = "0391-" + str(rng.randint(2_000_000, 9_999_999))
        scripts.append(
            Script(
                index, rng.choice(OPENINGS), rng.choice(DESCRIPTIONS), district, street, rng.choice(styles).value, phone
            )
        )
    return scripts


# ---------------------------------------------------------------------------- reading replies
_NUMBER = re.compile(r"(?:工单号|编号)是\s*([A-Z]{2}\d{8}-\d{4,6})")
_REFERENCE = re.compile(r"受理编号是\s*([23456789A-HJKMNP-Z]{8})(?![A-Z0-9])")
CANCELLED_MARK = "这次先不提交"
# What the chat page shows when the request fails without a JSON message (webapp/static/chat.js).
PAGE_NETWORK_ERROR = "网络连接出了问题，请稍后再试，或直接拨打12345。"
PAGE_HTTP_ERROR = "助手暂时无法响应，请稍后再试。"
NO_REPLY_STATUS = "no_reply"  # 200 with the web app's "请再说一遍" in place of a reply Rasa did not give


class Step(StrEnum):
    """What the assistant's last reply asks of the caller."""

    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    CONFIRM = "confirm"
    CORRECT = "correct"
    DETAIL = "detail"
    DISTRICT = "district"
    LOCATION = "location"
    PHONE = "phone"
    DESCRIPTION = "description"
    UNKNOWN = "unknown"


# Checked in order: the read-back also mentions the phone, an acceptance may be followed by more.
_STEP_MARKERS: tuple[tuple[Step, tuple[str, ...]], ...] = (
    (Step.CANCELLED, (CANCELLED_MARK,)),
    (Step.CONFIRM, ("我跟您核对一下", "信息没问题请说")),
    (Step.CORRECT, ("哪一项需要改",)),
    (Step.DETAIL, ("具体在哪条路",)),
    (Step.DISTRICT, ("哪个区县",)),
    (Step.LOCATION, ("什么地方", "具体地点")),
    (Step.PHONE, ("联系电话", "号码好像不对")),
    (Step.DESCRIPTION, ("遇到了什么问题", "再具体说说", "遇到了什么困难")),
)


def accepted_number(text: str) -> str | None:
    """The work-order number a caller was told on acceptance ("…已受理，工单号是JZ20261207-0001")."""
    match = _NUMBER.search(text or "")
    return match.group(1) if match else None


def accepted_reference(text: str) -> str | None:
    """The 受理编号 of the outbox path ("…已经记录下来了，受理编号是7KQ3M9XH")."""
    match = _REFERENCE.search(text or "")
    return match.group(1) if match else None


def classify(text: str) -> Step:
    if accepted_number(text) or accepted_reference(text):
        return Step.ACCEPTED
    for step, marks in _STEP_MARKERS:
        if any(mark in text for mark in marks):
            return step
    return Step.UNKNOWN


def answer(step: Step, script: Script) -> str | None:
    """What the caller says to a reply asking ``step``; None when there is nothing to say."""
    return {
        Step.CONFIRM: CONFIRM,
        Step.CORRECT: CONFIRM,
        Step.DETAIL: script.street,
        Step.DISTRICT: script.district,
        Step.LOCATION: script.location_answer,
        Step.PHONE: script.phone,
        Step.DESCRIPTION: script.description,
        Step.UNKNOWN: script.first_message,  # the assistant lost track: tell it again from the start
    }.get(step)


# ---------------------------------------------------------------------------- records
@dataclass
class TurnRecord:
    message: str
    status: str  # "200", "503", "429" …, "network", "timeout"
    replies: list[str]
    seconds: float
    at: float  # seconds since the run started
    attempt: int = 0  # 0: first time said; n: n-th repetition after a failure

    @property
    def ok(self) -> bool:
        return self.status == "200" and any(reply.strip() for reply in self.replies)

    @property
    def text(self) -> str:
        return "\n".join(self.replies)


@dataclass
class ConversationRecord:
    index: int
    script: Script
    conversation_id: str | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    told_numbers: list[str] = field(default_factory=list)
    told_references: list[str] = field(default_factory=list)
    outcome: str = "unclear"  # accepted | cancelled | clear_message | unclear
    final_message: str = ""
    kills_during: list[int] = field(default_factory=list)  # indexes into the kill log

    @property
    def via_outbox(self) -> bool:
        return bool(self.told_references) and not self.told_numbers

    @property
    def repetitions(self) -> int:
        return sum(1 for turn in self.turns if turn.attempt > 0)


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    CLEAR_MESSAGE = "clear_message"
    UNCLEAR = "unclear"


def is_clear_message(turn: TurnRecord) -> bool:
    """A failed turn the caller could understand: the page showed a Chinese explanation."""
    return turn.status != "200" and bool(turn.replies) and all(_has_chinese(reply) for reply in turn.replies)


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


# ---------------------------------------------------------------------------- accounting
@dataclass(frozen=True)
class DbOrder:
    number: str
    public_ref: str | None
    conversation_id: str | None


@dataclass
class Accounting:
    accepted: int = 0
    via_outbox: int = 0
    cancelled: int = 0
    ended_on_clear_message: int = 0
    unclear: int = 0
    losses: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    unclear_details: list[dict] = field(default_factory=list)
    filed_but_not_told: list[dict] = field(default_factory=list)


def account(records: Sequence[ConversationRecord], orders: Iterable[DbOrder]) -> Accounting:
    """Compare what the callers were told with what the database holds."""
    orders = list(orders)
    by_number = {order.number: order for order in orders}
    by_reference = {order.public_ref: order for order in orders if order.public_ref}
    by_conversation: dict[str | None, list[DbOrder]] = defaultdict(list)
    for order in orders:
        by_conversation[order.conversation_id].append(order)
    result = Accounting()
    told_conversations = set()
    for record in records:
        _count_outcome(result, record)
        found = _check_told(result, record, by_number, by_reference, by_conversation)
        if record.told_numbers or record.told_references:
            told_conversations.add(record.conversation_id)
        held = by_conversation.get(record.conversation_id, []) if record.conversation_id else []
        if len(held) > 1 or len(found) > 1:
            result.duplicates.append(
                {
                    "conversation": record.index,
                    "conversation_id": record.conversation_id,
                    "orders": sorted({o.number for o in held} | found),
                    "told_numbers": record.told_numbers,
                    "told_references": record.told_references,
                }
            )
    for conversation_id, held in by_conversation.items():
        if conversation_id not in told_conversations:
            result.filed_but_not_told += [
                {"number": o.number, "public_ref": o.public_ref, "conversation_id": conversation_id} for o in held
            ]
    return result


def silent_turns(records: Sequence[ConversationRecord]) -> list[dict]:
    """Turns answered 200 with no reply at all: the chat page shows nothing, the caller is left waiting.

    (The web app now says "请再说一遍" instead; such turns have the status ``no_reply`` and are clear.)
    """
    found = []
    for record in records:
        for position, turn in enumerate(record.turns):
            if turn.status == "200" and not turn.ok:
                following = record.turns[position + 1].text if position + 1 < len(record.turns) else ""
                found.append(
                    {
                        "conversation": record.index,
                        "message": turn.message,
                        "at": turn.at,
                        "seconds": turn.seconds,
                        "next_reply": following[:80],
                    }
                )
    return found


def accepted_without_read_back(records: Sequence[ConversationRecord]) -> list[dict]:
    """Acceptances that did not answer a read-back ("我跟您核对一下 …" → "对").

    The form files only after the caller confirmed the read-back; an acceptance straight after
    another message means the confirmation of an earlier, failed submission was reused.
    """
    found = []
    for record in records:
        answered = [turn for turn in record.turns if turn.ok]
        if record.outcome != Outcome.ACCEPTED.value or len(answered) < 2:
            continue
        before = classify(answered[-2].text)
        if before not in (Step.CONFIRM, Step.CORRECT):
            found.append(
                {
                    "conversation": record.index,
                    "message": answered[-1].message,
                    "at": answered[-1].at,
                    "previous_reply": answered[-2].text[:80],
                    "kills_during": record.kills_during,
                }
            )
    return found


def _count_outcome(result: Accounting, record: ConversationRecord) -> None:
    if record.outcome == Outcome.ACCEPTED.value:
        result.accepted += 1
        result.via_outbox += int(record.via_outbox)
    elif record.outcome == Outcome.CANCELLED.value:
        result.cancelled += 1
    elif record.outcome == Outcome.CLEAR_MESSAGE.value:
        result.ended_on_clear_message += 1
    else:
        result.unclear += 1
        result.unclear_details.append(
            {
                "conversation": record.index,
                "final_message": record.final_message,
                "last_turns": [asdict(t) for t in record.turns[-3:]],
            }
        )


def _check_told(
    result: Accounting,
    record: ConversationRecord,
    by_number: dict[str, DbOrder],
    by_reference: dict[str, DbOrder],
    by_conversation: dict[str | None, list[DbOrder]],
) -> set[str]:
    """Record a loss for every number or reference told but not held; the numbers found."""
    found: set[str] = set()
    told = [("number", n, by_number.get(n)) for n in record.told_numbers]
    told += [("reference", r, by_reference.get(r)) for r in record.told_references]
    for kind, value, order in told:
        if order is not None:
            found.add(order.number)
            continue
        others = by_conversation.get(record.conversation_id, []) if record.conversation_id else []
        result.losses.append(
            {
                "conversation": record.index,
                "conversation_id": record.conversation_id,
                "told": kind,
                "value": value,
                "orders_of_this_conversation": [(o.number, o.public_ref) for o in others],
                "kills_during": record.kills_during,
            }
        )
    return found


# ---------------------------------------------------------------------------- the caller
PAUSES_SECONDS = (5.0, 10.0, 20.0, 30.0, 45.0)  # before each repetition: a person tries a few times
MAX_TURNS = 14  # messages a conversation may take (repetitions not counted)
MAX_RESTATEMENTS = 2
REQUEST_TIMEOUT_SECONDS = 90.0  # the web app waits up to 60 s for Rasa


class Caller:
    """One person at the chat page: one httpx.Client, so one conversation cookie."""

    def __init__(
        self,
        base_url: str,
        script: Script,
        clock: Callable[[], float],
        pauses: Sequence[float] = PAUSES_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        on_turn: Callable[[int, str | None], None] | None = None,
    ) -> None:
        self.base_url = base_url
        self.record = ConversationRecord(script.index, script)
        self.clock = clock
        self.pauses = pauses
        self.sleep = sleep
        self.on_turn = on_turn or (lambda index, message: None)

    def run(self) -> ConversationRecord:
        with httpx.Client(base_url=self.base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
            try:
                self._converse(client)
            finally:
                self.on_turn(self.record.index, None)
                self.record.conversation_id = conversation_id_from_cookie(client)
        return self.record

    def _converse(self, client: httpx.Client) -> None:
        script, record = self.record.script, self.record
        message: str | None = script.first_message
        restated = 0
        for _ in range(MAX_TURNS):
            turn = self._say_until_answered(client, message)
            record.final_message = turn.text
            if not turn.ok:
                record.outcome = (Outcome.CLEAR_MESSAGE if is_clear_message(turn) else Outcome.UNCLEAR).value
                return
            step = classify(turn.text)
            if step == Step.ACCEPTED:
                self._note_acceptance(turn.text)
                record.outcome = Outcome.ACCEPTED.value
                return
            if step == Step.CANCELLED:
                record.outcome = Outcome.CANCELLED.value
                return
            if step == Step.UNKNOWN:
                restated += 1
                if restated > MAX_RESTATEMENTS:
                    break
            message = answer(step, script)
        record.outcome = Outcome.UNCLEAR.value

    def _note_acceptance(self, text: str) -> None:
        number, reference = accepted_number(text), accepted_reference(text)
        if number:
            self.record.told_numbers.append(number)
        if reference:
            self.record.told_references.append(reference)

    def _say_until_answered(self, client: httpx.Client, message: str) -> TurnRecord:
        turn = self._say(client, message, 0)
        for attempt, pause in enumerate(self.pauses, start=1):
            if turn.ok:
                break
            self.sleep(pause)
            turn = self._say(client, message, attempt)
        return turn

    def _say(self, client: httpx.Client, message: str, attempt: int) -> TurnRecord:
        self.on_turn(self.record.index, message)
        started = self.clock()
        status, replies = post_chat(client, message)
        turn = TurnRecord(message, status, replies, round(self.clock() - started, 3), round(started, 3), attempt)
        self.record.turns.append(turn)
        return turn


def post_chat(client: httpx.Client, message: str) -> tuple[str, list[str]]:
    """(status, what the chat page shows): reply texts, or the error message the page would show."""
    try:
        response = client.post("/api/chat", json={"message": message})
    except httpx.TimeoutException:
        return "timeout", [PAGE_NETWORK_ERROR]
    except httpx.TransportError:
        return "network", [PAGE_NETWORK_ERROR]
    try:
        body = response.json()
    except ValueError:
        return str(response.status_code), [PAGE_NETWORK_ERROR]
    if response.status_code != 200:
        shown = body.get("message") if isinstance(body, dict) else None
        return str(response.status_code), [shown or PAGE_HTTP_ERROR]
    replies = [r for r in body.get("replies", []) if isinstance(r, dict)] if isinstance(body, dict) else []
    texts = [str(r.get("text")) for r in replies if r.get("text")]
    if any((r.get("custom") or {}).get("no_reply") for r in replies if isinstance(r.get("custom"), dict)):
        return NO_REPLY_STATUS, texts  # the web app's "请再说一遍": Rasa had no reply (an action failed)
    return "200", texts


def conversation_id_from_cookie(client: httpx.Client) -> str | None:
    """The server-issued conversation id inside the signed cookie ("web-….<mac>")."""
    from webapp.conversations import COOKIE_NAME

    value = client.cookies.get(COOKIE_NAME)
    return value.rsplit(".", 1)[0] if value and "." in value else None


# ---------------------------------------------------------------------------- processes
ACTION, RASA, WEB, DATABASE = "action_server", "rasa", "web_app", "database"
TARGETS = (ACTION, RASA, WEB, DATABASE)
LOCK_SECONDS = (5.0, 20.0)
HEALTH_TIMEOUT_SECONDS = 400.0


class Stack:
    """The three processes of `hotline run`, each restartable on its own port."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        from hotline.processes import (
            Supervisor,
            action_server,
            free_port,
            rasa_server,
            web_app,
        )
        from settings import Settings, load_settings

        self.workdir = workdir
        self.outbox_dir = workdir / "outbox"
        settings = load_settings()  # the project's built artefacts; everything written goes to workdir
        started = Settings.from_values(var_dir=workdir / "var", log_level=settings.log_level)  # logging configs
        env = {
            "HOTLINE_VAR_DIR": str(started.var_dir),
            "HOTLINE_MODEL_DIR": str(settings.model_dir),
            "HOTLINE_INDEX_DIR": str(settings.index_dir),
            "HOTLINE_ROUTING_DIR": str(settings.routing_dir),
            "HOTLINE_DATABASE_URL": database_url,
            "HOTLINE_OUTBOX_DIR": str(self.outbox_dir),
            "HOTLINE_CHAT_RATE": "100000/60",  # every caller of this harness comes from 127.0.0.1
        }
        action_port, rasa_port, web_port = free_port(), free_port(), free_port()
        tracker = workdir / "tracker.db"
        self.specs = {
            ACTION: action_server(action_port, env),
            RASA: rasa_server(rasa_port, action_port, tracker, env, model=settings.rasa_model, settings=started),
            WEB: web_app(web_port, rasa_port, env, settings=started),
        }
        self.web_url = f"http://127.0.0.1:{web_port}"
        self.supervisor = Supervisor(workdir / "logs")
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        spec = self.specs[name]
        self.processes[name] = proc = self.supervisor.start(spec)
        self.supervisor.wait_healthy(spec, proc, timeout=HEALTH_TIMEOUT_SECONDS)

    def start_all(self) -> None:
        for name in (ACTION, RASA, WEB):
            self.start(name)

    def kill(self, name: str) -> None:
        """SIGKILL the process and its group (it was started in a session of its own)."""
        proc = self.processes[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def is_up(self, name: str) -> bool:
        proc = self.processes.get(name)
        return proc is not None and proc.poll() is None

    def ensure_up(self) -> list[str]:
        restarted = [name for name in (ACTION, RASA, WEB) if not self.is_up(name)]
        for name in restarted:
            self.start(name)
        return restarted

    def stop(self) -> None:
        self.supervisor.stop_all()


class Database:
    """The work-order database of a run and how to make it fail."""

    url: str

    def fail(self, rng: random.Random) -> float:
        """Make the database unavailable and bring it back; seconds it was away."""
        raise NotImplementedError

    def ensure_up(self) -> None:
        pass

    def close(self) -> None:
        pass


LOCKER = (
    "import sqlite3, sys, time\n"
    "c = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)\n"
    "c.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "time.sleep(3600)\n"
)


class SqliteDatabase(Database):
    """SQLite has no server to kill: another process holds the write lock, then is SIGKILLed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"

    def fail(self, rng: random.Random) -> float:
        hold = rng.uniform(*LOCK_SECONDS)
        locker = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(self.path)], stdout=subprocess.PIPE, start_new_session=True, text=True
        )
        try:
            if (locker.stdout.readline() if locker.stdout else "").strip() != "locked":
                raise RuntimeError("the SQLite locker could not take the write lock")
            time.sleep(hold)
        finally:
            os.killpg(locker.pid, signal.SIGKILL)
            locker.wait(timeout=30)
        return hold


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


class PrivatePostgres(Database):
    """A throwaway PostgreSQL cluster: its own directory, socket and free port, never the shared one.

    As root the server binaries run as the ``postgres`` user (runuser); otherwise as ourselves.
    """

    def __init__(self) -> None:
        from hotline.processes import free_port

        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="hotline-kill-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/hotline"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C")
        self.start()
        self._run("createdb", "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "hotline")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(
            command, cwd=self.root, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def crash(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return (
            subprocess.run(
                command, cwd=self.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
            ).returncode
            == 0
        )

    def fail(self, rng: random.Random) -> float:
        self.crash()
        down = rng.uniform(*LOCK_SECONDS)
        time.sleep(down)
        self.start()
        return down

    def ensure_up(self) -> None:
        if not self.running():
            self.start()

    def close(self) -> None:
        try:
            if self.running():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------------------- the killer
@dataclass
class KillRecord:
    target: str
    at: float
    in_flight: list[dict]
    recovered_after: float = 0.0
    error: str | None = None


class Killer(threading.Thread):
    """Kills one target at random moments (seeded) and brings it back, until stopped.

    ``mean_interval``: seconds between a recovery and the next kill, drawn from 0.5–1.5 × it.
    ``plan`` (the smoke test): fixed (target, n) pairs instead: kill the target as soon as the
    callers have sent n messages in all, so the kills land inside conversations however fast
    the machine is; the killer stops after the last one.
    """

    def __init__(
        self,
        stack: Stack,
        database: Database,
        rng: random.Random,
        mean_interval: float,
        clock: Callable[[], float],
        in_flight: Callable[[], list[dict]],
        plan: Sequence[tuple[str, int]] | None = None,
        targets: Sequence[str] = TARGETS,
        messages_sent: Callable[[], int] = lambda: 0,
    ) -> None:
        super().__init__(name="killer", daemon=True)
        self.stack, self.database, self.rng = stack, database, rng
        self.mean_interval, self.clock, self.in_flight = mean_interval, clock, in_flight
        self.plan = list(plan) if plan is not None else None
        self.targets = tuple(targets)
        self.messages_sent = messages_sent
        self.log: list[KillRecord] = []
        self.stopped = threading.Event()
        self.busy = threading.Lock()

    def run(self) -> None:
        if self.plan is not None:
            self._run_plan(self.plan)
            return
        while not self.stopped.wait(self.rng.uniform(0.5, 1.5) * self.mean_interval):
            target = self.rng.choice(self.targets)
            with self.busy:
                self.log.append(self._kill(target))

    def _run_plan(self, plan: list[tuple[str, int]]) -> None:
        for target, after_messages in plan:
            while self.messages_sent() < after_messages:
                if self.stopped.wait(0.02):
                    return
            with self.busy:
                self.log.append(self._kill(target))

    def _kill(self, target: str) -> KillRecord:
        record = KillRecord(target, round(self.clock(), 2), self.in_flight())
        started = time.monotonic()
        try:
            if target == DATABASE:
                self.database.fail(self.rng)
            else:
                self.stack.kill(target)
                self.stack.start(target)
        except Exception as error:  # noqa: BLE001 - recorded; the final phase restarts what is down
            record.error = f"{type(error).__name__}: {error}"
        record.recovered_after = round(time.monotonic() - started, 2)
        return record

    def stop(self) -> None:
        self.stopped.set()
        with self.busy:  # let a restart under way finish
            pass


# ---------------------------------------------------------------------------- the run
DRAIN_SECONDS = 60.0


@dataclass
class KillTestConfig:
    conversations: int = 200
    database: str = "sqlite"  # sqlite | postgres
    seed: int = 0
    kills_every: float = 15.0
    threads: int = 3
    plan: Sequence[tuple[str, int]] | None = None  # (target, after n messages) instead of random kills
    workdir: Path | None = None  # default: a fresh temporary directory, kept for its logs
    out: Path | None = None


def run_kill_test(config: KillTestConfig, progress: Callable[[int, int, int], None] | None = None) -> dict:
    """Run the whole test; the report (also written to ``config.out`` as JSON when given)."""
    from hotline.processes import RASA_BIN, process_secrets
    from settings import load_settings

    if not RASA_BIN.exists() or not load_settings().rasa_model.exists():
        raise RuntimeError("Rasa environment or trained model missing: run `make setup` first")
    workdir = config.workdir or Path(tempfile.mkdtemp(prefix=f"hotline-kill-{config.database}-"))
    workdir.mkdir(parents=True, exist_ok=True)
    process_secrets()
    database = _make_database(config.database, workdir)
    stack: Stack | None = None
    started = time.monotonic()
    try:
        stack = Stack(workdir, database.url)
        stack.start_all()

        def clock() -> float:
            return time.monotonic() - started

        records, killer = _drive(stack, database, config, clock, progress)
        restarted = _recover(stack, database)
        orders, pending = _drain(database.url, stack.outbox_dir, records)
        report = _report(config, records, killer.log, orders, pending, restarted, clock(), workdir)
        misses = store_lookup_misses(database.url, records)
        report["store_lookup_misses"], report["store_lookup_miss_details"] = len(misses), misses
    finally:
        if stack is not None:
            stack.stop()
        database.close()
    if config.out is not None:
        config.out.parent.mkdir(parents=True, exist_ok=True)
        config.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _write_transcripts(workdir / "transcripts.json", records)
    return report


def _make_database(kind: str, workdir: Path) -> Database:
    if kind == "sqlite":
        return SqliteDatabase(workdir / "hotline.db")
    if kind == "postgres":
        return PrivatePostgres()
    raise ValueError(f"unknown database {kind!r}: sqlite or postgres")


def _drive(
    stack: Stack,
    database: Database,
    config: KillTestConfig,
    clock: Callable[[], float],
    progress: Callable[[int, int, int], None] | None,
) -> tuple[list[ConversationRecord], Killer]:
    scripts = make_scripts(config.conversations, config.seed)
    in_flight: dict[int, dict] = {}
    guard = threading.Lock()
    sent = 0

    def on_turn(index: int, message: str | None) -> None:
        nonlocal sent
        with guard:
            if message is None:
                in_flight.pop(index, None)
            else:
                in_flight[index] = {"conversation": index, "message": message}
                sent += 1

    def snapshot() -> list[dict]:
        with guard:
            return [dict(entry) for entry in in_flight.values()]

    killer = Killer(
        stack,
        database,
        random.Random(config.seed + 1),
        config.kills_every,
        clock,
        snapshot,
        plan=config.plan,
        messages_sent=lambda: sent,
    )
    done = 0

    def one(script: Script) -> ConversationRecord:
        nonlocal done
        record = Caller(stack.web_url, script, clock, on_turn=on_turn).run()
        with guard:
            done += 1
            if progress is not None:
                progress(done, len(scripts), len(killer.log))
        return record

    killer.start()
    try:
        with ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="caller") as pool:
            futures = [pool.submit(one, script) for script in scripts]
            try:
                records = [future.result() for future in futures]
            except KeyboardInterrupt:  # Ctrl-C: no new conversation; the ones under way end, processes stop
                for future in futures:
                    future.cancel()
                raise
    finally:
        killer.stop()
        killer.join(timeout=HEALTH_TIMEOUT_SECONDS)
    attach_kills(records, killer.log)
    return records, killer


def attach_kills(records: Sequence[ConversationRecord], log: Sequence[KillRecord]) -> None:
    """Note in each conversation the kills it lived through: under way at the kill, or a turn
    sent while the target was still down (a database lock lasts 5–20 s)."""
    for record in records:
        record.kills_during = [
            position
            for position, kill in enumerate(log)
            if any(entry["conversation"] == record.index for entry in kill.in_flight)
            or any(kill.at <= turn.at <= kill.at + kill.recovered_after for turn in record.turns)
        ]


def _recover(stack: Stack, database: Database) -> list[str]:
    database.ensure_up()
    return stack.ensure_up()


def _drain(database_url: str, outbox_dir: Path, records: Sequence[ConversationRecord]) -> tuple[list[DbOrder], int]:
    """Wait (up to a minute) until the outbox is empty and every told reference is filed."""
    from tickets.outbox import Outbox

    references = {ref for record in records for ref in record.told_references}
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        orders = read_orders(database_url)
        pending = len(Outbox(outbox_dir).pending())
        filed = {order.public_ref for order in orders}
        if (pending == 0 and references <= filed) or time.monotonic() > deadline:
            return orders, pending
        time.sleep(2)


def read_orders(database_url: str) -> list[DbOrder]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT number, public_ref, conversation_id FROM work_orders"))
            return [DbOrder(*row) for row in rows]
    finally:
        engine.dispose()


def store_lookup_misses(database_url: str, records: Sequence[ConversationRecord]) -> list[dict]:
    """Every number or 受理编号 a caller was told, looked up as the hotline does (find_by_reference)."""
    from tickets.store import TicketStore

    store = TicketStore(database_url, prefix="JZ")
    try:
        return [
            {"conversation": record.index, "value": value}
            for record in records
            for value in (*record.told_numbers, *record.told_references)
            if store.find_by_reference(value) is None
        ]
    finally:
        store.close()


def _report(
    config: KillTestConfig,
    records: list[ConversationRecord],
    kills: list[KillRecord],
    orders: list[DbOrder],
    pending: int,
    restarted: list[str],
    elapsed: float,
    workdir: Path,
) -> dict:
    accounting = account(records, orders)
    silent, unconfirmed = silent_turns(records), accepted_without_read_back(records)
    statuses = Counter(
        turn.status if turn.ok or turn.status != "200" else "silent" for record in records for turn in record.turns
    )
    return {
        "database": config.database,
        "seed": config.seed,
        "threads": config.threads,
        "kills_every_seconds": config.kills_every,
        "conversations": len(records),
        "turns": sum(len(record.turns) for record in records),
        "repetitions": sum(record.repetitions for record in records),
        "turn_statuses": dict(sorted(statuses.items())),
        "kills": dict(Counter(kill.target for kill in kills)),
        "kills_total": len(kills),
        "kill_errors": [asdict(kill) for kill in kills if kill.error],
        "accepted": accounting.accepted,
        "accepted_via_outbox": accounting.via_outbox,
        "cancelled": accounting.cancelled,
        "ended_on_clear_message": accounting.ended_on_clear_message,
        "unclear": accounting.unclear,
        "losses": len(accounting.losses),
        "duplicates": len(accounting.duplicates),
        "orders_in_database": len(orders),
        "filed_but_not_told": len(accounting.filed_but_not_told),
        "silent_turns": len(silent),
        "accepted_without_read_back": len(unconfirmed),
        "outbox_pending_at_end": pending,
        "restarted_at_end": restarted,
        "elapsed_seconds": round(elapsed, 1),
        "loss_details": accounting.losses,
        "duplicate_details": accounting.duplicates,
        "unclear_details": accounting.unclear_details,
        "filed_but_not_told_details": accounting.filed_but_not_told,
        "silent_turn_details": silent,
        "accepted_without_read_back_details": unconfirmed,
        "kill_log": [asdict(kill) for kill in kills],
        "workdir": str(workdir),
    }


def _write_transcripts(path: Path, records: list[ConversationRecord]) -> None:
    doc = [{**asdict(record), "via_outbox": record.via_outbox} for record in records]
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
