"""Content checks for the Jiaozuo knowledge files: guides.yaml, services.yaml and faq.yaml."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from knowledge_base.entry import KnowledgeEntry
from knowledge_base.faq import faq_entries
from knowledge_base.guides import (
    guide_entries,
    guide_to_entry,
    load_guides,
    render_formal_text,
    render_plain_text,
    render_voice,
    spoken_form,
)

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo" / "knowledge"
GUIDES_PATH = KNOWLEDGE_DIR / "guides.yaml"
FAQ_PATH = KNOWLEDGE_DIR / "faq.yaml"

# 名称 and 牵头部门 of the 21 items in the annex table of 焦政办〔2024〕21号.
ANNEX_LEADS = {
    "企业信息变更“一件事”": "市市场监管局",
    "开办运输企业“一件事”": "市交通运输局",
    "开办餐饮店“一件事”": "市市场监管局",
    "水电气网联合报装“一件事”": "市城管局",
    "信用修复“一件事”": "市发展改革委",
    "企业上市合法合规信息核查“一件事”": "市发展改革委、市行政审批政务信息管理局",
    "企业破产信息核查“一件事”": "市行政审批政务信息管理局",
    "企业注销登记“一件事”": "市市场监管局",
    "新生儿出生“一件事”": "市卫生健康委",
    "教育入学“一件事”": "市教育局",
    "社会保障卡居民服务“一件事”": "市人力资源社会保障局",
    "残疾人服务“一件事”": "市残联",
    "退休“一件事”": "市人力资源社会保障局",
    "企业迁移登记“一件事”": "市市场监管局",
    "企业数据填报“一件事”": "市市场监管局、市税务局、市统计局",
    "大件运输“一件事”": "市交通运输局",
    "就医费用报销“一件事”": "市医保局",
    "住房公积金个人住房贷款购房“一件事”": "市住房公积金中心",
    "申请公租房“一件事”": "市住房保障中心",
    "退役军人服务“一件事”": "市退役军人局",
    "留学服务“一件事”": "市教育局",
}

URL = re.compile(r"https?://|www\.", re.IGNORECASE)


@pytest.fixture(scope="module")
def guides():
    return load_guides(GUIDES_PATH)


@pytest.fixture(scope="module")
def guide_kb() -> list[KnowledgeEntry]:
    return guide_entries(GUIDES_PATH)


@pytest.fixture(scope="module")
def faqs() -> list[KnowledgeEntry]:
    return faq_entries(FAQ_PATH)


# ------------------------------------------------------------------ guides


def test_all_21_annex_items_have_a_guide_with_the_table_lead(guides):
    leads = {guide.name: guide.lead_department for guide in guides}
    assert leads == ANNEX_LEADS


def test_guides_are_numbered_in_annex_order(guides):
    for number, guide in enumerate(guides, 1):
        assert guide.id.startswith(f"guide-{number:02d}-")
        assert guide.source.section == f"附件 第{number}项"


def test_guide_required_fields_are_filled(guides):
    for guide in guides:
        for name in ("summary", "who", "time_limit", "fee", "lead_department"):
            assert getattr(guide, name).strip(), f"{guide.id}: empty {name}"
        for name in (
            "conditions",
            "materials",
            "how_and_where",
            "steps",
            "partner_departments",
            "sub_items",
            "keywords",
        ):
            assert getattr(guide, name), f"{guide.id}: empty {name}"
        assert len(guide.questions) >= 5, guide.id
        assert guide.launch in {"2024年10月底前", "2024年12月底前"}, guide.id


def test_guides_cite_the_work_plan(guides):
    for guide in guides:
        assert guide.source.title == "焦作市进一步优化政务服务提升行政效能推动“高效办成一件事”工作方案"
        assert guide.source.doc_number == "焦政办〔2024〕21号"
        assert guide.source.issuer == "焦作市人民政府办公室"
        assert guide.source.date == "2024-09-24"


def test_guides_name_online_and_offline_channels(guides):
    for guide in guides:
        channels = "".join(guide.how_and_where)
        assert "线上" in channels and "线下" in channels, guide.id


def test_guide_sub_items_match_annex_spot_checks(guides):
    by_id = {guide.id: guide for guide in guides}
    assert "企业印章刻制" in by_id["guide-01-enterprise-info-change"].sub_items
    assert "预防接种证办理" in by_id["guide-09-newborn"].sub_items
    assert "离休、退休提取住房公积金" in by_id["guide-13-retirement"].sub_items
    assert "预备役登记" in by_id["guide-20-veterans-services"].sub_items
    assert "郑州海关" in by_id["guide-07-bankruptcy-info-check"].partner_departments


def test_guide_entries_are_kind_guide_with_lead_department(guides, guide_kb):
    assert len(guide_kb) == 21
    for guide, entry in zip(guides, guide_kb, strict=True):
        assert entry.kind == "guide"
        assert entry.id == guide.id
        assert entry.department == guide.lead_department
        assert entry.questions == guide.questions
        assert entry.keywords == guide.keywords
        assert entry.is_valid_on(date(2025, 1, 1))


def test_plain_text_has_sections_and_lead_department(guides):
    for guide in guides:
        text = render_plain_text(guide)
        assert guide.lead_department in text, guide.id
        for heading in ("谁能办", "要带什么", "去哪办", "怎么办", "多久办好", "找哪个部门"):
            assert heading in text, f"{guide.id}: missing {heading}"
        # the citation travels as the entry's source (the reply adds it), not in the text
        assert guide_to_entry(guide).source.doc_number == "焦政办〔2024〕21号"
        assert "\n\n" not in text, f"{guide.id}: one block, so chat shows one message"


def test_plain_text_names_each_partner_once(guides):
    for guide in guides:
        text = render_plain_text(guide)
        partners_line = next((line for line in text.splitlines() if line.startswith("一起办理的部门")), "")
        names = [name for name in partners_line.removeprefix("一起办理的部门：").rstrip("。").split("、") if name]
        assert len(names) == len(set(names)), guide.id
        assert guide.lead_department not in names, guide.id


def test_voice_answer_is_short_spoken_text(guides):
    for guide in guides:
        voice = render_voice(guide)
        assert voice, guide.id
        assert "\n" not in voice, guide.id
        assert not URL.search(voice), guide.id
        assert len(voice) < 120, f"{guide.id}: {len(voice)} chars"
        assert not voice.lstrip().startswith(("-", "1.")), guide.id
        assert voice.endswith("。"), guide.id


# ------------------------------------------------------------------ faq


def test_at_least_45_faq_entries(faqs):
    assert len(faqs) >= 45


def test_faq_entries_are_complete(faqs):
    for entry in faqs:
        assert entry.kind == "faq"
        assert entry.id.startswith("faq-"), entry.id
        assert entry.title and entry.answer, entry.id
        assert 3 <= len(entry.questions) <= 5, entry.id
        assert entry.department, entry.id
        assert entry.keywords, entry.id
        assert 2 <= entry.answer.count("。") <= 5, entry.id
        assert " " not in entry.answer, f"{entry.id}: stray space from YAML folding"


def test_ids_unique_across_guides_and_faq(guide_kb, faqs):
    ids = [entry.id for entry in guide_kb + faqs]
    assert len(ids) == len(set(ids))


def test_every_entry_has_a_source_title(guide_kb, faqs):
    for entry in guide_kb + faqs:
        assert entry.source.title.strip(), entry.id
        assert entry.source.section.strip(), entry.id


def test_dates_parse_and_are_ordered(guide_kb, faqs):
    for entry in guide_kb + faqs:
        for value in (entry.valid_from, entry.valid_to, entry.source.date):
            if value:
                date.fromisoformat(value)
        if entry.valid_from and entry.valid_to:
            assert entry.valid_from <= entry.valid_to, entry.id


def test_time_limited_policies_expire(faqs):
    by_id = {entry.id: entry for entry in faqs}
    # "执行期限至2025年12月31日" in 焦政办〔2023〕19号.
    assert by_id["faq-hiring-tax-deduction"].valid_to == "2025-12-31"
    assert by_id["faq-graduate-business-tax"].valid_to == "2025-12-31"
    # 2023-only measures.
    assert by_id["faq-hiring-subsidy"].valid_to == "2023-12-31"
    assert by_id["faq-admin-review-quality-year"].valid_to == "2023-12-31"
    assert not by_id["faq-startup-loan-limit"].is_valid_on(date(2024, 6, 1))
    # Standing rules stay open-ended.
    assert by_id["faq-nrmm-zone"].valid_to == ""
    assert by_id["faq-nrmm-zone"].is_valid_on(date(2026, 1, 1))


def test_faq_numbers_match_the_corpus(faqs):
    answers = {entry.id: entry.answer for entry in faqs}
    assert "20万元" in answers["faq-startup-loan-limit"]
    assert "300万元" in answers["faq-startup-loan-limit"]
    assert "全额贴息" in answers["faq-startup-loan-interest"]
    assert "70%" in answers["faq-internship-subsidy"] and "110%" in answers["faq-internship-subsidy"]
    assert "五千元以上二万元以下" in answers["faq-nrmm-penalty"]
    assert "G207" in answers["faq-nrmm-zone"] and "待九路" in answers["faq-nrmm-zone"]
    assert "国道不少于20米" in answers["faq-road-control-zone"]
    assert "村道不少于3米" in answers["faq-road-control-zone"]
    assert "2023年12月31日" in answers["faq-economic-census"]
    for need in ("咨询", "投诉", "求助", "建议"):
        assert need in answers["faq-12345-scope"]


def test_required_topics_are_covered(faqs):
    text = "\n".join(entry.title + entry.answer + "".join(entry.keywords) for entry in faqs)
    for topic in (
        "创业担保贷款",
        "见习补贴",
        "扩岗",
        "零门槛落户",
        "144小时",
        "非道路移动机械",
        "建筑控制区",
        "免申即享",
        "消防安全明白人",
        "公交",
        "四进",
        "排污口",
        "行政复议",
        "经济普查",
        "有诉即办",
        "12345",
        "一件事一次办",
        "交房即交证",
        "免证可办",
    ):
        assert topic in text, topic
    assert any(entry.region == "示范区" for entry in faqs)


def test_regions_are_known_districts(faqs):
    known = {
        "",
        "解放区",
        "山阳区",
        "中站区",
        "马村区",
        "示范区",
        "修武县",
        "博爱县",
        "武陟县",
        "温县",
        "沁阳市",
        "孟州市",
    }
    for entry in faqs:
        assert entry.region in known, entry.id


# ------------------------------------------------------------------ validation


def _write_faq(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD_RECORD = """\
  - id: faq-good
    title: 好条目
    questions: [问题一？, 问题二？, 问题三？]
    answer: 第一句。第二句。
    department: 市统计局
    region: ""
    valid_from: "2023-05-22"
    valid_to: ""
    keywords: [测试]
    source: {title: 测试文件, doc_number: 焦政〔2023〕9号, section: 一、}
"""


def test_valid_record_loads(tmp_path):
    entries = faq_entries(_write_faq(tmp_path, "faq:\n" + GOOD_RECORD))
    assert [entry.id for entry in entries] == ["faq-good"]
    assert entries[0].source.citation() == "《测试文件》（焦政〔2023〕9号）一、"


@pytest.mark.parametrize(
    "bad_record, problem",
    [
        ("  - id: faq-broken\n    title: 缺答案\n    questions: [问？]\n    source: {title: 文件}\n", "answer"),
        (
            "  - id: faq-broken\n    title: 日期错\n    questions: [问？]\n    answer: 答。\n"
            "    valid_from: 2023-13-40x\n    source: {title: 文件}\n",
            "valid_from",
        ),
        ("  - id: faq-broken\n    title: 没来源\n    questions: [问？]\n    answer: 答。\n", "source"),
        (
            "  - id: faq-broken\n    title: 没问题\n    questions: []\n    answer: 答。\n    source: {title: 文件}\n",
            "questions",
        ),
        (
            "  - id: faq-broken\n    title: 日期颠倒\n    questions: [问？]\n    answer: 答。\n"
            '    valid_from: "2024-01-01"\n    valid_to: "2023-01-01"\n    source: {title: 文件}\n',
            "valid_from",
        ),
    ],
)
def test_bad_record_raises_value_error_naming_its_id(tmp_path, bad_record, problem):
    path = _write_faq(tmp_path, "faq:\n" + GOOD_RECORD + bad_record)
    with pytest.raises(ValueError) as caught:
        faq_entries(path)
    assert "faq-broken" in str(caught.value)
    assert problem in str(caught.value)


def test_duplicate_faq_id_raises(tmp_path):
    path = _write_faq(tmp_path, "faq:\n" + GOOD_RECORD + GOOD_RECORD)
    with pytest.raises(ValueError, match="faq-good"):
        faq_entries(path)


# ------------------------------------------------------------------ services and renderings

SERVICES_PATH = KNOWLEDGE_DIR / "services.yaml"
SERVICE_TOPICS = (
    "社保卡",
    "公积金提取",
    "居住证",
    "身份证",
    "户口迁移",
    "居民医保",
    "异地就医",
    "灵活就业",
    "失业保险金",
    "个体工商户",
    "创业担保贷款",
    "不动产登记",
    "低保",
    "高龄津贴",
    "新生儿",
    "入学",
    "残疾人证",
    "驾驶证",
    "出入境",
)


@pytest.fixture(scope="module")
def services():
    return load_guides(SERVICES_PATH)


def test_at_least_20_more_services_and_41_guides_in_all(guides, services):
    assert len(services) >= 20
    assert len(guides) + len(services) >= 41
    names = {guide.name for guide in guides}
    assert not names & {service.name for service in services}, "a service repeats a 一件事 item"


def test_services_cover_the_frequent_topics(services):
    text = "\n".join(s.name + s.summary + "".join(s.keywords) for s in services)
    for topic in SERVICE_TOPICS:
        assert topic in text, topic


def test_services_are_complete_and_cautious(services):
    known_departments = {
        "市人力资源社会保障局",
        "市住房公积金中心",
        "市公安局",
        "市医保局",
        "市市场监管局",
        "市自然资源和规划局",
        "市民政局",
        "市残联",
        "市教育局",
    }
    for service in services:
        assert service.id.startswith("service-"), service.id
        assert service.lead_department in known_departments, service.id
        assert len(service.questions) >= 5, service.id
        assert service.category, service.id
        channels = "".join(service.how_and_where)
        assert "线上" in channels and "线下" in channels, service.id
        assert service.source.title and service.source.section, service.id
        # no invented local specifics: no phone numbers or money amounts in the guide
        text = render_formal_text(service)
        assert not re.search(r"\d{7,}", text), service.id
        assert not re.search(r"\d+(?:\.\d+)?元", text), service.id


def test_every_guide_renders_formal_plain_and_voice(guides, services):
    for guide in [*guides, *services]:
        entry = guide_to_entry(guide)
        assert entry.answer == render_formal_text(guide)
        for heading in (
            "适用对象",
            "办理条件",
            "所需材料",
            "办理方式和地点",
            "办理流程",
            "办理时限",
            "收费标准",
            "牵头部门",
        ):
            assert heading in entry.answer, f"{guide.id}: {heading}"
        assert entry.plain_answer == render_plain_text(guide)
        assert "谁能办" in entry.plain_answer
        voice = entry.voice_answer
        assert voice == render_voice(guide)
        assert 0 < len(voice) <= 120, f"{guide.id}: {len(voice)}"
        assert "\n" not in voice and not URL.search(voice), guide.id
        assert voice.endswith("。"), guide.id
        assert entry.category, guide.id


def test_city_knowledge_includes_services_with_unique_ids():
    from knowledge_base.catalog import load_city_knowledge

    entries = load_city_knowledge(KNOWLEDGE_DIR)
    kinds = [entry.kind for entry in entries]
    assert kinds.count("guide") >= 41
    assert len({entry.id for entry in entries}) == len(entries)


def test_faq_entries_have_spoken_answers(faqs):
    for entry in faqs:
        voice = entry.voice_answer
        assert voice, entry.id
        assert len(voice) <= 120, f"{entry.id}: {len(voice)}"
        assert "\n" not in voice and not URL.search(voice), entry.id
        assert voice.endswith(("。", "！", "？")), entry.id
        assert len(voice) >= 8, f"{entry.id}: too short to stand alone: {voice}"


def test_spoken_form_shortens_and_cleans():
    text = "可以。详情见 https://example.org/guide 页面，按规定办理。\n- 第二条"
    voice = spoken_form(text)
    assert voice.startswith("可以。") and "http" not in voice and "\n" not in voice
    long_sentence = "这是一个很长的句子，" * 30 + "结束。"
    assert len(spoken_form(long_sentence)) <= 119


def test_faq_voice_field_overrides_the_derived_one(tmp_path):
    record = GOOD_RECORD.replace(
        "    answer: 第一句。第二句。\n", "    answer: 第一句。第二句。\n    voice: 手写的语音答案。\n"
    )
    entries = faq_entries(_write_faq(tmp_path, "faq:\n" + record))
    assert entries[0].voice_answer == "手写的语音答案。"
    derived = faq_entries(_write_faq(tmp_path, "faq:\n" + GOOD_RECORD))
    assert derived[0].voice_answer == "第一句。第二句。"
