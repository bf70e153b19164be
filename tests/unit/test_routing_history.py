from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from routing.aliases import LOCAL_LABEL, AliasTable
from routing.directory import CityDirectory
from routing.history import append_history, detect_format, load_history, map_records, read_rows

ROWS = [
    {"内容": "小区门口的下水道堵了，污水冒到路上", "承办单位": "城管委"},
    {"内容": "公司三个月没发工资", "承办单位": "人社局"},
    {"内容": "村里修路占了我家的地", "承办单位": "温县人民政府"},
    {"内容": "海关的问题", "承办单位": "海关"},
    {"内容": "", "承办单位": "人社局"},
]


@pytest.fixture()
def table(tmp_path: Path, directory: CityDirectory) -> AliasTable:
    path = tmp_path / "aliases.yaml"
    path.write_text(
        yaml.safe_dump({"aliases": {"城管委": "kind:城管", "海关": None}}, allow_unicode=True), encoding="utf-8"
    )
    return AliasTable.load(directory, path)


def _write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["内容", "承办单位"])
        writer.writeheader()
        writer.writerows(ROWS)


def test_csv_import_maps_and_counts(tmp_path: Path, table: AliasTable) -> None:
    source = tmp_path / "orders.csv"
    _write_csv(source)
    records, report = map_records(read_rows(source), "内容", "承办单位", table, "orders")
    assert [r.department for r in records] == ["市城管局", "市人力资源社会保障局", LOCAL_LABEL]
    assert report.read == 5 and report.empty == 1 and report.unmapped == {"海关": 1}
    assert records[0].id == "history:orders:1" and records[0].source_label == "城管委"


def test_jsonl_and_xlsx_read_the_same(tmp_path: Path) -> None:
    from openpyxl import Workbook

    jsonl = tmp_path / "orders.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.append(["内容", "承办单位"])
    for row in ROWS:
        sheet.append([row["内容"] or None, row["承办单位"]])
    xlsx = tmp_path / "orders.xlsx"
    book.save(xlsx)
    texts = [r["内容"] or "" for r in read_rows(jsonl)]
    assert texts == [(r["内容"] or "") for r in read_rows(xlsx)]


def test_append_skips_duplicates(tmp_path: Path, table: AliasTable) -> None:
    source = tmp_path / "orders.csv"
    _write_csv(source)
    store = tmp_path / "history.jsonl"
    for expected in (3, 0):
        records, report = map_records(read_rows(source), "内容", "承办单位", table, "orders")
        append_history(store, records, report)
        assert report.imported == expected
    assert len(load_history(store)) == 3


def test_missing_field_and_unknown_format(tmp_path: Path, table: AliasTable) -> None:
    source = tmp_path / "orders.csv"
    _write_csv(source)
    with pytest.raises(KeyError, match="诉求"):
        map_records(read_rows(source), "诉求", "承办单位", table, "orders")
    with pytest.raises(ValueError):
        detect_format(tmp_path / "orders.docx")
    assert detect_format(tmp_path / "x.txt", "csv") == "csv"


def test_import_history_command_imports_and_retrains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import routing.embedding
    from hotline.commands import routing as command
    from tests.unit.routing_fakes import fake_embed

    monkeypatch.setenv("HOTLINE_ROUTING_DIR", str(tmp_path / "routing"))
    monkeypatch.setattr(routing.embedding.LazyEmbedder, "__call__", lambda self, texts: fake_embed(texts))
    monkeypatch.setattr(routing.embedding.LazyEmbedder, "available", lambda self: True)
    source = tmp_path / "orders.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(
        yaml.safe_dump({"aliases": {"城管委": "kind:城管", "海关": None}}, allow_unicode=True), encoding="utf-8"
    )
    result = CliRunner().invoke(
        command.app,
        [
            "import-history",
            str(source),
            "--text-field",
            "内容",
            "--department-field",
            "承办单位",
            "--aliases",
            str(aliases),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.splitlines()[0])
    assert report["imported"] == 3 and report["unmapped"] == {"海关": 1}
    trained = json.loads(result.output.splitlines()[1])
    assert trained["history"] == 3 and (tmp_path / "routing" / "model.json").exists()
