"""What :func:`kbtools.parse.parse_note` extracts from the Markdown files in ``fixtures/parse``.

Each ``NAME.md`` has a golden ``NAME.expected.json``. After a deliberate change of the parser,
rewrite the goldens with ``pytest tests/test_parse_fixtures.py --update-goldens`` and review the
diff. The named tests below pin the facts each rule of ``docs/resolution.md`` depends on, so a
golden rewritten by mistake cannot hide a regression of those rules.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from kbtools.model import Note
from kbtools.parse import normalize_text, parse_note

HERE = Path(__file__).resolve().parent
PARSE = HERE / "fixtures" / "parse"
VAULT = HERE / "fixtures" / "vaults" / "resolution"
CASES = sorted(PARSE.glob("*.md"))
ALL_MARKDOWN = CASES + sorted(p for p in VAULT.rglob("*.md")
                              if not any(part.startswith(".") for part in p.relative_to(VAULT).parts))


def read_text(path: Path) -> str:
    """The file as the loader hands it to the parser: UTF-8, no BOM, ``\\n``, NFC."""
    return normalize_text(path.read_bytes().decode("utf-8"))


def parse(name: str) -> Note:
    return parse_note(name, read_text(PARSE / name))


def extract(note: Note) -> dict[str, Any]:
    """The golden form of a note: everything a later stage reads from it."""
    data = {
        "links": [{"raw": x.raw, "line": x.line, "column": x.column, "path": x.path,
                   "subpath": x.subpath, "label": x.label, "embed": x.embed, "style": x.style,
                   "in_property": x.in_property} for x in note.links],
        "headings": [{"level": h.level, "text": h.text, "line": h.line} for h in note.headings],
        "blocks": [{"id": b.id, "line": b.line, "start": b.start, "end": b.end}
                   for b in note.blocks],
        "inline_tags": [{"name": t.name, "line": t.line, "column": t.column}
                        for t in note.inline_tags],
        "tags": list(note.tags),
        "aliases": list(note.aliases),
        "properties": note.properties,
        "comments": [{"text": c.text, "line": c.line, "end": c.end} for c in note.comments],
        "problems": [{"kind": p.kind, "line": p.line} for p in note.problems],
        "body_line": note.body_line,
    }
    return json.loads(json.dumps(data, ensure_ascii=False))


def dump_golden(data: dict[str, Any]) -> str:
    """JSON with one list item per line, so golden diffs read like the fixture."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


#: parse_note's readers: the default (which may take the line scanner of kbtools.scan) and the
#: markdown-it token stream alone. Both must give the golden answer.
READERS = {"default": {}}
if "fast" in inspect.signature(parse_note).parameters:
    READERS["tokens"] = {"fast": False}
REFERENCE = "tokens" if "tokens" in READERS else "default"
"""The reader goldens are written from."""


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden(path: Path, reader: str, update_goldens: bool) -> None:
    golden = path.with_name(path.stem + ".expected.json")
    got = extract(parse_note(path.name, read_text(path), **READERS[reader]))
    if update_goldens:
        reference = extract(parse_note(path.name, read_text(path), **READERS[REFERENCE]))
        golden.write_text(dump_golden(reference), encoding="utf-8")
        if reader == REFERENCE:
            return
    assert golden.exists(), f"no golden for {path.name}: run pytest --update-goldens and review it"
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_every_golden_has_a_fixture() -> None:
    stale = [g.name for g in PARSE.glob("*.expected.json")
             if not g.with_name(g.name[:-len(".expected.json")] + ".md").exists()]
    assert not stale


@pytest.mark.parametrize("path", ALL_MARKDOWN, ids=lambda p: str(p.relative_to(HERE / "fixtures")))
def test_positions_point_at_the_source(path: Path) -> None:
    """Every link's (line, column) is where its raw text starts; likewise tags and block ids."""
    text = read_text(path)
    lines = text.split("\n")
    note = parse_note(path.name, text)
    for link in note.links:
        assert lines[link.line - 1][link.column - 1:].startswith(link.raw), link
    for tag in note.inline_tags:
        assert lines[tag.line - 1][tag.column - 1:].startswith("#" + tag.name), tag
    for block in note.blocks:
        assert lines[block.line - 1].rstrip().endswith("^" + block.id), block
        assert block.start <= block.end and block.start <= block.line
        assert lines[block.end - 1].strip(), f"{block} ends on a blank line"


# -- the rules of docs/resolution.md, one test each ------------------------------------------------

def links(note: Note) -> dict[str, Any]:
    return {x.raw: x for x in note.links}


def test_wikilink_grammar() -> None:
    got = links(parse("wikilinks.md"))
    assert (got["[[Note#Parent#Child]]"].path, got["[[Note#Parent#Child]]"].subpath) == (
        "Note", "Parent#Child")
    assert got["[[Note#^block-1]]"].block == "block-1"
    same = got["[[#Parent#Child|label]]"]
    assert (same.path, same.subpath, same.label) == ("", "Parent#Child", "label")
    assert got["[[Note|see #3]]"].label == "see #3" and got["[[Note|see #3]]"].subpath == ""
    spaced = got["[[ Note # Heading | label ]]"]
    assert (spaced.path, spaced.subpath) == ("Note", "Heading")
    assert got["[[Note\\|label]]"].label == "label"
    assert got["[[Города/Москва#Район «Центр»|центр]]"].path == "Города/Москва"
    raws = [x.raw for x in parse("wikilinks.md").links]
    assert "[[b]]" in raws and not any("[[a|" in r or "[[no" in r or "escaped" in r for r in raws)
    assert [p.kind for p in parse("wikilinks.md").problems] == ["empty-link"] * 4


def test_escaped_pipe_in_tables() -> None:
    got = links(parse("tables.md"))
    assert (got["[[Note\\|Label]]"].path, got["[[Note\\|Label]]"].label) == ("Note", "Label")
    sized = got["![[img.png\\|100x200]]"]
    assert (sized.path, sized.label, sized.embed) == ("img.png", "100x200", True)
    assert (got["[[Москва\\|Мск]]"].path, got["[[Москва\\|Мск]]"].label) == ("Москва", "Мск")
    assert "[[not a link]]" not in got


def test_embeds() -> None:
    got = links(parse("wikilinks.md"))
    assert all(got[r].embed for r in ("![[Note]]", "![[Note#^block-1]]", "![[img.png|100x200]]"))
    assert (got["![[img.png|100x200]]"].path, got["![[img.png|100x200]]"].label) == (
        "img.png", "100x200")
    assert (got["![[Doc.pdf#page=3]]"].path, got["![[Doc.pdf#page=3]]"].subpath) == (
        "Doc.pdf", "page=3")
    image = links(parse("markdown-links.md"))["![alt text](img/pic.png)"]
    assert (image.embed, image.style, image.path, image.label) == (
        True, "markdown", "img/pic.png", "alt text")


def test_markdown_link_syntax() -> None:
    got = links(parse("markdown-links.md"))
    enc = got["[x](Other%20note.md#Heading)"]
    assert (enc.path, enc.subpath, enc.style, enc.label) == (
        "Other note.md", "Heading", "markdown", "x")
    assert got["[y](<Other note.md>)"].path == "Other note.md"
    assert got["[e](%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0.md)"].path == "Москва.md"
    assert got["[top](#Markdown%20links)"].path == "" and got["[top](#Markdown%20links)"].subpath \
        == "Markdown links"
    assert got["[ref link][ref]"].path == "Other note.md"
    assert got["[**bold** label](Note.md)"].label == "**bold** label"
    for absent in ("[space](Other note.md)", "[web](https://example.com/a.md)",
                   "[mail](mailto:a@b.c)", "[obs](obsidian://open?vault=x)"):
        assert absent not in got


def test_no_links_in_code() -> None:
    note = parse("code.md")
    assert [x.raw for x in note.links] == ["[[after code]]",
                                          "[[indented code in list is still list text]]"]
    assert note.inline_tags == () and note.blocks == ()


def test_no_links_in_comments() -> None:
    note = parse("comments.md")
    assert [x.path for x in note.links] == [f"visible {i}" for i in range(1, 7)]
    assert [t.name for t in note.inline_tags] == ["visibletag"]
    assert note.blocks == ()
    assert [(c.line, c.end) for c in note.comments] == [(3, 3), (3, 3), (4, 5), (7, 11)]


def test_no_links_in_math() -> None:
    note = parse("math.md")
    assert [x.path for x in note.links] == ["after math", "between dollars"]
    assert note.inline_tags == ()


def test_tags() -> None:
    note = parse("tags.md")
    inline = [t.name for t in note.inline_tags]
    assert inline == ["intitle", "tag", "nested/tag", "kebab-case", "snake_case", "Тег/вложенный",
                      "emoji🎉", "y1984", "comma", "dot", "colon", "question", "quote", "bracket",
                      "TAG", "tag", "listtag", "quotetag"]
    assert "1984" not in inline and "2024/01" not in inline
    # frontmatter ∪ inline, first spelling kept, case-insensitively unique
    assert note.tags[:3] == ("project", "область/тема", "intitle")
    assert sum(t.casefold() == "tag" for t in note.tags) == 1
    assert "code" not in note.tags and "escaped" not in note.tags and "glued" not in note.tags


def test_block_id_placement() -> None:
    blocks = {b.id: (b.line, b.start, b.end) for b in parse("blocks.md").blocks}
    assert blocks == {
        "para-1": (3, 3, 3), "two-lines": (6, 5, 6), "item-1": (8, 8, 8),
        "list-1": (12, 8, 10), "quote-1": (17, 14, 15), "table-1": (23, 19, 21),
        "callout-1": (28, 25, 26), "Upper-Case-9": (38, 38, 38)}


def test_callouts() -> None:
    note = parse("callouts.md")
    assert [x.path for x in note.links] == ["Title link", "Body link", "Folded link",
                                           "Nested callout link", "Unknown type link"]
    assert {b.id for b in note.blocks} == {"inside-callout", "callout-after"}


def test_headings() -> None:
    heads = [(h.level, h.text, h.line) for h in parse("headings.md").headings]
    assert heads[:8] == [(1, "ATX heading", 1), (1, "Setext heading", 3),
                         (2, "Setext level two", 6), (2, "Closing hashes", 9),
                         (3, "Heading with [[Link]], `code` and **bold**", 11),
                         (4, "D&D WOTC", 13), (5, "How large can each remote vault be?", 15),
                         (6, "Level six", 17)]
    texts = [h[1] for h in heads]
    assert not any("Seven" in t or "NoSpace" in t or "indented" in t or "fenced" in t
                   for t in texts)


def test_frontmatter_lists_and_property_links() -> None:
    note = parse("fm-lists.md")
    assert note.aliases == ("First alias", "Второй")
    assert note.tags[:3] == ("one", "two", "nested/three")
    assert note.properties["date"] == "2025-02-31"                 # dates stay strings
    assert note.properties["created"] == "2024-01-15T10:30:00"
    prop = [(x.raw, x.line, x.in_property) for x in note.links if x.in_property]
    assert prop == [("[[Parent]]", 11, "up"), ("[[One]]", 13, "related"),
                    ("[[Two#Heading|two]]", 14, "related")]
    assert "[[Not a link]]" not in {x.raw for x in note.links}     # unquoted: a YAML list
    assert note.problems == ()


def test_frontmatter_scalar_strings() -> None:
    note = parse("fm-strings.md")
    assert note.aliases == ("Solo alias",)
    assert note.tags == ("alpha", "beta", "gamma")


@pytest.mark.parametrize("name, kind, line", [
    ("fm-invalid-yaml.md", "yaml", 4),
    ("fm-duplicate-key.md", "yaml", 4),
    ("fm-non-mapping.md", "yaml", 2),
    ("fm-unclosed.md", "frontmatter", 1),
])
def test_invalid_frontmatter(name: str, kind: str, line: int) -> None:
    """No properties, a problem at the line, and the body is still read."""
    note = parse(name)
    assert [(p.kind, p.line) for p in note.problems] == [(kind, line)]
    assert note.properties == {} and note.aliases == ()
    assert [x.path for x in note.links] == ["Body link"]
    if name == "fm-unclosed.md":
        assert note.body_line == 1 and note.links[0].line == 7
        assert note.tags == ("bodytag",)


def test_deprecated_frontmatter_keys() -> None:
    note = parse("fm-deprecated.md")
    assert [(p.kind, p.line) for p in note.problems] == [("deprecated", 2), ("deprecated", 3),
                                                         ("deprecated", 4)]
    assert note.tags == () and note.aliases == ()


def test_frontmatter_only_on_line_1() -> None:
    note = parse("fm-not-line-1.md")
    assert note.properties == {} and note.aliases == () and note.body_line == 1


def test_frontmatter_types() -> None:
    assert parse("fm-json.md").tags == ("journal",)
    assert [x.in_property for x in parse("fm-json.md").links] == ["up"]
    assert parse("fm-empty.md").problems == () and parse("fm-empty.md").body_line == 3
    wrong = parse("fm-wrong-types.md")
    assert [(p.kind, p.line) for p in wrong.problems] == [("frontmatter-type", 2),
                                                          ("frontmatter-type", 3)]


def test_bom_and_crlf() -> None:
    raw = (PARSE / "bom-crlf.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf---\r\n"), "the fixture lost its BOM or CRLF (git?)"
    note = parse("bom-crlf.md")
    assert note.aliases == ("Псевдоним",) and note.body_line == 6
    assert [(x.raw, x.line, x.column) for x in note.links] == [
        ("[[Родитель]]", 4, 6), ("[[Москва]]", 8, 8), ("[[Москва#Район|район]]", 10, 8)]
    assert [b.id for b in note.blocks] == ["crlf-id"]
    assert note.tags == ("бом", "тег")


def test_cyrillic() -> None:
    note = parse("cyrillic.md")
    assert note.aliases == ("Заметка о Москве", "Мск")
    assert note.headings[1].text == "Район «Центр»: история"
    assert [x.path for x in note.links] == ["Россия", "Россия", "Города/Санкт-Петербург", "Москва",
                                           "", "Кремль.jpg", "Красная площадь.md"]
    assert note.tags == ("город", "Россия/Москва", "Столица/Россия", "ёлка-2024")
    assert [b.id for b in note.blocks] == ["moscow-1"]


def test_empty_note() -> None:
    assert [p.kind for p in parse("empty.md").problems] == ["empty"]
