"""`hotline call` (a terminal softphone) and `hotline bench voice`: the voice line without a phone line.

Both place calls through the same signed webhooks Twilio would use (telephony.simulator). By default
the gateway runs in this process (the web app's /voice/* routes with a throwaway signing key) against
the running Rasa server and action server (`make run`); ``--web-url`` calls a running web app instead,
signing with its TWILIO_AUTH_TOKEN over its HOTLINE_PUBLIC_URL.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import typer
import yaml

from hotline.commands.common import console, fail
from settings import PROJECT_ROOT, Settings, load_settings
from telephony.config import VoiceConfig
from telephony.numbers import spell_digits
from telephony.simulator import SimulatedCall, Transport, Twiml

ESPEAK_VOICE = "cmn-latn-pinyin"  # `cmn` / `zh` read the pinyin with English rules
ESPEAK_SPEED = 158  # words per minute: espeak-ng's 175 at the 90% rate the carrier speaks at
GREETING_LIMIT, REPROMPT_LIMIT = 12.0, 6.0
# Said again after silence or a miss (the assistant's own fallback included): each ≤ 6 s.
REPROMPTS = (
    "reprompt_menu",
    "reprompt_1",
    "reprompt_question",
    "reprompt_2",
    "phone_entry_again",
    "ticket_entry_again",
    "bad_key",
    "utter_default (voice)",
)
SAMPLE = {
    "last4": "5678",
    "number": "幺三九，幺二三四，五六七八",
    "name": "幺二三幺五市场监管热线",
    "anything_else": "还有别的问题吗？",
    "question": "请问是在哪个区县？",
}
KEYS = re.compile(r"^[0-9*#]+$")


# ---- where the calls go -----------------------------------------------------------------------------
@dataclass
class Line:
    transport: Transport
    public_url: str
    auth_token: str


def _http_transport(web_url: str) -> Transport:
    client = httpx.Client(base_url=web_url.rstrip("/"), timeout=30)

    def post(path: str, fields: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str, Mapping[str, str]]:
        response = client.post(path, data=dict(fields), headers=dict(headers))
        return response.status_code, response.text, response.headers

    return post


@contextmanager
def voice_line(web_url: str | None, settings: Settings) -> Iterator[Line]:
    """The running web app (``web_url``), or the web app's voice routes in this process."""
    if web_url:
        if not (settings.twilio_auth_token and settings.public_url):
            fail("--web-url needs TWILIO_AUTH_TOKEN and HOTLINE_PUBLIC_URL, as the web app has them.")
        yield Line(_http_transport(web_url), settings.public_url, settings.twilio_auth_token)
        return
    from fastapi.testclient import TestClient

    from webapp.app import create_app

    token = secrets.token_hex(16)
    local = Settings.from_values(
        **{
            name: getattr(settings, name)
            for name in ("var_dir", "city_dir", "database_url", "rasa_url", "session_secret")
            if getattr(settings, name) is not None
        },
        public_url="https://voice.local",
        twilio_auth_token=token,
        sweep_interval_seconds=0,
        retention_interval_seconds=0,
    )
    # As a context manager the test client keeps one event loop (as uvicorn does), so the gateway's
    # connection pool to Rasa lives across turns; its lifespan closes the app's services at the end.
    with TestClient(create_app(local)) as client:

        def post(
            path: str, fields: Mapping[str, str], headers: Mapping[str, str]
        ) -> tuple[int, str, Mapping[str, str]]:
            response = client.post(path, data=dict(fields), headers=dict(headers))
            return response.status_code, response.text, response.headers

        yield Line(post, local.public_url, token)


def _check_rasa(settings: Settings) -> None:
    try:
        httpx.get(f"{settings.rasa_url}/webhooks/voice/", timeout=5).raise_for_status()
    except httpx.HTTPError:
        fail(f"No Rasa voice channel at {settings.rasa_url}: start the assistant with `make run`.")


# ---- speaking prompts with espeak-ng ------------------------------------------------------------------
def speak_to_file(text: str, wav: Path) -> None:
    if not shutil.which("espeak-ng"):
        fail("espeak-ng is not installed: `make setup-voice` installs espeak-ng and sox.")
    subprocess.run(
        ["espeak-ng", "-v", ESPEAK_VOICE, "-s", str(ESPEAK_SPEED), "-w", str(wav), text],
        check=True,
        capture_output=True,
    )


def duration(wav: Path) -> float:
    if not shutil.which("soxi"):
        fail("sox is not installed: `make setup-voice` installs espeak-ng and sox.")
    return float(subprocess.run(["soxi", "-D", str(wav)], check=True, capture_output=True, text=True).stdout)


def play(text: str, wav_dir: Path | None, index: int) -> None:
    target = (wav_dir or Path(tempfile.gettempdir())) / f"prompt-{index:03d}.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    speak_to_file(text, target)
    if wav_dir is None and shutil.which("play"):
        subprocess.run(["play", "-q", str(target)], check=False)
    elif wav_dir is not None:
        console.print(f"[dim]    ({target})[/dim]")


# ---- hotline call ---------------------------------------------------------------------------------------
def _awaits(document: Twiml) -> str:
    gather = document.gather
    if gather is not None:
        if gather.get("finishOnKey") == "#":
            return "请按键输入号码，以 # 结束（也可以说出来）"
        return "请说话，或按一个键"
    for tag, what in (("Dial", "转接"), ("Enqueue", "排队等待人工坐席"), ("Record", "录音留言"), ("Hangup", "挂机")):
        if document.find(tag) is not None:
            return what
    return ""


def call(
    web_url: str = typer.Option(None, help="A running web app (default: the voice routes in this process)"),
    caller: str = typer.Option("+8613812345678", help="The calling number, as the carrier gives it"),
    speak: bool = typer.Option(False, "--speak", help="Speak the prompts with espeak-ng (through sox's play)"),
    wav_dir: Path = typer.Option(None, help="With --speak: write each prompt to a WAV file here instead"),
) -> None:
    """A terminal softphone: place a call to the voice line and talk to it by typing.

    Type what you would say; digits alone (e.g. 2, or 13912345678#) are key presses; an empty line is
    silence; /hangup (or Ctrl-D) hangs up.
    """
    settings = load_settings()
    if not web_url:
        _check_rasa(settings)
    with voice_line(web_url, settings) as line:
        phone = SimulatedCall(line.transport, line.public_url, line.auth_token, caller=caller)
        exchange = phone.start()
        index = 0
        while True:
            if exchange.status != 200 or exchange.twiml is None:
                fail(f"The voice line answered {exchange.status}.")
            document = exchange.twiml
            index += 1
            console.print(f"[bold green]热线：[/bold green]{document.said}")
            if speak and document.said:
                play(document.said, wav_dir, index)
            awaits = _awaits(document)
            console.print(f"[dim]  ({awaits})[/dim]")
            if document.gather is None:
                if document.find("Dial") is not None:
                    connected = _ask("接通了吗？(y/n)", "y") == "y"
                    exchange = phone.callback(DialCallStatus="completed" if connected else "no-answer")
                elif document.find("Enqueue") is not None:
                    answered = _ask("坐席接听了吗？(y/n，n 表示队列已满)", "y") == "y"
                    exchange = phone.callback(QueueResult="bridged" if answered else "queue-full")
                elif document.find("Record") is not None:
                    _ask("（留言，说完回车）", "")
                    exchange = phone.callback(RecordingUrl=f"softphone://{phone.call_sid}", RecordingDuration="20")
                else:
                    break
                continue
            try:
                typed = input("您：").strip()
            except EOFError:
                typed = "/hangup"
            if typed == "/hangup":
                break
            if typed and KEYS.match(typed):
                exchange = phone.press(typed.rstrip("#"))
            elif typed:
                exchange = phone.say(typed)
            else:
                exchange = phone.silence()
        phone.hang_up()
        console.print("[dim]☎ 已挂机[/dim]")


def _ask(question: str, default: str) -> str:
    try:
        return input(f"{question} ").strip().lower() or default
    except EOFError:
        return default


# ---- hotline bench voice --------------------------------------------------------------------------------
# Each script is one call: ("say", text) / ("press", keys) / ("silence", "") / ("callback", "Field=value").
SCRIPTS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("say", "怎么办理居住证"), ("say", "需要带什么材料"), ("press", "0")),
    (("say", "公积金怎么提取"), ("silence", ""), ("silence", ""), ("silence", "")),
    (
        ("press", "2"),
        ("say", "小区门口的烧烤摊每天半夜都很吵，严重影响休息"),
        ("say", "山阳区塔南路幸福小区门口"),
        ("press", "2"),
        ("press", "13912345678"),
        ("press", "1"),
        ("press", "1"),
    ),
    (("say", "我在商场买的衣服质量有问题，商家不给退货，我要投诉"), ("press", "1")),
    (("say", "楼下着火了，好大的烟"),),
    (("say", "退休手续怎么办"), ("say", "再见"), ("press", "5")),
)


@dataclass
class VoiceBench:
    overhead_ms: list[float] = field(default_factory=list)  # gateway minus assistant, per webhook
    turn_ms: list[float] = field(default_factory=list)  # webhook in → TwiML out, as the carrier sees it
    client_overhead_ms: list[float] = field(default_factory=list)  # turn minus assistant (HTTP included)
    assistant_ms: list[float] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    last_xml: list[str] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_scripts(line: Line, rounds: int, progress: Callable[[int], None] | None = None) -> VoiceBench:
    bench = VoiceBench()
    done = 0
    for _ in range(rounds):
        for script in SCRIPTS:
            phone = SimulatedCall(line.transport, line.public_url, line.auth_token)
            phone.start()
            for action, value in script:
                if phone.last is None or phone.last.next_url is None:
                    break
                if action == "say":
                    phone.say(value)
                elif action == "press":
                    phone.press(value)
                else:
                    phone.silence()
            phone.hang_up()
            for exchange in phone.exchanges:
                if exchange.twiml is None or exchange.gateway_ms is None:
                    continue
                assistant = exchange.assistant_ms or 0.0
                bench.overhead_ms.append(exchange.gateway_ms - assistant)
                bench.turn_ms.append(exchange.seconds * 1000)
                bench.client_overhead_ms.append(exchange.seconds * 1000 - assistant)
                if assistant:
                    bench.assistant_ms.append(assistant)
            if not bench.transcript:
                bench.transcript = phone.transcript()
                bench.last_xml = [e.twiml.xml for e in phone.exchanges if e.twiml is not None]
            done += 1
            if progress:
                progress(done)
    return bench


def voice_prompts(config: VoiceConfig) -> dict[str, str]:
    """Every prompt the caller may hear from the gateway and from the domain's voice responses."""
    named = {name: text.format(**SAMPLE) for name, text in config.prompts.named().items()}
    prompts = {"greeting+menu": named["greeting"] + named["menu"], **named}
    domain = yaml.safe_load((PROJECT_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in (domain.get("responses") or {}).items():
        for variant in variants:
            if variant.get("channel") == "voice" and variant.get("text"):
                prompts[f"{name} (voice)"] = variant["text"]
    return {name: "".join(spell_digits(c) if c.isdigit() else c for c in text) for name, text in prompts.items()}


def measure_prompts(config: VoiceConfig) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for index, (name, text) in enumerate(voice_prompts(config).items()):
            wav = Path(folder) / f"{index}.wav"
            speak_to_file(text, wav)
            seconds = duration(wav)
            limit = GREETING_LIMIT if name == "greeting+menu" else REPROMPT_LIMIT if name in REPROMPTS else None
            rows.append({"prompt": name, "text": text, "seconds": round(seconds, 2), "limit": limit})
    return rows


def bench_voice(
    rounds: int = typer.Option(3, min=1, help="How many times to place each scripted call"),
    web_url: str = typer.Option(None, help="A running web app (default: the voice routes in this process)"),
    prompts_only: bool = typer.Option(False, "--prompts-only", help="Only the prompts' spoken durations"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
    transcript: bool = typer.Option(False, help="Also print the first call's transcript and TwiML"),
) -> None:
    """Gateway overhead and whole-turn latency per webhook (p50/p95), and every prompt's spoken
    duration (espeak-ng -v cmn-latn-pinyin + soxi -D): greeting+menu ≤ 12 s, re-prompts ≤ 6 s."""
    settings = load_settings()
    config = VoiceConfig.load(settings.city_dir)
    rows = measure_prompts(config)
    summary: dict[str, object] = {"prompts": rows}
    bench = VoiceBench()
    if not prompts_only:
        if not web_url:
            _check_rasa(settings)
        started = time.perf_counter()
        with voice_line(web_url, settings) as line:
            bench = run_scripts(line, rounds)
        summary.update(
            {
                "calls": rounds * len(SCRIPTS),
                "webhooks": len(bench.turn_ms),
                "seconds": round(time.perf_counter() - started, 1),
                "gateway_overhead_ms": {
                    "p50": round(statistics.median(bench.overhead_ms), 2),
                    "p95": round(percentile(bench.overhead_ms, 0.95), 2),
                    "target_p95": 50,
                },
                "client_overhead_ms": {
                    "p50": round(statistics.median(bench.client_overhead_ms), 2),
                    "p95": round(percentile(bench.client_overhead_ms, 0.95), 2),
                },
                "turn_ms": {
                    "p50": round(statistics.median(bench.turn_ms), 1),
                    "p95": round(percentile(bench.turn_ms, 0.95), 1),
                    "target_p95": 800,
                },
                "assistant_ms": {
                    "p50": round(statistics.median(bench.assistant_ms or [0.0]), 1),
                    "p95": round(percentile(bench.assistant_ms, 0.95), 1),
                },
            }
        )
    if as_json:
        if transcript:
            summary["transcript"] = bench.transcript
            summary["twiml"] = bench.last_xml
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    for row in rows:
        limit = row["limit"]
        seconds = float(str(row["seconds"]))
        mark = "" if limit is None else f"  {'✓' if seconds <= float(str(limit)) else '✗ over'} ≤ {limit} s"
        console.print(f"{seconds:>6.2f} s  {row['prompt']}{mark}")
    for key in ("calls", "webhooks", "seconds", "gateway_overhead_ms", "client_overhead_ms", "turn_ms", "assistant_ms"):
        if key in summary:
            console.print(f"{key}: {summary[key]}")
    if transcript:
        console.print("\n".join(bench.transcript))
        for xml in bench.last_xml:
            console.print(xml, markup=False)
