"""CSV and XLSX importers: the usual export columns, column mapping, dates, bad rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from knowledge_base.importers.records import RowProblem, parse_date, parse_mapping, parse_validity
from knowledge_base.importers.sources import detect_format, import_source
from knowledge_base.importers.spreadsheets import import_csv, import_xlsx

HEADER = "编号,标题,问题,答案,部门,分类,有效期,地区,关键词,白话答案,语音答案"
ROWS = [
    "K-001,示例证明怎么开,示例证明去哪开|开示例证明要带啥,请携带本人身份证件到示例窗口办理，具体以窗口告知为准。,"
    "市示例局,证明,长期,全市,示例 证明,带身份证去窗口就能开。,带身份证到示例窗口办理。",
    ",示例补贴怎么领,,符合条件的按规定申请。,市示例局,补贴,2024年1月1日至2025年12月31日,温县,补贴,,",
    ",,,,,,,,,,",  # blank row: ignored, not an error
    ",缺答案的条目,,,市示例局,,,,,,",
    ",日期写错的条目,,有答案。,,,2025/13/01,,,,",
    ",示例补贴怎么领,,重复的标题。,,,,,,,",
]


def _csv(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_the_usual_columns(tmp_path):
    result = import_csv(_csv(tmp_path, "\n".join([HEADER, *ROWS]) + "\n"))
    first, second = result.entries
    assert first.id == "K-001"
    assert first.title == "示例证明怎么开"
    assert first.questions == ("示例证明去哪开", "开示例证明要带啥")
    assert first.department == "市示例局" and first.category == "证明"
    assert first.region == "" and first.valid_to == ""
    assert first.keywords == ("示例", "证明")
    assert first.plain_answer == "带身份证去窗口就能开。"
    assert first.voice_answer == "带身份证到示例窗口办理。"
    assert first.kind == "imported" and first.status == "published"
    assert first.source.title == "export"
    assert (second.valid_from, second.valid_to, second.region) == ("2024-01-01", "2025-12-31", "温县")


def test_bad_rows_are_reported_with_row_numbers_and_skipped(tmp_path):
    result = import_csv(_csv(tmp_path, "\n".join([HEADER, *ROWS]) + "\n"))
    assert [(e.row, e.reason) for e in result.errors] == [
        (5, "答案为空"),
        (6, "日期不存在：2025/13/01"),
        (7, "与第3行重复（编号或标题相同：" + result.entries[1].id + "）"),
    ]
    assert all(error.source == "export.csv" for error in result.errors)


def test_ids_are_stable_across_imports_and_depend_on_the_source(tmp_path):
    text = "\n".join([HEADER, *ROWS[:2]]) + "\n"
    once = import_csv(_csv(tmp_path, text)).entries
    twice = import_csv(_csv(tmp_path, text)).entries
    other = import_csv(_csv(tmp_path, text, name="other.csv")).entries
    assert [e.id for e in once] == [e.id for e in twice]
    assert once[0].id == other[0].id == "K-001"  # a real id column is kept
    assert once[1].id != other[1].id  # hashed ids include the source name


def test_numeric_id_column_is_prefixed_per_source(tmp_path):
    text = "编号,标题,答案\n1,甲,答案甲。\n"
    a = import_csv(_csv(tmp_path, text, name="a.csv")).entries[0].id
    b = import_csv(_csv(tmp_path, text, name="b.csv")).entries[0].id
    assert a != b and a.endswith("-1")


def test_gb18030_and_semicolon_csv(tmp_path):
    text = "标题;答案;失效日期\n示例;示例答案。;2025.06.30\n"
    result = import_csv(_csv(tmp_path, text, encoding="gb18030"))
    assert result.entries[0].title == "示例" and result.entries[0].valid_to == "2025-06-30"


def test_column_mapping(tmp_path):
    text = "事项,常见问法,回复内容,截止\n示例事项,问法一|问法二,示例回复。,2026年3月1日\n"
    mapping = parse_mapping(["事项=title", "常见问法=questions", "回复内容=answer", "截止=valid_to"])
    entry = import_csv(_csv(tmp_path, text), mapping=mapping).entries[0]
    assert (entry.title, entry.answer, entry.valid_to) == ("示例事项", "示例回复。", "2026-03-01")
    assert entry.questions == ("问法一", "问法二")


def test_mapping_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown field"):
        parse_mapping(["标题=headline"])
    with pytest.raises(ValueError, match="COLUMN=field"):
        parse_mapping(["标题"])
    with pytest.raises(ValueError, match="no answer column"):
        import_csv(_csv(tmp_path, "标题,备注\n甲,乙\n"))
    with pytest.raises(ValueError, match="not found"):
        import_csv(_csv(tmp_path, "标题,答案\n甲,乙\n"), mapping={"回复": "answer"})


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2025-12-31", "2025-12-31"),
        ("2025/12/31", "2025-12-31"),
        ("2025/1/5", "2025-01-05"),
        ("2025年12月31日", "2025-12-31"),
        ("２０２５年１２月３１日", "2025-12-31"),
        ("2025.12.31", "2025-12-31"),
        ("20251231", "2025-12-31"),
        ("2025-12-31 00:00:00", "2025-12-31"),
        ("长期", ""),
        ("长期有效", ""),
        ("", ""),
        (datetime(2025, 12, 31, 8, 0), "2025-12-31"),
    ],
)
def test_date_forms(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["明年", "2025-02-30", "12/31/2025"])
def test_bad_dates_raise(text):
    with pytest.raises(RowProblem):
        parse_date(text)


def test_validity_ranges():
    assert parse_validity("2024年1月1日至2025年12月31日") == ("2024-01-01", "2025-12-31")
    assert parse_validity("至2025年12月31日") == ("", "2025-12-31")
    assert parse_validity("有效期至2025-12-31") == ("", "2025-12-31")
    assert parse_validity("2025/6/30") == ("", "2025-06-30")
    assert parse_validity("长期") == ("", "")


def test_xlsx_with_dates_numbers_and_bad_rows(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["标题", "常见问法", "答案", "部门", "生效日期", "失效日期", "编号"])
    sheet.append(["示例甲", "问甲一\n问甲二", "答案甲。", "市示例局", datetime(2024, 1, 1), "2025年12月31日", 101])
    sheet.append(["示例乙", None, None, None, None, None, None])
    sheet.append([None] * 7)
    sheet.append(["示例丙", None, "答案丙。", None, "2025-01-01", "2024-01-01", None])
    sheet.append(["示例丁", None, "答案丁。", None, None, None, None])
    path = tmp_path / "知识库.xlsx"
    workbook.save(path)

    result = import_xlsx(path, mapping={"常见问法": "questions"})
    assert [e.title for e in result.entries] == ["示例甲", "示例丁"]
    first = result.entries[0]
    assert first.questions == ("问甲一", "问甲二")
    assert (first.valid_from, first.valid_to) == ("2024-01-01", "2025-12-31")
    assert first.id.endswith("-101")
    assert first.source.title == "知识库"
    assert [(e.row, e.reason) for e in result.errors] == [
        (3, "答案为空"),
        (5, "生效日期2025-01-01晚于失效日期2024-01-01"),
    ]


def test_format_detection(tmp_path):
    assert detect_format("a.CSV") == "csv"
    assert detect_format("a.xlsx") == "xlsx"
    assert detect_format("a.jsonl") == "jsonl"
    assert detect_format("a.docx") == "policy"
    assert detect_format("a.dat", "csv") == "csv"
    with pytest.raises(ValueError, match="cannot tell the format"):
        detect_format("a.dat")
    path = _csv(tmp_path, "标题,答案\n甲,乙。\n", name="data.txt.csv")
    assert import_source(path).entries[0].title == "甲"
