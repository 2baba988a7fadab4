"""Publication (kbtools.publish) and rule KB022: published notes linking to unpublished ones."""

from __future__ import annotations

from pathlib import Path

import pytest

import kbtools.incremental as incremental
from kbtools import Config, check, load_vault
from kbtools.config import from_mapping
from kbtools.incremental import check_vault
from kbtools.publish import PublishRules, is_published


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


VAULT = {
    "Опубликовано.md": "# Опубликовано\n\nСм. [[Черновик]] и ![[Скрытая]].\n[[Личное/Дневник]] [[Тайна]]\n",
    "Черновик.md": "---\ndraft: true\n---\n# Черновик\n\n[[Скрытая]]\n",
    "Скрытая.md": "---\npublish: false\n---\n# Скрытая\n",
    "Личное/Дневник.md": "# Дневник\n",
    "Тайна.md": "# Тайна\n\n#private/work\n",
}
SITE = {"site": {"exclude": ["Личное/**"], "exclude_tags": ["#private"]}}


def kb022(root: Path, config: Config) -> list[tuple[str, int, int, str]]:
    return [(d.path, d.line, d.column, d.message.split(":")[0])
            for d in check(load_vault(root, config, cache=False)) if d.code == "KB022"]


def test_published_notes_linking_to_unpublished_ones(tmp_path):
    root = make(tmp_path, VAULT)
    assert kb022(root, from_mapping(SITE)) == [
        ("Опубликовано.md", 3, 5, "[[Черновик]]"),
        ("Опубликовано.md", 3, 20, "![[Скрытая]]"),
        ("Опубликовано.md", 4, 1, "[[Личное/Дневник]]"),
        ("Опубликовано.md", 4, 20, "[[Тайна]]"),
    ]  # the draft's own link to a hidden note is not reported: neither is on the site


def test_without_site_settings_only_properties_count(tmp_path):
    root = make(tmp_path, VAULT)
    assert [f[3] for f in kb022(root, Config())] == ["[[Черновик]]", "![[Скрытая]]"]


def test_embed_and_link_messages(tmp_path):
    root = make(tmp_path, VAULT)
    messages = [d.message for d in check(load_vault(root, Config(), cache=False))
                if d.code == "KB022"]
    assert any("embeds «Скрытая»" in m for m in messages)
    assert any("links to «Черновик»" in m for m in messages)


@pytest.mark.parametrize("props, published", [
    ({}, True), ({"publish": True}, True), ({"publish": False}, False), ({"publish": "no"}, False),
    ({"draft": True}, False), ({"draft": "false"}, True),
])
def test_is_published_reads_properties(props, published):
    from kbtools.model import Note
    assert is_published(Note("a.md", properties=props), PublishRules()) is published


def test_incremental_check_agrees(tmp_path, monkeypatch):
    root = make(tmp_path, VAULT)
    config = from_mapping(SITE)
    calls = []
    real = incremental.load_vault
    monkeypatch.setattr(incremental, "load_vault", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    check_vault(root, config)
    note = root / "Опубликовано.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nЕщё [[Скрытая]].\n", encoding="utf-8")
    got = check_vault(root, config).diagnostics
    assert calls == [1], "a new link to an unpublished note is checked incrementally"
    assert got == check(load_vault(root, config, cache=False))
    hidden = root / "Скрытая.md"
    hidden.write_text("# Скрытая\n", encoding="utf-8")  # now published: others' findings change
    got = check_vault(root, config).diagnostics
    assert len(calls) == 2 and got == check(load_vault(root, config, cache=False))
    assert not [d for d in got if d.code == "KB022" and "Скрытая" in d.message]
