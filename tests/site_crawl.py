"""Crawl a built site: every internal href/src must lead to a file (and its #fragment to an id);
no raw ``[[`` outside <code>/<pre>. Shared by the tests/test_site_*.py modules."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.code_depth = 0
        self.text_outside_code: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append((tag, value))
            if name == "id" and value:
                self.ids.add(value)
        if tag in ("code", "pre"):
            self.code_depth += 1

    def handle_endtag(self, tag):
        if tag in ("code", "pre") and self.code_depth:
            self.code_depth -= 1

    def handle_data(self, data):
        if not self.code_depth:
            self.text_outside_code.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def target_file(page_file: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path)
    target = (page_file.parent / path) if path else page_file
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def crawl(out: Path) -> list[str]:
    """Problems found in the site at ``out`` (empty when it is sound)."""
    problems: list[str] = []
    pages = {p: parse(p) for p in out.rglob("*.html")}
    raw_leftover = re.compile(r"\[\[")
    for file, page in pages.items():
        rel = file.relative_to(out)
        html = file.read_text(encoding="utf-8")
        stripped = re.sub(r"<(pre|code)[\s>].*?</\1>", "", html, flags=re.S)
        if raw_leftover.search(stripped):
            problems.append(f"{rel}: raw [[ outside code")
        for tag, url in page.urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue
            target = target_file(file, url)
            if not target.resolve().is_relative_to(out.resolve()):
                problems.append(f"{rel}: {url} leaves the site")
                continue
            if not target.is_file():
                problems.append(f"{rel}: <{tag}> {url} → missing {target}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{rel}: {url} → no id {unquote(parts.fragment)!r}")
    return problems
