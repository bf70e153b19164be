from __future__ import annotations

import io
import json
import logging

import pytest

from hotline.privacy import (
    PiiMaskingFilter,
    install_log_masking,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("0391-3568888", "0391-***8888"),
        ("03913568888", "0391***8888"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_mask_id_number() -> None:
    assert mask_id_number("410802199001011234") == "410802********1234"
    assert mask_id_number("41080219900101123X") == "410802********123X"
    assert mask_id_number("410802900101123") == "410802*****1123"


@pytest.mark.parametrize("name, masked", [("张三丰", "张**"), ("李四", "李*"), ("欧阳娜娜", "欧***"), ("王", "*")])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_text_masks_every_personal_number() -> None:
    text = "我叫张三，手机13812345678，另一个号138-1234-5678，身份证41080219900101123X，家里座机0391-3568888"
    masked = mask_text(text)
    assert masked == (
        "我叫张三，手机138****5678，另一个号138-****-5678，身份证410802********123X，家里座机0391-***8888"
    )
    for secret in ("12345678", "1234-5678", "19900101", "3568888"):
        assert secret not in masked


def test_mask_text_leaves_service_and_ticket_numbers() -> None:
    text = "请拨打12345或110，工单JZ20261122-0001，2026年11月22日，金额300元"
    assert mask_text(text) == text


def test_mask_text_is_idempotent() -> None:
    once = mask_text("电话13812345678")
    assert mask_text(once) == once


def _capturing_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(PiiMaskingFilter())
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_filter_masks_message_and_args() -> None:
    logger, stream = _capturing_logger("test.privacy.args")
    logger.info("caller %s id %s", "13812345678", "410802199001011234")
    logger.info("caller %d", 13812345678)
    logger.info("plain message 13912345678")
    output = stream.getvalue()
    assert "13812345678" not in output and "13912345678" not in output
    assert "410802199001011234" not in output
    assert "caller 138****5678 id 410802********1234" in output
    assert "caller 138****5678\n" in output
    assert "plain message 139****5678" in output


def test_filter_masks_tracebacks() -> None:
    logger, stream = _capturing_logger("test.privacy.exc")
    try:
        raise ValueError("bad phone 13812345678")
    except ValueError:
        logger.exception("failed for %s", "13812345678")
    output = stream.getvalue()
    assert "13812345678" not in output
    assert "ValueError: bad phone 138****5678" in output


def test_install_log_masking_is_not_added_twice() -> None:
    handler = logging.StreamHandler(io.StringIO())
    install_log_masking([handler])
    install_log_masking([handler])
    assert sum(isinstance(f, PiiMaskingFilter) for f in handler.filters) == 1


# ---- full-width, split and escaped numbers ----------------------------------------------------
FULL_WIDTH_PHONE = "１３８１２３４５６７８"
FULL_WIDTH_ID = "４１０８０２１９９００１０１１２３４"


@pytest.mark.parametrize(
    "text, masked",
    [
        (f"手机{FULL_WIDTH_PHONE}。", "手机１３８****５６７８。"),
        ("手机１３８－１２３４－５６７８", "手机１３８－****－５６７８"),
        ("手机138\u30001234\u30005678", "手机138\u3000****\u30005678"),
        ("手机１３８ 1234 ５６７８", "手机１３８ **** ５６７８"),
        (f"身份证{FULL_WIDTH_ID}", "身份证４１０８０２********１２３４"),
        ("身份证４１０８０２１９９００１０１１２３Ｘ", "身份证４１０８０２********１２３Ｘ"),
        ("身份证 410802 19900101 1234", "身份证 410802 ******** 1234"),
        ("座机０３９１－３５６８８８８", "座机０３９１－***８８８８"),
    ],
)
def test_mask_text_masks_other_widths_and_separators(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_mask_text_keeps_everything_but_the_masked_digits() -> None:
    text = "ＡＢＣ，ｆｕｌｌ－ｗｉｄｔｈ ①② 电话：１３８１２３４５６７８！"
    assert mask_text(text) == "ＡＢＣ，ｆｕｌｌ－ｗｉｄｔｈ ①② 电话：１３８****５６７８！"


def test_mask_text_masks_escaped_numbers() -> None:
    url = "GET /api/x?q=" + "".join(f"%{b:02X}" for b in FULL_WIDTH_PHONE.encode()) + " HTTP/1.1"
    assert "****" in mask_text(url) and mask_text(url).startswith("GET /api/x?q=%EF%BC%91")
    as_json = json.dumps({"text": f"电话{FULL_WIDTH_PHONE}，身份证{FULL_WIDTH_ID}"})
    assert json.loads(mask_text(as_json))["text"] == "电话１３８****５６７８，身份证４１０８０２********１２３４"
    as_bytes = repr(f"电话{FULL_WIDTH_PHONE}".encode())
    assert eval(mask_text(as_bytes)).decode() == "电话１３８****５６７８"  # noqa: S307 - a bytes literal


def test_mask_text_hides_tokens_in_urls() -> None:
    assert mask_text("POST /webhook?token=s3cr3t-Value&x=1") == "POST /webhook?token=***&x=1"


def test_mask_phone_full_width() -> None:
    assert mask_phone(FULL_WIDTH_PHONE) == "１３８****５６７８"


def test_filter_masks_numbers_split_across_arguments() -> None:
    logger, stream = _capturing_logger("test.privacy.split")
    logger.info("caller %s%s id %s-%s", "138", "12345678", "410802", "199001011234")
    logger.info("caller %s", "１３８1234" + "５６７８")
    output = stream.getvalue()
    assert "caller 138****5678 id 410802-********1234" in output
    assert "caller １３８****５６７８" in output


def test_filter_masks_ids_in_tracebacks_and_extras() -> None:
    logger, stream = _capturing_logger("test.privacy.id_exc")
    try:
        {"id": "410802199001011234"}["missing" + FULL_WIDTH_ID]
    except KeyError:
        logger.exception("lookup failed", extra={"request": f"GET /x?id={FULL_WIDTH_ID}"})
    logger.handlers[0].setFormatter(logging.Formatter("%(request)s %(message)s"))
    logger.info("again", extra={"request": "POST /tel/13812345678"})
    output = stream.getvalue()
    for secret in ("410802199001011234", FULL_WIDTH_ID, "13812345678", "１９９００１０１"):
        assert secret not in output
    assert "KeyError: 'missing４１０８０２********１２３４'" in output
    assert "POST /tel/138****5678 again" in output
