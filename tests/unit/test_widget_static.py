"""The chat widget's static files (issue 18): nothing from another server, syntax old WebViews parse,
and the H5 page's first load under its budget (the browser test measures what is really fetched)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "webapp" / "static"
FIRST_LOAD_BUDGET = 100 * 1024
# Syntax that older WebViews (WeChat on older phones; Safari before 16.4) fail to parse, which would
# take the whole page down with it: regex lookbehind, optional chaining, nullish coalescing.
TOO_NEW = {
    "lookbehind": re.compile(r"\(\?<[=!]"),
    "optional chaining": re.compile(r"\?\.[A-Za-z_(\[]"),
    "??": re.compile(r"\?\?"),
}


def _code(path: Path) -> str:
    """The file without its comments (a comment may name a URL or the syntax it avoids)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"(?m)^\s*//.*$", "", text)


def test_no_file_loads_anything_from_another_server() -> None:
    for path in STATIC.iterdir():
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", _code(path), re.IGNORECASE), path.name


def test_the_scripts_use_no_syntax_older_webviews_cannot_parse() -> None:
    for path in STATIC.glob("*.js"):
        code = _code(path)
        found = [name for name, pattern in TOO_NEW.items() if pattern.search(code)]
        assert found == [], f"{path.name}: {found}"


def test_the_h5_page_loads_only_its_own_script_and_style_within_the_budget() -> None:
    page = (STATIC / "chat.html").read_text(encoding="utf-8")
    loaded = re.findall(r'(?:src|href)="/static/([^"]+\.(?:js|css))"', page)
    assert sorted(loaded) == ["chat.css", "chat.js"]
    assert sum((STATIC / name).stat().st_size for name in loaded) <= FIRST_LOAD_BUDGET
