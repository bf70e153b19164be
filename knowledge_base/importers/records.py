"""Shared by the row importers (CSV, XLSX, JSONL): column mapping, dates, results, row → entry.

A centre's export names its columns in Chinese (标题/问题/答案/部门/分类/有效期 …); `COLUMN_ALIASES`
maps the usual names to entry fields and `--map 列名=field` adds or overrides mappings. A row that
cannot become an entry raises `RowProblem` with a reason in Chinese (the staff who fix the
spreadsheet read it); the importer records it with the row number and carries on.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from knowledge_base.entry import STATUSES, KnowledgeEntry, Source

ProgressFn = Callable[[int], None]  # called with the number of rows just read

# Entry fields a column can feed. `validity` is a combined 有效期 ("2024-01-01至2025-12-31",
# "至2025年12月31日", "长期"); `ignore` drops a column.
FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "questions",
    "answer",
    "plain_answer",
    "voice_answer",
    "department",
    "category",
    "region",
    "keywords",
    "validity",
    "valid_from",
    "valid_to",
    "status",
    "kind",
    "source_title",
    "source_doc_number",
    "source_issuer",
    "source_date",
    "source_section",
    "ignore",
)

COLUMN_ALIASES: dict[str, str] = {
    # ids
    "编号": "id",
    "id": "id",
    "ID": "id",
    "知识编号": "id",
    "序号id": "id",
    # title and question variants
    "标题": "title",
    "名称": "title",
    "事项名称": "title",
    "知识标题": "title",
    "title": "title",
    "问题": "questions",
    "常见问法": "questions",
    "相似问法": "questions",
    "问法": "questions",
    "相似问题": "questions",
    "问题变体": "questions",
    "question": "questions",
    "questions": "questions",
    # answers
    "答案": "answer",
    "回答": "answer",
    "答复": "answer",
    "标准答案": "answer",
    "答复内容": "answer",
    "answer": "answer",
    "白话答案": "plain_answer",
    "白话版": "plain_answer",
    "通俗答案": "plain_answer",
    "plain_answer": "plain_answer",
    "语音答案": "voice_answer",
    "语音版": "voice_answer",
    "voice_answer": "voice_answer",
    # classification
    "部门": "department",
    "责任部门": "department",
    "承办部门": "department",
    "主管部门": "department",
    "department": "department",
    "分类": "category",
    "类别": "category",
    "知识分类": "category",
    "category": "category",
    "地区": "region",
    "区域": "region",
    "适用地区": "region",
    "区县": "region",
    "region": "region",
    "关键词": "keywords",
    "关键字": "keywords",
    "keywords": "keywords",
    "状态": "status",
    "status": "status",
    "类型": "kind",
    "kind": "kind",
    # validity
    "有效期": "validity",
    "validity": "validity",
    "生效日期": "valid_from",
    "开始日期": "valid_from",
    "起始日期": "valid_from",
    "valid_from": "valid_from",
    "失效日期": "valid_to",
    "截止日期": "valid_to",
    "结束日期": "valid_to",
    "有效期至": "valid_to",
    "valid_to": "valid_to",
    # source
    "来源": "source_title",
    "来源文件": "source_title",
    "政策依据": "source_title",
    "文件名称": "source_title",
    "source_title": "source_title",
    "文号": "source_doc_number",
    "source_doc_number": "source_doc_number",
    "发文单位": "source_issuer",
    "发布单位": "source_issuer",
    "发文机关": "source_issuer",
    "source_issuer": "source_issuer",
    "发布日期": "source_date",
    "发文日期": "source_date",
    "成文日期": "source_date",
    "source_date": "source_date",
    "章节": "source_section",
    "条款": "source_section",
    "source_section": "source_section",
}

_OPEN_ENDED = {"长期", "长期有效", "永久", "永久有效", "无", "无期限", "不限", "-", "—", "/", "／"}
_DATE_RES = (
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_RANGE_RE = re.compile(r"^(.*?)\s*(?:至|到|~|～|—|--| - )\s*(.*)$")
_REGION_CITYWIDE = {"全市", "市级", "市本级", "全域"}
_STATUS_ALIASES = {
    "发布": "published",
    "已发布": "published",
    "生效": "published",
    "有效": "published",
    "上线": "published",
    "草稿": "draft",
    "待审核": "draft",
    "未发布": "draft",
    "停用": "retired",
    "下线": "retired",
    "已废止": "retired",
    "废止": "retired",
    "失效": "retired",
    "已失效": "retired",
}
_LIST_SPLIT_RE = re.compile(r"[\n|｜]+")
_KEYWORD_SPLIT_RE = re.compile(r"[\n|｜,，、;；\s]+")


class RowProblem(ValueError):
    """A row that cannot become an entry; the message is the reason shown to the user."""


@dataclass(frozen=True)
class RowError:
    """One skipped row: where it was and why."""

    source: str  # file name
    row: int  # spreadsheet row number (header = 1) or JSONL line number
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "row": self.row, "reason": self.reason}


@dataclass
class ImportResult:
    """Entries read from one or more sources, and the rows that were skipped."""

    entries: list[KnowledgeEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def extend(self, other: ImportResult) -> None:
        self.entries.extend(other.entries)
        self.errors.extend(other.errors)


# --------------------------------------------------------------------------- values


def clean_cell(value: Any) -> Any:
    """Strip text (keeping Chinese punctuation as it is); numbers become text; dates stay dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value


def parse_date(value: Any) -> str:
    """An ISO date from the usual Chinese forms; "" for empty or open-ended ("长期").

    Accepts 2025-12-31, 2025/12/31, 2025.12.31, 20251231, 2025年12月31日, datetime/date objects.
    Raises RowProblem for anything else, naming the value.
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = clean_cell(value)
    if not isinstance(text, str):
        raise RowProblem(f"无法识别的日期：{value!r}")
    text = unicodedata.normalize("NFKC", text)  # full-width digits and slashes
    if not text or text in _OPEN_ENDED:
        return ""
    for pattern in _DATE_RES:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
            except ValueError:
                raise RowProblem(f"日期不存在：{text}") from None
    raise RowProblem(f"无法识别的日期：{text}")


def parse_validity(value: Any) -> tuple[str, str]:
    """(valid_from, valid_to) from a combined 有效期 cell.

    "2024-01-01至2025-12-31" → both; "至2025年12月31日" or a single date → valid_to only;
    "长期" / empty → open-ended.
    """
    if isinstance(value, (date, datetime)):
        return "", parse_date(value)
    text = clean_cell(value)
    if not isinstance(text, str) or not text or text in _OPEN_ENDED:
        return "", ""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"^(?:有效期|执行期限)\s*[:：]?\s*(?:为|至|到|截至)?", "", text)
    match = _RANGE_RE.match(text)
    if match and match[2]:
        return parse_date(match[1]) if match[1] else "", parse_date(match[2])
    return "", parse_date(text)


def split_list(value: Any, keywords: bool = False) -> tuple[str, ...]:
    """Question variants split on new lines and |; keywords also on commas, 、 and spaces."""
    if isinstance(value, (list, tuple)):
        items = [str(clean_cell(item)) for item in value]
    else:
        text = clean_cell(value)
        if not text:
            return ()
        items = (_KEYWORD_SPLIT_RE if keywords else _LIST_SPLIT_RE).split(str(text))
    return tuple(dict.fromkeys(item.strip() for item in items if item and item.strip()))


def parse_status(value: Any) -> str:
    text = str(clean_cell(value) or "")
    if not text:
        return "published"
    status = _STATUS_ALIASES.get(text, text.lower())
    if status not in STATUSES:
        raise RowProblem(f"未知状态：{text}（可用：已发布/草稿/停用）")
    return status


# --------------------------------------------------------------------------- mapping


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """`["常见问法=questions", ...]` → {column: field}; raises ValueError for a bad pair or field."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column or not target:
            raise ValueError(f"bad column mapping {pair!r}: expected COLUMN=field")
        if target not in FIELDS:
            raise ValueError(f"bad column mapping {pair!r}: unknown field {target!r}; fields: {', '.join(FIELDS)}")
        mapping[column] = target
    return mapping


def resolve_columns(headers: Iterable[str], mapping: Mapping[str, str] | None = None) -> dict[str, str]:
    """{header: field} for the headers that map to a field (explicit mapping first, then aliases).

    Raises ValueError when two columns feed the same field (except the list fields, which merge)
    or an explicitly mapped column is not in the file.
    """
    mapping = dict(mapping or {})
    headers = [str(clean_cell(h)) for h in headers]
    missing = [column for column in mapping if column not in headers]
    if missing:
        raise ValueError(f"mapped column(s) not found: {', '.join(missing)}; columns: {', '.join(headers)}")
    resolved: dict[str, str] = {}
    taken: dict[str, str] = {}
    for header in headers:
        target = mapping.get(header) or COLUMN_ALIASES.get(header) or COLUMN_ALIASES.get(header.lower())
        if not target or target == "ignore":
            continue
        if target in taken and target not in ("questions", "keywords"):
            raise ValueError(
                f"columns {taken[target]!r} and {header!r} both map to {target!r}; use --map to choose one"
            )
        taken.setdefault(target, header)
        resolved[header] = target
    if "answer" not in resolved.values():
        raise ValueError(f"no answer column found; columns: {', '.join(headers)} (use --map 列名=answer)")
    if not {"title", "questions"} & set(resolved.values()):
        raise ValueError(f"no title or question column found; columns: {', '.join(headers)}")
    return resolved


def map_row(row: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    """{field: value} for one row; list fields from several columns are merged."""
    values: dict[str, Any] = {}
    for header, target in columns.items():
        value = row.get(header)
        if target in ("questions", "keywords"):
            values[target] = values.get(target, ()) + split_list(value, keywords=target == "keywords")
        else:
            values[target] = clean_cell(value)
    return values


# --------------------------------------------------------------------------- entries

_FILE_SUFFIX_RE = re.compile(r"\.(?:csv|tsv|xlsx|xlsm|jsonl|ndjson|json)$", re.IGNORECASE)


def display_name(source_name: str) -> str:
    """A source name fit for a citation: "常见问题库.xlsx" → "常见问题库"."""
    return _FILE_SUFFIX_RE.sub("", source_name) or source_name


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def stable_id(source_name: str, raw_id: str, title: str, prefix: str = "kb") -> str:
    """A row's id, the same on every import of the same source.

    A source-provided id is kept as it is, unless it is a bare number (a row number in one
    spreadsheet is not unique across spreadsheets): then it is prefixed with a hash of the source
    name. Without an id the hash of source name + title (or first question) is used.
    """
    raw_id = raw_id.strip()
    if raw_id and not raw_id.isdigit():
        return raw_id
    if raw_id:
        return f"{prefix}-{_digest(source_name)[:8]}-{raw_id}"
    return f"{prefix}-{_digest(source_name)[:8]}-{_digest(title)}"


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key, "")
    if isinstance(value, (date, datetime)):
        return parse_date(value)
    return str(value or "").strip()


def entry_from_values(values: Mapping[str, Any], source_name: str, default_kind: str = "imported") -> KnowledgeEntry:
    """Build an entry from mapped row values; raises RowProblem with the reason."""
    questions = tuple(values.get("questions", ()))
    title = _text(values, "title") or (questions[0] if questions else "")
    answer = _text(values, "answer")
    if not title:
        raise RowProblem("标题和问题都为空")
    if not answer:
        raise RowProblem("答案为空")
    valid_from, valid_to = parse_validity(values.get("validity", ""))
    if values.get("valid_from"):
        valid_from = parse_date(values["valid_from"])
    if values.get("valid_to"):
        valid_to = parse_date(values["valid_to"])
    if valid_from and valid_to and valid_from > valid_to:
        raise RowProblem(f"生效日期{valid_from}晚于失效日期{valid_to}")
    region = _text(values, "region")
    kind = _text(values, "kind") or default_kind
    return KnowledgeEntry(
        id=stable_id(source_name, _text(values, "id"), title),
        title=title,
        answer=answer,
        source=Source(
            title=_text(values, "source_title") or display_name(source_name),
            doc_number=_text(values, "source_doc_number"),
            issuer=_text(values, "source_issuer"),
            date=parse_date(values.get("source_date", "")),
            section=_text(values, "source_section"),
        ),
        questions=questions,
        department=_text(values, "department"),
        region="" if region in _REGION_CITYWIDE else region,
        valid_from=valid_from,
        valid_to=valid_to,
        kind=kind,
        keywords=tuple(values.get("keywords", ())),
        plain_answer=_text(values, "plain_answer"),
        voice_answer=_text(values, "voice_answer"),
        category=_text(values, "category"),
        status=parse_status(values.get("status", "")),
    )


class RowCollector:
    """Turns numbered rows into an ImportResult: skips blank rows, records problems and repeats."""

    def __init__(self, source_name: str, columns: Mapping[str, str], default_kind: str = "imported") -> None:
        self.source_name = source_name
        self.columns = columns
        self.default_kind = default_kind
        self.result = ImportResult()
        self._rows_by_id: dict[str, int] = {}

    def add(self, number: int, row: Mapping[str, Any]) -> None:
        if all(clean_cell(value) in ("", (), []) for value in row.values()):
            return  # blank line: not an error
        try:
            entry = entry_from_values(map_row(row, self.columns), self.source_name, self.default_kind)
        except RowProblem as problem:
            self.result.errors.append(RowError(self.source_name, number, str(problem)))
            return
        first = self._rows_by_id.get(entry.id)
        if first is not None:
            self.result.errors.append(
                RowError(self.source_name, number, f"与第{first}行重复（编号或标题相同：{entry.id}）")
            )
            return
        self._rows_by_id[entry.id] = number
        self.result.entries.append(entry)

    def error(self, number: int, reason: str) -> None:
        self.result.errors.append(RowError(self.source_name, number, reason))
