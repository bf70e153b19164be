"""Fuzzing the web app (issue 14, item 7): every operation of its OpenAPI schema through
schemathesis, and the chat path with property-based messages through hypothesis.

Whatever comes in: no 5xx, no stack trace, the JSON error contract, and no echo of a caller's
personal data. The number of cases run is written to ``var/reports/fuzz_cases.json``.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from knowledge_base.encoder import Encoder
from knowledge_base.guides import guide_entries
from knowledge_base.index import build_index
from knowledge_base.index_files import save_index
from settings import PROJECT_ROOT, Settings, load_settings
from tests.unit.fake_rasa import running_fake_rasa
from tickets.store import NewWorkOrder, TicketStore

PHONE, ID_NUMBER, ADDRESS = "13912345678", "410802199001011234", "塔南路88号3单元"
DEPARTMENT_TOKEN, AGENT_TOKEN = "dept-" + "d" * 40, "agent-" + "a" * 40
CASES: Counter[str] = Counter()
REPORT = PROJECT_ROOT / "var" / "reports" / "fuzz_cases.json"
INJECTIONS = [
    "'; DROP TABLE work_orders; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://x/a}",
    "../../etc/passwd",
    "%00",
    "\x00",
    "\\u0000",
    "1' OR '1'='1",
    "<img src=x onerror=alert(1)>",
]
PERSONAL = [PHONE, ID_NUMBER, "１３９１２３４５６７８", ADDRESS]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[object]:
    from webapp.app import create_app

    workdir = tmp_path_factory.mktemp("fuzz")
    # The agents' suggestions search a real index (a missing one would answer 503).
    guides = guide_entries(PROJECT_ROOT / "cities" / "jiaozuo" / "knowledge" / "guides.yaml")
    save_index(build_index(guides, encoder), workdir / "kb", encoder.name)
    database_url = f"sqlite:///{workdir / 'fuzz.db'}"
    with running_fake_rasa() as rasa_url:
        configured = Settings.from_values(
            database_url=database_url,
            var_dir=workdir / "var",
            index_dir=workdir / "kb",
            model_dir=load_settings().model_dir,
            rasa_url=rasa_url,
            api_docs=True,
            sweep_interval_seconds=0,
            retention_interval_seconds=0,
            chat_rate="100000/60",
            lookup_rate="100000/60",
            department_tokens=json.dumps({"市城管局": DEPARTMENT_TOKEN}),
            agent_tokens=json.dumps({"坐席01": AGENT_TOKEN}),
        )
        store = TicketStore(database_url, prefix="JZ")
        for index in range(3):
            store.create_work_order(
                NewWorkOrder(
                    kind="投诉",
                    description=f"楼道灯坏了，身份证{ID_NUMBER}，电话{PHONE}（{index}）",
                    district="山阳区",
                    address=ADDRESS,
                    phone=PHONE,
                    department="市城管局",
                    conversation_id=f"c{index}",
                )
            )
        store.close()
        application = create_app(configured)
        yield application
        application.state.services.close()


def check_response(status: int, body: bytes, content_type: str, sent: str) -> None:
    text = body.decode("utf-8", errors="replace")
    assert status < 500, text[:300]
    assert "Traceback" not in text and 'File "' not in text
    if status >= 400:
        assert content_type.startswith("application/json"), content_type
        assert set(json.loads(text)) == {"error", "message"}, text[:300]
        for secret in PERSONAL:  # an error never repeats what was sent
            assert not (secret in sent and secret in text), text[:300]


def _content_type(response: object) -> str:
    value = response.headers.get("content-type", "")
    return value[0] if isinstance(value, list) else value


def test_every_operation_survives_generated_input(app: object) -> None:
    """Each operation of the schema gets up to 30 valid and 30 invalid generated requests
    (schemathesis' own pytest plugin does not load under pytest 9, so its strategies are driven
    directly by hypothesis)."""
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15

    for operation, mode in itertools.product(operations, GenerationMode):
        token = AGENT_TOKEN if operation.path.startswith("/api/agent") else DEPARTMENT_TOKEN

        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy(mode))
        def run(case: object) -> None:
            # run() is called right below, inside this iteration: the loop variables are the current ones
            response = case.call(headers={"Authorization": f"Bearer {token}"})  # noqa: B023
            CASES[f"{case.method} {case.path} ({mode.value})"] += 1  # noqa: B023
            sent = json.dumps(case.body, ensure_ascii=False, default=str)
            check_response(response.status_code, response.content, _content_type(response), sent)

        run()


messages = st.one_of(
    st.text(max_size=3000),
    st.text(alphabet=st.characters(codec="utf-8", categories=("Lo", "So", "Cc", "Cf", "Zs", "Nd")), max_size=200),
    st.text(alphabet="０１２３４５６７８９１３８－（）", max_size=40),
    st.sampled_from(INJECTIONS),
    st.builds(lambda a, b: a + b, st.sampled_from(PERSONAL), st.text(max_size=20)),
    st.just("投诉" * 5000),
    st.just(""),
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(message=messages, surrogate=st.booleans())
def test_chat_survives_any_message(app: object, message: str, surrogate: bool) -> None:
    client = TestClient(app)
    body = json.dumps({"message": message + ("\ud800" if surrogate else "")})
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    CASES["POST /api/chat (hypothesis)"] += 1
    assert response.status_code in (200, 413, 422), response.text[:300]
    check_response(response.status_code, response.content, response.headers["content-type"], message)
    if response.status_code >= 400:
        assert message[:50] not in response.text or len(message) < 4


def test_zz_report_the_number_of_cases() -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps({"total": sum(CASES.values()), "by_operation": dict(CASES)}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    assert sum(CASES.values()) > 0
