"""Tests for the plain-text gazette importer (knowledge_base.importers.policy_documents)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli import app
from knowledge_base.entry import KnowledgeEntry
from knowledge_base.importers import import_paths, import_policy_document, normalize_doc_number
from knowledge_base.importers.policy_documents import read_documents

REPO = Path(__file__).parents[2]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
SHIPPED = REPO / "cities" / "jiaozuo" / "knowledge" / "policies.jsonl"
CITY = "焦作市"

GAZETTE = """

焦作市人民政府公报

2024年第5号（总第137号）

目录

【市政府办公室文件】

- 焦作市人民政府办公室关于印发焦作市示例服务工作方案的通知……………（3）
焦作市人民政府办公室关于开展示例活动的通知……………（9）

焦作市人民政府办公室 关于印发焦作市示例服务工作方案的 通知

焦政办〔2024〕22 号

各县（市、区）人民政府，市城乡一体化示范区管委会，市人民政府各部门：

《焦作市示例服务工作方案》已经市政府同意，现印发给你们，请认真贯彻落实。

2024年10月31日

焦作市示例服务 工作方案

为进一步提升政务服务水平，方便企业和群众办事，结合我市实际，制定本方案。本方案执行期限至2025年12月31日。

一、总体要求

坚持以人民为中心，聚焦企业和群众办事的难点堵点，推动政务服务从“能办”向“好办”转变，全面提升办事体验。

二、主要任务

（一）优化线上服务。

1. 推进线上“一网通办”。全面推行网上申报、网上审批，企业和群众
可以通过“焦我办”APP提交全部申请材料，审批结果通过电子证照同步推送，实现全流程不见面办理。

牵头单位：市行政审批政务信息管理局

责任单位：各县（市、区）政府

2. 推进政务服务“码上办”。依托政务服务码关联电子证照库，办事时出示服务码即可调取证照信息，

— 3 —

# Page 12:

减少纸质材料提交，力争年底前覆盖主要高频事项。（责任单位：市公安局、市人力资源社会保障局）

（二）优化线下服务。

1. 推进“只进一门”。政务服务事项全部进驻政务服务中心，实行“前台综合受理、后台分类审批、统一窗口出件”模式，群众办事只进一扇门。

（1）设置综合窗口。

（2）推行帮办代办。

2. 推进“就近办”。推动高频事项向乡镇（街道）便民服务中心和村（社区）便民服务站延伸，打造十五分钟政务服务圈，方便群众就近办理，年底前乡镇（街道）可办事项不少于一百项。

3. 落实社保补贴。对招用毕业年度高校毕业生并与之签订一年以上劳动合同的中小微企业，按规定给予社会保险补贴，补贴期限最长不超过一年（执行期限至2026年6月30日）。

焦作市人民政府办公室 关于开展示例活动的通知

焦政办[2024]23号

各县（市、区）人民政府，市人民政府各部门：

为推动示例活动深入开展，现将有关事项通知如下：

一、活动内容

组织各级政务服务机构负责人到窗口体验办事流程，查找堵点问题并及时整改，每季度至少开展一次，形成问题清单和整改台账。

二、工作要求

各单位要高度重视，明确专人负责，认真组织实施，确保活动取得实效，活动情况及时报送市政务服务管理部门。

2024年11月5日
"""

MARKDOWN = """# 焦作市优化营商环境工作领导小组办公室文件

焦营商办[2023]1号

## 关于印发《焦作市 2023 年优化营商环境 "五件事"工作要点》的通知

各县(市、区)人民政府、市相关单位:

现将《焦作市 2023 年优化营商环境"五件事"工作要点》印发给你们,请认真抓好落实。

## 焦作市 2023 年优化营商环境"五件事" 工作要点

为推动优化营商环境"五件事"落实,切实增强便民利企服务 实效,结合焦 作实际,制定本方案。

#### 一、总体要求

坚持以人民为中心的发展思想,全面贯彻落实关于优化营商环境的决策部署,持续打造市场化、法治化、国际化一流营商环境。

#### 二、重点任务

#### (一)一件事一次办

- **1.全面提升"一件事一次办"综合受理窗口能力**。在市、县两级政务服务中心全面设置综合受理窗口,实现一窗受理、集成服务。(牵头单位:市政务服务和大数据管理局;完成时限:2023年6月底)
- 2.拓展"一件事一次办"事项范围。围绕企业和个人全生命周期的重要阶段,以河南省政务服务事项基本目录为基础,再推出一批群众关注度高、办理量大的高频事项。(牵头单位:市发展改革委;责任单位:市直各部门)
"""

ARTICLES = """焦作市人民政府 关于印发焦作市示例保护办法的 通知

焦政〔2024〕15号

各县（市、区）人民政府，市人民政府各部门：

现将《焦作市示例保护办法》印发给你们，请认真贯彻落实。

2024年9月16日

焦作市示例保护办法

第一章 总则

第一条 为加强全市示例设施保护工作，依据有关法律法规，结合我市实际，制定本办法。本办法所称示例设施，是指由政府投资建设的各类公共服务设施。

第二条 本办法适用于本市行政区域内示例设施的保护和管理活动，法律法规另有规定的从其规定。

第二章 附则

第三条 各县可参照执行。

第四条 本办法由市交通运输局负责解释。

第五条 本办法自发布之日起施行。

附件：焦作市示例事项清单

附件

焦作市示例事项清单

序号\t名称\t具体事项\t牵头部门
1\t企业信息变更 “一件事”\t企业变更登记\t市市场监管局
\t\t企业印章刻制\t
2\t退休“一件事”\t养老保险待遇核定\t市人力资源社会保障局
"""

COMPILATION = """
# Page 1102:
（三）河南
6. 新乡市发展和改革委员会关于印发《新乡市示例事项清单》的通知（2023 年6 月5 日）
新发改法规〔2023〕135 号
各县（市）、区发展改革委：
为进一步优化营商环境，激发市场活力，结合工作实际，制定了示例事项清单，现印发给你们，请认真贯彻执行。
7. 新乡市政务服务和大数据管理局关于印发《新乡市示例
实施方案》的通知（2023 年5 月23
日）
各县(市、区)人民政府：
现将《新乡市示例实施方案》印发给你们，请认真贯彻落实。
2023 年5 月23 日

# Page 1131:
新乡市示例
实施方案
一、工作目标
全面推进政务部门核发的证照电子化和电子证照应用，
通过电子证照在线调用等方式，实现实体证照免提交，2023 年底前在高频政务服务事项中得到普遍应用。
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def gazette(tmp_path: Path) -> Path:
    return _write(tmp_path, "gazette.txt", GAZETTE)


@pytest.fixture()
def entries(gazette: Path) -> list[KnowledgeEntry]:
    return import_policy_document(gazette)


def _by_section(entries: list[KnowledgeEntry], doc_number: str, section: str) -> KnowledgeEntry:
    found = [e for e in entries if e.source.doc_number == doc_number and e.source.section == section]
    assert found, f"no entry for {doc_number} {section}: {[e.source.section for e in entries]}"
    return found[0]


# --------------------------------------------------------------------------- documents


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("焦政办〔2024〕22号", "焦政办〔2024〕22号"),
        ("焦政办〔2024〕22 号", "焦政办〔2024〕22号"),
        ("焦政 〔2024〕 14 号", "焦政〔2024〕14号"),
        ("焦示党办〔2021〕5号", "焦示党办〔2021〕5号"),
        ("焦营商办[2023]1号", "焦营商办〔2023〕1号"),
        ("豫政办〔2023〕22 号", "豫政办〔2023〕22号"),
        ("郑政文[2023]62 号", "郑政文〔2023〕62号"),
        ("（焦政〔2023〕9号）（3）", "焦政〔2023〕9号"),
    ],
)
def test_doc_number_variants_are_normalized(raw: str, expected: str) -> None:
    assert normalize_doc_number(raw) == expected


def test_no_doc_number_in_plain_text() -> None:
    assert normalize_doc_number("根据有关规定，现通知如下：") is None


def test_gazette_is_split_into_documents(gazette: Path) -> None:
    documents = read_documents(gazette)
    assert [d.doc_number for d in documents] == ["焦政办〔2024〕22号", "焦政办〔2024〕23号"]
    first, second = documents
    assert first.title == "焦作市人民政府办公室关于印发焦作市示例服务工作方案的通知"
    assert first.issuer == "焦作市人民政府办公室"
    assert first.short_title == "焦作市示例服务工作方案"
    assert second.title == "焦作市人民政府办公室关于开展示例活动的通知"


def test_issue_date_becomes_source_date_and_valid_from(entries: list[KnowledgeEntry]) -> None:
    dates = {e.source.doc_number: (e.source.date, e.valid_from) for e in entries}
    assert dates["焦政办〔2024〕22号"] == ("2024-10-31", "2024-10-31")
    assert dates["焦政办〔2024〕23号"] == ("2024-11-05", "2024-11-05")


def test_toc_and_cover_are_skipped(gazette: Path, entries: list[KnowledgeEntry]) -> None:
    assert len(read_documents(gazette)) == 2  # TOC lines name documents but start none
    for entry in entries:
        for junk in ("……", "公报", "目录", "总第", "【"):
            assert junk not in entry.answer
            assert junk not in entry.title


def test_page_markers_are_skipped_and_text_rejoined(entries: list[KnowledgeEntry]) -> None:
    entry = _by_section(entries, "焦政办〔2024〕22号", "二、（一）2.")
    assert "Page" not in entry.answer and "— 3 —" not in entry.answer
    assert "即可调取证照信息，减少纸质材料提交" in entry.answer
    assert all("Page" not in e.answer and "—" not in e.answer for e in entries)


def test_notice_boilerplate_is_dropped(entries: list[KnowledgeEntry]) -> None:
    assert all("印发给你们" not in e.answer for e in entries)
    assert all("各县（市、区）人民政府，" not in e.answer for e in entries)


# --------------------------------------------------------------------------- sections


def test_hierarchical_section_paths(entries: list[KnowledgeEntry]) -> None:
    sections = {e.source.section for e in entries if e.source.doc_number == "焦政办〔2024〕22号"}
    assert {"", "一、", "二、（一）1.", "二、（一）2.", "二、（二）1.", "二、（二）2."} <= sections
    entry = _by_section(entries, "焦政办〔2024〕22号", "二、（一）1.")
    assert entry.title == "焦作市示例服务工作方案：1.推进线上“一网通办”"
    assert (
        entry.source.citation()
        == "《焦作市人民政府办公室关于印发焦作市示例服务工作方案的通知》（焦政办〔2024〕22号）二、（一）1."
    )
    assert entry.kind == "policy"


def test_tiny_subsections_are_merged_into_parent(entries: list[KnowledgeEntry]) -> None:
    parent = _by_section(entries, "焦政办〔2024〕22号", "二、（二）1.")
    assert "（1）设置综合窗口。" in parent.answer and "（2）推行帮办代办。" in parent.answer
    assert not any(e.source.section.endswith("（1）") for e in entries)


def test_hard_wrapped_lines_are_joined(entries: list[KnowledgeEntry]) -> None:
    entry = _by_section(entries, "焦政办〔2024〕22号", "二、（一）1.")
    assert "企业和群众可以通过“焦我办”APP提交全部申请材料" in entry.answer
    assert entry.answer.startswith("1.推进线上“一网通办”。")


def test_lead_department_is_extracted(entries: list[KnowledgeEntry]) -> None:
    assert _by_section(entries, "焦政办〔2024〕22号", "二、（一）1.").department == "市行政审批政务信息管理局"
    assert _by_section(entries, "焦政办〔2024〕22号", "二、（一）2.").department == "市公安局、市人力资源社会保障局"
    assert _by_section(entries, "焦政办〔2024〕22号", "一、").department == ""


def test_execution_period_sets_valid_to(entries: list[KnowledgeEntry]) -> None:
    plan = [e for e in entries if e.source.doc_number == "焦政办〔2024〕22号"]
    assert {e.valid_to for e in plan if e.source.section != "二、（二）3."} == {"2025-12-31"}
    assert _by_section(entries, "焦政办〔2024〕22号", "二、（二）3.").valid_to == "2026-06-30"
    notice = [e for e in entries if e.source.doc_number == "焦政办〔2024〕23号"]
    assert notice and all(e.valid_to == "" for e in notice)


def test_articles_chapters_and_tiny_article_runs(tmp_path: Path) -> None:
    entries = import_policy_document(_write(tmp_path, "articles.txt", ARTICLES))
    sections = [e.source.section for e in entries]
    assert "第一章" in sections
    assert "第二章" in sections  # 第三条—第五条 are tiny and merged into their chapter
    chapter = next(e for e in entries if e.source.section == "第一章")
    assert chapter.title == "焦作市示例保护办法：第一章 总则"
    assert "第一条 为加强全市示例设施保护工作" in chapter.answer


def test_table_attachment_becomes_records(tmp_path: Path) -> None:
    entries = import_policy_document(_write(tmp_path, "articles.txt", ARTICLES))
    attachment = [e for e in entries if e.source.section.startswith("附件")]
    assert attachment, [e.source.section for e in entries]
    text = "\n".join(e.answer for e in attachment)
    assert "名称：企业信息变更“一件事”；具体事项：企业变更登记、企业印章刻制；牵头部门：市市场监管局" in text
    assert attachment[0].title.startswith("焦作市示例事项清单")


def test_long_sections_are_split_at_sentence_boundaries(tmp_path: Path) -> None:
    sentence = "各级政务服务机构要持续优化办事流程，压减办理时限，提升服务质量和群众满意度。"
    text = GAZETTE.replace("（一）优化线上服务。", "（一）优化线上服务。" + sentence * 30, 1)
    entries = import_policy_document(_write(tmp_path, "long.txt", text))
    parts = [e for e in entries if e.source.section == "二、（一）" and e.source.doc_number == "焦政办〔2024〕22号"]
    assert len(parts) >= 2
    assert all(len(e.answer) <= 700 for e in parts)
    assert all(e.answer.endswith("。") for e in parts)
    assert parts[0].title.endswith(f"（1/{len(parts)}）")


# --------------------------------------------------------------------------- ids and formats


def test_ids_are_stable_and_unique(gazette: Path, tmp_path: Path) -> None:
    first = import_policy_document(gazette)
    again = import_policy_document(gazette)
    assert [e.id for e in first] == [e.id for e in again]
    assert len({e.id for e in first}) == len(first)
    edited = _write(tmp_path, "edited.txt", GAZETTE.replace("打造十五分钟政务服务圈", "打造十分钟政务服务圈"))
    assert [e.id for e in import_policy_document(edited)] == [e.id for e in first]


def test_markdown_file(tmp_path: Path) -> None:
    entries = import_policy_document(_write(tmp_path, "plan.md", MARKDOWN))
    assert entries
    source = entries[0].source
    assert source.doc_number == "焦营商办〔2023〕1号"
    assert source.issuer == "焦作市优化营商环境工作领导小组办公室"
    assert (
        source.title == "焦作市优化营商环境工作领导小组办公室关于印发《焦作市2023年优化营商环境“五件事”工作要点》的通知"
    )
    item = _by_section(entries, "焦营商办〔2023〕1号", "二、（一）1.")
    assert item.title == "焦作市2023年优化营商环境“五件事”工作要点：1.全面提升“一件事一次办”综合受理窗口能力"
    assert item.department == "市政务服务和大数据管理局"
    assert "**" not in item.answer and "#" not in item.answer
    assert _by_section(entries, "焦营商办〔2023〕1号", "二、（一）2.").department == "市发展改革委"
    assert all("#" not in e.title and " " not in e.title for e in entries)


def test_compilation_documents_with_and_without_doc_number(tmp_path: Path) -> None:
    path = _write(tmp_path, "henan.txt", COMPILATION)
    documents = read_documents(path)
    assert [d.doc_number for d in documents] == ["新发改法规〔2023〕135号", ""]
    assert documents[1].title == "新乡市政务服务和大数据管理局关于印发《新乡市示例实施方案》的通知"
    assert documents[1].date == "2023-05-23"
    entries = import_policy_document(path, city=CITY)
    goal = next(e for e in entries if e.source.section == "一、")
    assert goal.title == "新乡市示例实施方案：一、工作目标"
    assert "电子证照应用，通过电子证照" in goal.answer
    assert goal.region == "新乡市"  # another city's document is not local policy
    assert all("Page" not in e.answer and e.answer != "河南" for e in entries)


def test_unsupported_file_type_raises(tmp_path: Path) -> None:
    pdf = _write(tmp_path, "gazette.pdf", "x")
    with pytest.raises(ValueError, match="unsupported policy document type '.pdf'"):
        import_policy_document(pdf)
    with pytest.raises(ValueError, match="supported: .txt, .md"):
        import_paths([pdf])


def test_import_paths_reports_progress(gazette: Path, tmp_path: Path) -> None:
    markdown = _write(tmp_path, "plan.md", MARKDOWN)
    seen: list[tuple[str, int]] = []
    entries = import_paths([gazette, markdown], on_file_done=lambda path, count: seen.append((path.name, count)))
    assert [name for name, _ in seen] == ["gazette.txt", "plan.md"]
    assert sum(count for _, count in seen) == len(entries)


def _cli_import(tmp_path: Path, *args: str) -> list[KnowledgeEntry]:
    """`hotline kb import … --to-file`, the importer's only command line; the entries it wrote."""
    out = tmp_path / "out" / "policies.jsonl"
    result = CliRunner().invoke(app, ["kb", "import", *args, "--to-file", str(out)])
    assert result.exit_code == 0, result.output
    assert "〔" in out.read_text(encoding="utf-8")  # 文号 not ASCII-escaped
    return [KnowledgeEntry.from_dict(json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()]


def test_cli_writes_jsonl(gazette: Path, tmp_path: Path) -> None:
    assert _cli_import(tmp_path, str(gazette)) == import_policy_document(gazette, city=CITY)  # city.yaml's name


def test_cli_city_option(tmp_path: Path) -> None:
    path = _write(tmp_path, "henan.txt", COMPILATION)
    assert {e.region for e in _cli_import(tmp_path, str(path), "--city", "")} == {""}
    assert {e.region for e in _cli_import(tmp_path, str(path), "--city", CITY)} == {"新乡市"}
    assert _cli_import(tmp_path, str(path), "--city", "新乡市") == import_policy_document(path, city="新乡市")


# --------------------------------------------------------------------------- real corpus


def _shared_files() -> list[Path]:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS}")
    files = sorted(SHARED_CORPUS.glob("*.txt")) + sorted(SHARED_CORPUS.glob("*.md"))
    if not files:
        pytest.skip(f"no .txt/.md files in {SHARED_CORPUS}")
    return files


@pytest.mark.needs_shared
def test_real_corpus_documents_have_doc_numbers() -> None:
    files = _shared_files()
    all_numbers: set[str] = set()
    for path in files:
        documents = read_documents(path)
        assert documents, f"{path.name}: no documents found"
        numbered = [d for d in documents if d.doc_number]
        assert numbered, f"{path.name}: no document has a 文号"
        all_numbers.update(d.doc_number for d in numbered)
        entries = import_policy_document(path, city=CITY)
        assert entries, f"{path.name}: no entries"
        assert all(e.answer and e.title and e.source.title for e in entries)
        assert all("Page" not in e.answer and "……" not in e.answer for e in entries)
        assert all(len(e.answer) <= 700 for e in entries)
    assert {"焦政办〔2024〕22号", "焦政〔2024〕14号"} <= all_numbers


def _load_shipped() -> list[KnowledgeEntry]:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    return [KnowledgeEntry.from_dict(json.loads(line)) for line in lines if line.strip()]


def test_shipped_policies_load() -> None:
    entries = _load_shipped()
    assert entries
    assert len({e.id for e in entries}) == len(entries)
    assert all(e.kind == "policy" and e.source.title for e in entries)


@pytest.mark.needs_shared
def test_shipped_policies_match_a_fresh_import() -> None:
    fresh = import_paths(_shared_files(), city=CITY)
    assert [e.to_dict() for e in _load_shipped()] == [e.to_dict() for e in fresh], (
        "cities/jiaozuo/knowledge/policies.jsonl is stale; regenerate with: hotline kb import "
        "../shared/corpus/*.txt --to-file cities/jiaozuo/knowledge/policies.jsonl"
    )
