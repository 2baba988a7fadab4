"""Link resolution on the fixture vault ``fixtures/vaults/resolution``: one test per rule.

The expected status and target of every link in that vault are data, in
``fixtures/vaults/resolution.expected.json`` (key ``source:line:raw``, with the ``rule`` = the
test below that owns it, and ``heading_line`` for heading subpaths). Each test checks its rule's
links through :func:`kbtools.links.link_records` (what ``kb links`` prints) and adds the details
that are not in a record (candidates, aliases, matched heading). The rules and their sources are
written down in ``docs/resolution.md`` under the same names.

NFD file names and case-variant file names in one folder are created at run time in
``tmp_path``: git and some file systems would change them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from kbtools import Config, load_vault
from kbtools.links import link_records
from kbtools.resolve import ResolvedLink, strip_heading
from kbtools.vault import Vault

HERE = Path(__file__).resolve().parent
VAULT = HERE / "fixtures" / "vaults" / "resolution"
EXPECTED_FILE = VAULT.parent / "resolution.expected.json"
EXPECTED: dict[str, dict[str, Any]] = {
    k: v for k, v in json.loads(EXPECTED_FILE.read_text(encoding="utf-8")).items()
    if not k.startswith("_")}


def key(source: str, line: int, raw: str) -> str:
    return f"{source}:{line}:{raw}"


def load(config: Config | None = None) -> Vault:
    # an explicit Config: a kbtools.toml in a parent folder must not change the answers
    return load_vault(VAULT, config or Config(), cache=False)


@pytest.fixture(scope="module")
def vault() -> Vault:
    return load()


def by_key(vault: Vault) -> dict[str, ResolvedLink]:
    return {key(rl.source, rl.link.line, rl.link.raw): rl for rl in vault.links}


def check_rule(vault: Vault, rule: str) -> dict[str, ResolvedLink]:
    """Compare the links owned by ``rule`` with the expectations; return them by key."""
    expected = {k: v for k, v in EXPECTED.items() if v["rule"] == rule}
    assert expected, f"no links in {EXPECTED_FILE.name} for {rule}"
    records = {key(r["source"], r["line"], r["raw"]): r for r in link_records(vault)}
    resolved = by_key(vault)
    wrong = {}
    for k, want in expected.items():
        rec = records.get(k)
        got = None if rec is None else {"status": rec["status"], "target": rec["target"]}
        if "heading_line" in want and rec is not None:
            heading = resolved[k].resolution.heading
            got["heading_line"] = heading.line if heading else None
        want = {f: want[f] for f in ("status", "target", "heading_line") if f in want}
        if got != want:
            wrong[k] = {"expected": want, "got": got}
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=1)
    return {k: resolved[k] for k in expected}


def test_every_link_has_an_expectation(vault: Vault) -> None:
    """The fixture data and the vault describe the same links: nothing extra, nothing missing."""
    got = {key(r["source"], r["line"], r["raw"]) for r in link_records(vault)}
    assert sorted(got - set(EXPECTED)) == [], "links without an expectation"
    assert sorted(set(EXPECTED) - got) == [], "expectations without a link"


def test_link_records_shape(vault: Vault) -> None:
    rec = next(r for r in link_records(vault) if r["raw"] == "[[Headings#Parent#Child]]")
    assert rec == {"source": "Home.md", "line": 58, "column": 1, "raw": "[[Headings#Parent#Child]]",
                   "kind": "wikilink", "target": "Headings.md", "heading": "Parent#Child",
                   "block": None, "status": "ok"}


# -- 1 grammar, 2 non-links, 3 embeds ----------------------------------------------------------

def test_wikilink_grammar(vault: Vault) -> None:
    links = check_rule(vault, "test_wikilink_grammar")
    labelled = links[key("Home.md", 8, "[[Plan#Goals|goals]]")].link
    assert (labelled.path, labelled.subpath, labelled.label) == ("Plan", "Goals", "goals")
    assert links[key("Home.md", 8, "[[ Plan ]]")].link.path == "Plan"


def test_not_links(vault: Vault) -> None:
    """Code, comments, HTML and math hide links; ``[[]]`` is a problem, not a link."""
    assert [r for r in link_records(vault) if r["source"] == "Not links.md"] == []
    note = vault.notes["Not links.md"]
    assert [p.kind for p in note.problems] == ["empty-link"]


def test_embeds(vault: Vault) -> None:
    links = check_rule(vault, "test_embeds")
    assert all(rl.link.embed for rl in links.values())
    kinds = {r["raw"]: r["kind"] for r in link_records(vault) if r["source"] == "Home.md"}
    assert kinds["![[Plan]]"] == "embed" and kinds["![chart](img/Figure%201.png)"] == "embed"
    assert kinds["[[Plan#Goals]]"] == "wikilink"


# -- 4–9 which file a path names ---------------------------------------------------------------

def test_md_extension_optional(vault: Vault) -> None:
    check_rule(vault, "test_md_extension_optional")


def test_attachments_need_extension(vault: Vault) -> None:
    check_rule(vault, "test_attachments_need_extension")


def test_vault_wide_name_lookup(vault: Vault) -> None:
    check_rule(vault, "test_vault_wide_name_lookup")


def test_paths_from_vault_root(vault: Vault) -> None:
    check_rule(vault, "test_paths_from_vault_root")


def test_relative_paths(vault: Vault) -> None:
    links = check_rule(vault, "test_relative_paths")
    assert links[key("A/B/Deep.md", 6, "[[../../../Outside]]")].resolution.outside
    assert not links[key("A/B/Deep.md", 5, "[[./Topic]]")].resolution.outside


def test_partial_paths(vault: Vault) -> None:
    links = check_rule(vault, "test_partial_paths")
    assert links[key("Home.md", 34, "[[Sub/Leaf]]")].resolution.candidates == (
        "X/Sub/Leaf.md", "Y/Sub/Leaf.md")


def test_case_insensitive_names(vault: Vault) -> None:
    links = check_rule(vault, "test_case_insensitive_names")
    # exact case is not preferred among case variants: both spellings give the same answer
    for raw in ("[[Apple]]", "[[APPLE]]"):
        assert links[key("Home.md", 38, raw)].resolution.candidates == (
            "Fruit/Apple.md", "Tech/APPLE.md")


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_nfd_file_names_match_nfc_links(tmp_path: Path) -> None:
    """macOS writes NFD file names; links are typed in NFC (and NFD text is read as NFC)."""
    cafe, yolka = "Café", "Ёлка"
    write(tmp_path, unicodedata.normalize("NFD", f"Места/{cafe}.md"), "# Café\n")
    write(tmp_path, unicodedata.normalize("NFD", f"{yolka}.md"), "# Ёлка\n")
    nfd_link = unicodedata.normalize("NFD", "[[Café]]")
    write(tmp_path, "Source.md", f"[[{cafe}]] [[ёлка]] [[ЁЛКА]] {nfd_link} [[Места/café]]\n")
    on_disk = {p.name for p in tmp_path.rglob("*.md")}
    if unicodedata.normalize("NFD", "Ёлка.md") not in on_disk:
        pytest.skip("this file system normalises file names itself")
    vault = load_vault(tmp_path, Config(), cache=False)
    assert set(vault.notes) == {"Места/Café.md", "Ёлка.md", "Source.md"}  # paths are NFC
    got = [(r["raw"], r["status"], r["target"]) for r in link_records(vault)]
    assert got == [("[[Café]]", "ok", "Места/Café.md"), ("[[ёлка]]", "ok", "Ёлка.md"),
                   ("[[ЁЛКА]]", "ok", "Ёлка.md"), ("[[Café]]", "ok", "Места/Café.md"),
                   ("[[Места/café]]", "ok", "Места/Café.md")]


def test_case_variant_files_in_one_folder(tmp_path: Path) -> None:
    """Two files that differ only in case: both are candidates, the link is ambiguous."""
    write(tmp_path, "Fruit/Apple.md", "# Apple\n")
    write(tmp_path, "Fruit/apple.md", "# apple\n")
    if len(list((tmp_path / "Fruit").iterdir())) != 2:
        pytest.skip("case-insensitive file system")
    write(tmp_path, "Source.md", "[[Apple]] [[apple]] [[Fruit/apple]]\n")
    vault = load_vault(tmp_path, Config(), cache=False)
    for rl in vault.links:
        assert rl.resolution.status == "ambiguous", rl.link.raw
        assert rl.resolution.candidates == ("Fruit/Apple.md", "Fruit/apple.md")
        assert rl.resolution.target == "Fruit/Apple.md"


# -- 10 tie-break, 11 aliases --------------------------------------------------------------------

def test_tie_break(vault: Vault) -> None:
    links = check_rule(vault, "test_tie_break")
    cands = {k: rl.resolution.candidates for k, rl in links.items()}
    assert cands[key("Home.md", 42, "[[Shared]]")] == ("LongFolderName/Shared.md", "p/q/Shared.md")
    # the source folder's file wins only when it is in the source folder, not an ancestor
    assert cands[key("A/B/Deep.md", 10, "[[Index]]")] == ("00 Inbox/Index.md", "A/Index.md")
    assert cands[key("A/Source.md", 3, "[[Topic]]")] == ()
    assert cands[key("A/B/Deep.md", 10, "[[Note]]")] == ()


def test_tie_break_shortest_path_option() -> None:
    vault = load(Config(tie_break="shortest-path"))
    got = {k: (rl.resolution.status, rl.resolution.target, rl.resolution.candidates)
           for k, rl in by_key(vault).items()}
    assert got[key("Home.md", 42, "[[Shared]]")] == (
        "ambiguous", "p/q/Shared.md", ("p/q/Shared.md", "LongFolderName/Shared.md"))
    assert got[key("A/B/Deep.md", 10, "[[Index]]")][:2] == ("ambiguous", "A/Index.md")
    # exact paths and the source folder still come first
    assert got[key("A/B/Deep.md", 10, "[[Note]]")][:2] == ("ok", "Note.md")
    assert got[key("A/Source.md", 3, "[[Topic]]")][:2] == ("ok", "A/Topic.md")
    changed = {k for k, v in got.items() if (v[0], v[1]) != (EXPECTED[k]["status"],
                                                              EXPECTED[k]["target"])}
    assert changed == {key("Home.md", 42, "[[Shared]]"), key("A/Source.md", 3, "[[Shared]]"),
                       key("A/B/Deep.md", 10, "[[Index]]"),
                       key("Home.md", 38, "[[Apple]]"), key("Home.md", 38, "[[APPLE]]")}
    assert got[key("Home.md", 38, "[[Apple]]")][1] == "Tech/APPLE.md"  # 13 characters < 14


def test_aliases_never_resolve(vault: Vault) -> None:
    links = check_rule(vault, "test_aliases_never_resolve")
    assert links[key("Home.md", 46, "[[Annie]]")].resolution.alias_of == "People/Ann Example.md"
    assert links[key("Home.md", 46, "[[Аня]]")].resolution.alias_of == "People/Ann Example.md"
    assert links[key("Home.md", 46, "[[Nick]]")].resolution.alias_of is None


def test_resolve_aliases_option() -> None:
    vault = load(Config(resolve_aliases=True))
    got = {k: (rl.resolution.status, rl.resolution.target) for k, rl in by_key(vault).items()}
    assert got[key("Home.md", 46, "[[Annie]]")] == ("ok", "People/Ann Example.md")
    assert got[key("Home.md", 46, "[[Аня]]")] == ("ok", "People/Ann Example.md")
    assert got[key("Home.md", 46, "[[Nick]]")] == ("ok", "Nick.md")  # a file name still wins
    changed = {k for k, v in got.items() if v != (EXPECTED[k]["status"], EXPECTED[k]["target"])}
    assert changed == {key("Home.md", 46, "[[Annie]]"), key("Home.md", 46, "[[Аня]]")}


# -- 12 headings, 13 blocks, 14 same note --------------------------------------------------------

def test_heading_matching(vault: Vault) -> None:
    check_rule(vault, "test_heading_matching")


@pytest.mark.parametrize("heading, link", [
    ("D&D WOTC", "D D WOTC"),
    ("How large can each remote vault be?", "How large can each remote vault be"),
    ("snake_case heading", "snake case heading"),
    ("Spaced    out", "  spaced out "),
    ("Город: Москва «центр»", "город москва «центр»"),
    ("See [[Other note]] and `code`", "See Other note and code"),
    ("Don't panic", "Don t panic"),
])
def test_strip_heading_equal(heading: str, link: str) -> None:
    assert strip_heading(heading) == strip_heading(link)


@pytest.mark.parametrize("heading, link", [
    ("Город: Москва «центр»", "Город: Москва центр"),   # non-ASCII punctuation is kept
    ("first-law", "first law"),                          # '-' is kept
    ("First law", "first-law"),
    ("Notes", "Note"),
])
def test_strip_heading_different(heading: str, link: str) -> None:
    assert strip_heading(heading) != strip_heading(link)


def test_nested_headings(vault: Vault) -> None:
    check_rule(vault, "test_nested_headings")


def test_block_ids(vault: Vault) -> None:
    check_rule(vault, "test_block_ids")
    blocks = {b.id: (b.start, b.end) for b in vault.notes["Blocks.md"].blocks}
    assert blocks == {"para-1": (3, 3), "item-1": (5, 5), "list-1": (5, 6), "quote-1": (10, 10),
                      "table-1": (14, 16), "callout-1": (20, 21)}


def test_same_note_links(vault: Vault) -> None:
    check_rule(vault, "test_same_note_links")


# -- 15 hidden files, 16 folders, 17 markdown links, 18 properties, 19 status order -----------

def test_hidden_files_ignored(vault: Vault) -> None:
    check_rule(vault, "test_hidden_files_ignored")
    assert not any(p.startswith(".") for p in vault.notes)
    assert not any(a.path.startswith(".") for a in vault.attachments)
    assert not any(r["source"].startswith(".") for r in link_records(vault))


def test_folders_are_not_targets(vault: Vault) -> None:
    check_rule(vault, "test_folders_are_not_targets")


def test_markdown_links(vault: Vault) -> None:
    check_rule(vault, "test_markdown_links")
    raws = {r["raw"] for r in link_records(vault) if r["source"] == "Home.md"}
    for not_a_link in ("[space](Other note.md)", "[web](https://example.com/Plan.md)",
                       "[mail](mailto:a@b.c)"):
        assert not_a_link not in raws


def test_property_links(vault: Vault) -> None:
    links = check_rule(vault, "test_property_links")
    assert {rl.link.in_property for rl in links.values()} == {"up", "related"}
    assert [rl.link.line for rl in vault.links if rl.source == "Props.md"] == [2, 4, 5, 6]


def test_link_status_order(vault: Vault) -> None:
    links = check_rule(vault, "test_link_status_order")
    # a missing heading in an ambiguous target keeps the candidates (the checker warns on both)
    assert links[key("Home.md", 85, "[[Topic#Nope]]")].resolution.candidates == (
        "A/Topic.md", "Zeta/Topic.md")


# -- regressions: points where kbtools once disagreed with docs/resolution.md ----------------------

def test_case_insensitivity_is_lower_casing_not_case_folding(tmp_path: Path) -> None:
    write(tmp_path, "Masse.md", "# Masse\n\n## Maße\n")
    write(tmp_path, "Physik/Maße.md", "# Maße\n")
    write(tmp_path, "Source.md", "[[Masse]] [[Maße]] [[Maße#Masse]]\n")
    vault = load_vault(tmp_path, Config(), cache=False)
    got = [(r["raw"], r["status"], r["target"]) for r in link_records(vault)]
    assert got == [("[[Masse]]", "ok", "Masse.md"), ("[[Maße]]", "ok", "Physik/Maße.md"),
                   ("[[Maße#Masse]]", "missing-heading", "Physik/Maße.md")]


def test_heading_of_only_punctuation_matches_itself(tmp_path: Path) -> None:
    write(tmp_path, "Note.md", "# Note\n\n## ???\n")
    write(tmp_path, "Source.md", "[[Note#???]]\n")
    vault = load_vault(tmp_path, Config(), cache=False)
    assert [(r["status"], r["target"]) for r in link_records(vault)] == [("ok", "Note.md")]


def test_docs_name_the_tests() -> None:
    """docs/resolution.md names only tests that exist, and every rule test here is named there."""
    doc = (HERE.parent / "docs" / "resolution.md").read_text(encoding="utf-8")
    sources = {"resolve": Path(__file__).read_text(encoding="utf-8"),
               "parse": (HERE / "test_parse_fixtures.py").read_text(encoding="utf-8")}
    named = set(re.findall(r"`(resolve|parse)::(test_\w+)", doc))
    assert named
    for module, name in sorted(named):
        assert f"def {name}(" in sources[module], f"docs name {module}::{name}, which does not exist"
    documented = {name for module, name in named if module == "resolve"}
    assert {v["rule"] for v in EXPECTED.values()} <= documented
    defined = set(re.findall(r"^def (test_\w+)\(", sources["resolve"], re.M))
    assert defined - documented == {"test_docs_name_the_tests"}
