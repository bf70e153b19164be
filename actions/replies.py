"""Caller-facing reply texts, kept apart from rasa-sdk so they can be tested alone.

Every reply must also work when read aloud: short sentences, no meaning carried
only by layout, numbers written so a speech engine reads them plainly.
"""

from __future__ import annotations

import re
from datetime import date

from knowledge_base.answer_forms import CHAT_LIMIT, AnswerBody
from knowledge_base.entry import KnowledgeEntry
from routing.emergency import DEFAULT_NUMBERS, emergency_message


def cite(entry: KnowledgeEntry) -> str:
    """'来源：《…》（文号）…；责任部门：…'."""
    text = f"来源：{entry.source.citation()}"
    if entry.source.issuer and entry.source.issuer not in entry.source.title:
        text += f"，{entry.source.issuer}"
    if entry.department:
        text += f"；责任部门：{entry.department}"
    return text + "。"


def chinese_date(iso: str) -> str:
    """'2025-12-31' → '2025年12月31日', as a caller would say and hear it."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日"


def _validity(entry: KnowledgeEntry) -> str:
    return f"（有效期至{chinese_date(entry.valid_to)}）" if entry.valid_to else ""


def _offer(entry: KnowledgeEntry) -> str:
    return "需要完整的办事指南吗？" if entry.facets else "需要完整内容吗？"


def answer_budget(entry: KnowledgeEntry, limit: int = CHAT_LIMIT) -> int:
    """Characters left for the answer body once validity, source line and offer are added."""
    return limit - len(_validity(entry)) - len(cite(entry)) - len(_offer(entry)) - 3


def knowledge_answer(entry: KnowledgeEntry, body: AnswerBody) -> str:
    """The body, its validity, the source line, and an offer of the rest when something was left out."""
    offer = f"\n{_offer(entry)}" if body.truncated else ""
    return f"{body.text}{_validity(entry)}\n{cite(entry)}{offer}"


def spoken_answer(entry: KnowledgeEntry, body: AnswerBody) -> str:
    """On the phone: the voice form and its validity, the source named briefly (the responsible
    department), no citation line and no offer that needs a screen."""
    source = entry.department or entry.source.issuer
    named = f"责任部门是{source}。" if source and source not in body.text else ""
    return f"{body.text.rstrip()}{_validity(entry)}{named}"


SMS_LIMIT = 300


def sms_answer(entry: KnowledgeEntry, body: AnswerBody) -> str:
    """The written answer with its source line, for an SMS (at most SMS_LIMIT characters)."""
    text = f"{body.text.strip()}{_validity(entry)}\n{cite(entry)}"
    return text if len(text) <= SMS_LIMIT else text[: SMS_LIMIT - 1] + "…"


def expired_answer(entry: KnowledgeEntry) -> str:
    return (
        f"您问的可能是{entry.source.citation()}中的规定，但这项政策已于{chinese_date(entry.valid_to)}到期，"
        "现在不能按它办理。最新规定我这里还没有收录，建议转人工客服为您核实。"
    )


def ask_which_service(facet_label: str) -> str:
    """An elliptical follow-up with no matter under discussion yet."""
    what = f"的{facet_label}" if facet_label else ""
    return f"您问的是哪项业务{what}？请说一下业务名称，比如办居住证、办退休、开饭店。"


def topic_cleared() -> str:
    return "抱歉，没答到点上。请您换个说法再说一遍想办的事，或者说“转人工”。"


def full_guide_declined() -> str:
    return "好的。还有别的问题吗？"


def not_sure(voice: bool = False) -> str:
    if voice:
        return "这个问题我没有把握，不想给您说错。人工服务请按0；要反映问题，请说“我要反映问题”。"
    return (
        "这个问题我没有找到有把握的答案，不想给您说错。"
        "您可以说“转人工”，由工作人员为您解答；如果是需要处理的问题，也可以说“我要反映问题”，我帮您登记工单。"
    )


# What the read-back calls the caller's words, per work-order kind.
_KIND_SUBJECT = {"建议": "您的建议", "表扬": "您要表扬的是", "求助": "您求助的事情", "投诉": "您反映的问题"}
NO_PHONE = "未留"


READ_BACK_MARK = "我跟您核对一下"


def submit_busy() -> str:
    return "系统有点忙，刚才没能提交。我再跟您核对一遍，没问题请说“对”。"


def read_back(
    description: str, location: str, district: str, phone: str, kind: str = "投诉", voice: bool = False
) -> str:
    subject = _KIND_SUBJECT.get(kind, "您反映的问题")
    parts = [f"{READ_BACK_MARK}：{subject}是“{description}”"]
    place = location if (not district or district in location) else f"{district}{location}"
    if place:
        parts.append(f"地点是{place}")
    if phone and phone != NO_PHONE:
        parts.append(f"联系电话是{spaced_digits(phone)}")
    if voice:
        return "，".join(parts) + "。没问题请按1或说“对”；要修改请按2或说“不对”。"
    return "，".join(parts) + "。信息没问题请说“对”，需要修改请说“不对”，也可以直接说正确的内容。"


ADDRESS_DETAIL_MARK = "具体在哪条路"


def ask_address_detail(district: str) -> str:
    return (
        f"好的，在{district}。请再说一下{ADDRESS_DETAIL_MARK}、哪个小区或村，说不清楚的话，说个附近的标志性建筑也可以。"
    )


def ask_what_to_correct() -> str:
    return "好的，哪一项需要改？请直接说正确的内容，比如“地点是山阳区焦东路”或者“电话是……”。不想提交了请说“取消”。"


def work_order_created(
    number: str,
    department: str,
    local_government: str | None,
    kind: str = "投诉",
    voice: bool = False,
    needs_review: bool = False,
) -> str:
    """Confirmation read to the caller; an order awaiting an agent's routing check is not called 转交 yet."""
    spoken = spoken_ticket_number(number) if voice else number
    if kind in ("建议", "表扬"):
        return f"谢谢您！您的{kind}已经记录，编号是{spoken}。我们会转给{department}。您也可以随时报编号查询办理情况。"
    if needs_review or not department:
        return (
            f"您的诉求已受理，工单号是{spoken}。话务员会先确认由哪个部门承办，再尽快转办。您可以随时报工单号查询进度。"
        )
    co = f"，并同时交{local_government}属地处理" if local_government and local_government != department else ""
    return (
        f"您的诉求已受理，工单号是{spoken}。已转交{department}办理{co}。"
        "承办部门会尽快联系您，您也可以随时报工单号查询进度。"
    )


def work_order_deferred(reference: str, voice: bool = False) -> str:
    """The database could not take the order in time: it is safe in the outbox, say so plainly."""
    shown = " ".join(reference) if voice else reference
    return (
        f"您反映的问题已经记录下来了，受理编号是{shown}。系统正忙，工单号稍后生成，"
        "您可以稍后凭受理编号和电话后四位查询进度，或拨打12345查询。"
    )


def spoken_ticket_number(number: str) -> str:
    """'JZ20261122-0001' → 'J Z 2026 1122 0001' so a speech engine reads it digit group by group."""
    match = re.fullmatch(r"([A-Z]+)(\d{4})(\d{4})-(\d+)", number or "")
    if not match:
        return number
    letters, year, day, seq = match.groups()
    return f"{' '.join(letters)} {year} {day} {seq}"


def urged(number: str, department: str | None, voice: bool = False) -> str:
    spoken = spoken_ticket_number(number) if voice else number
    whom = department or "承办部门"
    return f"已经为您催办工单{spoken}。我们会提醒{whom}尽快办理并联系您。"


def urge_closed(number: str, status: str) -> str:
    return (
        f"工单{number}目前的状态是“{status}”，已经办完了，不能再催办。"
        "如果您对办理结果不满意，可以说“我要投诉”重新反映，或者说“转人工”。"
    )


VOICE_TICKET_ENTRY = "可以说出来，也可以用按键输入工单号里的12位数字，输完按井号键。"


def ask_ticket_number_to_urge(voice: bool = False) -> str:
    if voice:
        return f"请告诉我要催办的工单号。{VOICE_TICKET_ENTRY}"
    return "请告诉我要催办的工单号，比如JZ20261122-0001。"


def emergency(number: str, advice: str) -> str:
    """The number first (routing.emergency.emergency_message, also used by the web app)."""
    return emergency_message(number, advice)


def emergency_caveat(numbers: dict[str, str] | None = None) -> str:
    """Said before answering a message the NLU took for an emergency but whose words name none."""
    merged = {**DEFAULT_NUMBERS, **(numbers or {})}
    return f"如果有紧急危险，请直接拨打{merged['police']}、{merged['fire']}或{merged['medical']}。"


def satisfaction_thanks(score: int) -> str:
    if score >= 4:
        return f"收到您的{score}分评价，谢谢您的认可。感谢您的来电，再见。"
    return f"收到您的{score}分评价，我们会认真改进。感谢您的来电，再见。"


def satisfaction_retry() -> str:
    return "请说1到5之间的一个分数，5分是非常满意，1分是非常不满意。不想评价请说“不评了”。"


def satisfaction_skipped() -> str:
    return "好的，不打扰您了。感谢您的来电，再见。"


def ticket_status(number: str, status: str, department: str, updated_at: str, note: str = "") -> str:
    text = f"工单{number}目前的状态是“{status}”，承办部门是{department}，最近一次更新在{updated_at}。"
    return text + (f"最新进展：{note}" if note else "")


def ticket_not_found(number: str) -> str:
    return f"没有查到工单号{number}的记录，请核对一下号码。工单号的格式是JZ加八位日期、横线和四位序号。"


def ask_phone_last4(number: str, urge: bool = False, wrong: bool = False, locked: bool = False) -> str:
    """A number alone does not show someone's order: ask for the phone's last four digits."""
    if locked:
        return "核对次数太多了，为了安全，这张工单暂时不能在这里查询。请稍后再试，或者拨打12345人工查询。"
    if wrong:
        return "电话后四位对不上，请核对登记的联系电话，再告诉我后四位。"
    what = "催办" if urge else "查询"
    return f"为了保护来电人的信息，{what}工单{number}需要核对登记电话的后四位，请告诉我这四位数字。"


def ticket_lookup_unavailable() -> str:
    return "工单系统暂时忙不过来，请稍后再查，或者拨打12345人工查询。"


def ask_ticket_number(voice: bool = False) -> str:
    if voice:
        return f"请告诉我您的工单号。{VOICE_TICKET_ENTRY}"
    return "请告诉我您的工单号，比如JZ20261122-0001，我帮您查询办理进度。"


def spaced_digits(number: str) -> str:
    """Group a phone number 3-4-4 so it is read back digit by digit, not as an amount."""
    digits = number.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return number
