"""Latency of the running assistant over Rasa's REST channel, and its start-up time.

Scripted conversations (questions, a complaint through the form, a status query,
out-of-scope chatter) are replayed; every turn is timed from request to reply.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx

TICKET = re.compile(r"[A-Z]{2}\d{8}-\d{4}")

# Each script is one conversation; "{ticket}" is replaced by the last number the bot gave.
SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("你好", "外国人144小时过境免签是怎么规定的？", "谢谢", "再见"),
    ("孩子刚出生要办哪些手续", "开饭店需要办什么证", "公司注销要跑哪些部门"),
    (
        "我要投诉，小区楼下烧烤摊每天半夜还在营业，油烟和噪音太大了",
        "焦东路和平小区门口",
        "山阳区",
        "13912345678",
        "对",
        "我的工单{ticket}办得怎么样了",
    ),
    ("今天天气怎么样", "给我讲个笑话", "转人工"),
    ("退休手续怎么办", "申请公租房需要什么条件", "残疾人补贴怎么申请", "信用修复怎么办"),
)


@dataclass
class Turn:
    sender: str
    message: str
    replies: list[str]
    seconds: float


@dataclass
class ChatBenchmark:
    turns: list[Turn] = field(default_factory=list)

    def latencies_ms(self) -> list[float]:
        return [t.seconds * 1000 for t in self.turns]

    def summary(self) -> dict:
        values = sorted(self.latencies_ms())
        return {
            "turns": len(values),
            "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)], 1),
            "max_ms": round(values[-1], 1),
        }


def send(client: httpx.Client, rasa_url: str, sender: str, message: str) -> Turn:
    started = time.perf_counter()
    response = client.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return Turn(sender, message, [r["text"] for r in response.json() if r.get("text")], seconds)


def run_chat_benchmark(rasa_url: str, turns: int = 50) -> ChatBenchmark:
    """Replay the scripts round-robin until `turns` turns have been timed."""
    bench = ChatBenchmark()
    with httpx.Client(timeout=120) as client:
        while len(bench.turns) < turns:
            for script in SCRIPTS:
                sender, ticket = f"bench-{uuid.uuid4().hex[:8]}", ""
                for message in script:
                    if len(bench.turns) >= turns:
                        return bench
                    turn = send(client, rasa_url, sender, message.replace("{ticket}", ticket))
                    found = TICKET.search(" ".join(turn.replies))
                    ticket = found.group(0) if found else ticket
                    bench.turns.append(turn)
    return bench


def wait_for_first_answer(chat_url: str, timeout: float = 600) -> float:
    """Seconds until the web app's /api/chat returns a sourced answer."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            response = httpx.post(
                chat_url, json={"sender": "startup-probe", "message": "社保卡丢了怎么补办"}, timeout=30
            )
            if response.status_code == 200 and any("来源" in r.get("text", "") for r in response.json()["replies"]):
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError("the assistant did not answer in time")
