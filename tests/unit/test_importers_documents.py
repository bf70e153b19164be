"""Policy documents in Word and PDF form, and end dates (执行期限至 / 有效期至 / 有效期X年)."""

from __future__ import annotations

import pytest

from knowledge_base.importers.documents import document_text, import_document, import_documents
from knowledge_base.importers.policy_documents import iter_text_entries

GAZETTE_LINES = [
    "焦作市示例局关于印发示例服务管理办法的通知",
    "焦示〔2024〕7号",
    "一、适用范围",
    "本办法适用于全市范围内的示例服务事项，各县（市、区）示例服务窗口按照本办法统一受理群众申请并及时答复。",
    "二、办理要求",
    "示例服务实行一次告知、限时办结，窗口工作人员应当当场核对材料，材料齐全的当场受理，不得要求重复提交。",
    "三、附则",
    "本办法自2024年1月1日起施行，有效期两年。",
]


def _pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds `lines` (CID font + ToUnicode map, no embedded glyphs).

    Hand-built because no PDF writer is installed; text extraction only needs the ToUnicode map.
    """
    chars = sorted({char for line in lines for char in line})
    cid = {char: index + 1 for index, char in enumerate(chars)}
    content = (
        "BT /F1 12 Tf 14 TL 40 800 Td\n"
        + "".join("<" + "".join(f"{cid[c]:04X}" for c in line) + "> Tj T*\n" for line in lines)
        + "ET"
    )
    blocks = "".join(
        f"{len(chars[i : i + 100])} beginbfchar\n"
        + "".join(f"<{cid[c]:04X}> <{ord(c):04X}>\n" for c in chars[i : i + 100])
        + "endbfchar\n"
        for i in range(0, len(chars), 100)
    )
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + blocks
        + "endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        content.encode(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        cmap.encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        if number in (5, 7):
            out += f"{number} 0 obj\n<< /Length {len(body)} >>\nstream\n".encode() + body + b"\nendstream\nendobj\n"
        else:
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _check_gazette_entries(entries) -> None:
    assert entries, "no entries"
    assert {e.source.doc_number for e in entries} == {"焦示〔2024〕7号"}
    assert all(e.source.title == "焦作市示例局关于印发示例服务管理办法的通知" for e in entries)
    assert all(e.kind == "policy" for e in entries)
    # 自2024年1月1日起施行，有效期两年 → in force until the day before the second anniversary
    assert all(e.valid_to == "2025-12-31" for e in entries)
    assert any("一次告知、限时办结" in e.answer for e in entries)


def test_pdf_text_layer_goes_through_the_structural_splitter(tmp_path):
    path = tmp_path / "办法.pdf"
    path.write_bytes(_pdf_bytes(GAZETTE_LINES))
    assert "焦示〔2024〕7号" in document_text(path)
    _check_gazette_entries(import_document(path))


def test_docx_paragraphs_and_tables(tmp_path):
    from docx import Document

    document = Document()
    for line in GAZETTE_LINES[:2]:
        document.add_paragraph(line)
    document.add_heading("一、适用范围", level=2)
    for line in GAZETTE_LINES[3:]:
        if line != "一、适用范围":
            document.add_paragraph(line)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows,
        [("序号", "事项名称", "牵头部门"), ("1", "示例证明办理", "市示例局"), ("2", "示例补贴申领", "市示例局")],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    path = tmp_path / "办法.docx"
    document.save(path)

    text = document_text(path)
    assert "序号\t事项名称\t牵头部门" in text
    assert "# 一、适用范围" in text
    entries = import_document(path)
    _check_gazette_entries([e for e in entries if "附" not in e.source.section])
    assert any("示例补贴申领" in e.answer for e in entries)


def test_single_document_without_gazette_heading_uses_its_first_line(tmp_path):
    path = tmp_path / "说明.txt"
    path.write_text(
        "示例窗口服务须知\n一、服务时间\n示例窗口工作日正常受理，节假日安排值班人员，确保群众办事不跑空，具体时间以窗口公告为准。\n",
        encoding="utf-8",
    )
    entries = import_document(path)
    assert entries and entries[0].source.title == "示例窗口服务须知"


@pytest.mark.parametrize(
    "sentence, valid_to",
    [
        ("本措施自印发之日起施行，执行期限至2025年12月31日。", "2025-12-31"),
        ("本办法有效期至2026年6月30日。", "2026-06-30"),
        ("本方案执行期限为2024年1月1日至2025年12月31日。", "2025-12-31"),
        ("以上政策执行至2025年12月31日。", "2025-12-31"),
        ("本办法自2024年3月1日起施行，有效期5年。", "2029-02-28"),
        ("本意见自印发之日起施行，有效期3年。", "2027-01-09"),
    ],
)
def test_document_end_dates(sentence, valid_to):
    text = "\n".join(
        [
            "焦作市示例局关于印发示例措施的通知",
            "焦示〔2024〕9号",
            "一、主要措施",
            "对符合条件的示例主体按规定给予支持，各相关部门要加强协同配合，确保政策落实到位，让群众和企业切实受益。",
            "二、其他",
            sentence,
            "焦作市示例局",
            "2024年1月10日",
        ]
    )
    entries = list(iter_text_entries(text, "示例"))
    assert entries
    assert {e.valid_to for e in entries} == {valid_to}


def test_unsupported_and_textless_files(tmp_path):
    with pytest.raises(ValueError, match="unsupported policy document type '.doc'"):
        import_documents([tmp_path / "old.doc"])
    empty = tmp_path / "scan.pdf"
    empty.write_bytes(_pdf_bytes([]))
    with pytest.raises(ValueError, match="no text layer"):
        import_document(empty)
