"""kb serve's incremental rebuilds (kbtools.site.live): after every kind of edit, the served
folder is byte-for-byte what a fresh ``kb build`` of the same vault writes (the pagefind index
aside: search is off here, and refreshed in the background in kb serve)."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from kbtools.load import load_vault
from kbtools.site import build
from kbtools.site.build import Site
from kbtools.site.graphs import local_graph
from kbtools.site.depends import claims, local_sig
from kbtools.site.live import LiveSite

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "site"
SAMPLE = ROOT / "vault"
KWARGS = {"search": False}
BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z


def files_of(out: Path) -> dict[str, bytes]:
    found = {}
    for dirpath, dirs, names in os.walk(out):
        dirs[:] = [d for d in dirs if d != "pagefind"]
        for name in names:
            path = Path(dirpath) / name
            found[path.relative_to(out).as_posix()] = path.read_bytes()
    return found


def folders_of(out: Path) -> set[str]:
    return {Path(d).relative_to(out).as_posix() for d, _, _ in os.walk(out)}


def assert_same_as_fresh(live: LiveSite, tmp: Path) -> None:
    fresh = tmp / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    build(load_vault(live.root, cache=False), fresh, **KWARGS)
    a, b = files_of(live.out), files_of(fresh)
    assert sorted(a) == sorted(b), (sorted(set(a) - set(b)), sorted(set(b) - set(a)))
    differ = [name for name in a if a[name] != b[name]]
    if differ:
        name = differ[0]
        diff = "\n".join(difflib.unified_diff(
            b[name].decode("utf-8", "replace").splitlines(),
            a[name].decode("utf-8", "replace").splitlines(), "fresh/" + name, "live/" + name,
            lineterm="", n=1))
        pytest.fail(f"{len(differ)} file(s) differ from a fresh build: {differ}\n{diff[:4000]}")
    assert folders_of(live.out) == folders_of(fresh)  # no empty folders left behind


def step(live: LiveSite):
    """An update and its background half (graph/; search is off)."""
    update = live.update()
    live.refresh_graph()
    return update


class Editor:
    """Edits files of a vault with strictly increasing modification times (file dates are part
    of the pages, and two edits within the file system's clock tick must still be seen)."""

    def __init__(self, root: Path):
        self.root = root
        self.tick = 0
        for path in root.rglob("*"):
            os.utime(path, (BASE_TIME, BASE_TIME))

    def _touch(self, path: Path) -> None:
        self.tick += 1
        t = BASE_TIME + 3600 * self.tick
        os.utime(path, (t, t))

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self._touch(path)

    def replace(self, rel: str, old: str, new: str) -> None:
        text = (self.root / rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        self.write(rel, text.replace(old, new, 1))

    def append(self, rel: str, text: str) -> None:
        self.write(rel, (self.root / rel).read_text(encoding="utf-8") + text)

    def delete(self, rel: str) -> None:
        (self.root / rel).unlink()

    def rename(self, rel: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.root / rel, self.root / new)


CONFIGS = {
    "default": None,
    "translit-en": '[site]\nslugs = "translit"\nlang = "en"\nproperties = false\n',
}


@pytest.fixture(params=["default"])
def basic(tmp_path, request):
    vault = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", vault, ignore=shutil.ignore_patterns(".kbcache"))
    if CONFIGS[request.param]:
        (vault / "kbtools.toml").write_text(CONFIGS[request.param], encoding="utf-8")
    editor = Editor(vault)
    live = LiveSite(vault, tmp_path / "out", build_kwargs=KWARGS, log=lambda _: None)
    live.full()
    return live, editor, tmp_path


NOTE = "Папка/Вложенная заметка.md"

STEPS = [
    # (what, kind expected, edit)
    ("body edit of an embedded note", "local",
     lambda e: e.append(NOTE, "\nНовый абзац в конце заметки.\n")),
    ("embedded block edited", "local",
     lambda e: e.replace(NOTE, "Первый абзац. ^key1", "Первый абзац, исправленный. ^key1")),
    ("the backlink sentence edited", "local",
     lambda e: e.replace(NOTE, "Текст этапа со ссылкой", "Изменённый текст этапа со ссылкой")),
    ("link added", "local",
     lambda e: e.append("Цикл-Б.md", "\nЕщё ссылка на [[Опасная]] и [[Вложенная заметка]].\n")),
    ("only a backlink snippet changes", "local",
     lambda e: e.replace("Цикл-Б.md", "Ещё ссылка на [[Опасная]]", "Снова ссылка на [[Опасная]]")),
    ("link to a missing attachment", "local",
     lambda e: e.append("Цикл-Б.md", "\nОтчёт: [[отчёт.pdf]].\n")),
    ("the attachment appears", "wide", lambda e: e.write("отчёт.pdf", "%PDF-1.4 not really")),
    ("a used attachment deleted", "wide", lambda e: e.delete("отчёт.pdf")),
    ("link removed", "local",
     lambda e: e.replace(NOTE, "текст этапа со ссылкой на [[index|главную]].", "текст этапа.")),
    ("attachment used by one more page", "local",
     lambda e: e.append("Цикл.md", "\n![[документ.pdf]]\n")),
    ("unpublished note edited", "local",
     lambda e: e.append("Скрытая.md", "\nЕщё текст и [[Цикл]].\n")),
    ("heading edited", "wide",
     lambda e: e.replace(NOTE, "## Итоги", "## Итоги проекта")),
    ("tag added", "wide",
     lambda e: e.append("Цикл.md", "\nТеперь с тегом #общий и #новый/вложенный.\n")),
    ("title property", "wide",
     lambda e: e.write("Цикл-Б.md", "---\ntitle: Цикл Б (переименован)\n---\n"
                                    + (e.root / "Цикл-Б.md").read_text(encoding="utf-8"))),
    ("alias added", "wide",
     lambda e: e.replace(NOTE, "aliases: [Вложенная]", "aliases: [Вложенная, Подробности]")),
    ("new note (a broken link now resolves)", "wide",
     lambda e: e.write("Нет такой заметки.md", "---\ntags: [проект/бета]\n---\n# Нет такой заметки"
                                               "\n\nТеперь есть. См. [[Цикл]] и ![[Вложенная заметка#^key1]].\n")),
    ("new note in a new folder", "wide",
     lambda e: e.write("Новая папка/Заметка.md", "Заметка в новой папке, ссылка на [[index]].\n")),
    ("publish: false", "wide",
     lambda e: e.write("Опасная.md", "---\npublish: false\n---\n"
                                     + (e.root / "Опасная.md").read_text(encoding="utf-8"))),
    ("publish: false removed", "wide",
     lambda e: e.replace("Опасная.md", "---\npublish: false\n---\n", "")),
    ("note deleted", "wide", lambda e: e.delete("Цикл-Б.md")),
    ("note renamed", "wide", lambda e: e.rename("Опасная.md", "Папка/Опасная.md")),
    ("folder emptied", "wide", lambda e: e.delete("Новая папка/Заметка.md")),
    ("attachment added and embedded", "wide",
     lambda e: (e.write("img/вторая.png", "not really a png"),
                e.append("Цикл.md", "\n![[вторая.png]]\n"))),
    ("attachment no longer used", "local",
     lambda e: e.replace("Цикл.md", "\n![[вторая.png]]\n", "\n")),
    ("attachment content changed", "local",
     lambda e: e.write("img/схема.png", "changed bytes")),
    ("updated property (date)", "local",
     lambda e: e.write("Цикл.md", "---\nupdated: 2025-05-05\n---\n"
                                  + (e.root / "Цикл.md").read_text(encoding="utf-8"))),
    ("home note body", "local", lambda e: e.append("index.md", "\nИ последний абзац.\n")),
    ("two notes at once", "local",
     lambda e: (e.append("index.md", "\nСнова [[Цикл]].\n"),
                e.append("Цикл.md", "\nОбратная ссылка на [[index]].\n"))),
    ("configuration", "full",
     lambda e: e.write("kbtools.toml", '[site]\ntitle = "Другое название"\n')),
]


@pytest.mark.parametrize("basic", sorted(CONFIGS), indirect=True)
def test_every_edit_gives_the_fresh_build(basic):
    live, editor, tmp = basic
    assert_same_as_fresh(live, tmp)
    for what, kind, edit in STEPS:
        edit(editor)
        update = step(live)
        assert update.kind == kind, (what, update)
        assert_same_as_fresh(live, tmp)
    assert live.update().kind == "none"


def test_state_matches_a_fresh_site(basic):
    """The patched backlinks, link graph and attachment claims are those of a fresh build."""
    live, editor, tmp = basic
    for _what, _kind, edit in STEPS[:7]:
        edit(editor)
        live.update()
    site = live.site
    fresh = Site(load_vault(live.root, cache=False), site.cfg, tmp / "unused")
    assert site.backlinks == fresh._backlinks()
    def edges(graph):
        return sorted((u, v, sorted(d.items())) for u, v, d in graph.edges(data=True))
    assert edges(site.vault.graph) == edges(fresh.vault.graph)
    assert set(site.vault.graph.nodes) == set(fresh.vault.graph.nodes)
    assert site.vault.links == fresh.vault.links
    assert set(claims(site)) == set(site.plan.files)


def test_local_graph_signature_follows_local_graph(basic):
    """The incremental path decides which local graphs changed with local_sig: it must name
    the nodes graphs.local_graph draws, in its order."""
    live, _editor, _tmp = basic
    site = live.site
    for path, np in site.plan.notes.items():
        sig = local_sig(site, path)
        drawn = local_graph(site, path, np.url)
        assert (sig is None) == (drawn is None)
        if sig is not None:
            titles = [t for _, t, _ in sig[0]]
            svg = drawn["svg"]
            positions = [svg.index(f"<title>{t}</title>") for t in titles]
            assert positions == sorted(positions), path


def test_partner_notes(tmp_path):
    """The sample vault has partner notes: an interaction edited or added redraws the
    dashboard and the partner's page."""
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE, vault, ignore=shutil.ignore_patterns(".kbcache"))
    editor = Editor(vault)
    live = LiveSite(vault, tmp_path / "out", build_kwargs=KWARGS, log=lambda _: None)
    live.full()
    interaction = next(p.relative_to(vault).as_posix() for p in vault.rglob("*Звонок*.md"))
    editor.replace(interaction, "Пилот выполнен: 94%", "Пилот выполнен: 95%")  # its summary
    update = step(live)
    assert update.kind == "local"
    assert "Партнёры/ООО-Северный-ветер/" in update.written  # its timeline shows the summary
    assert_same_as_fresh(live, tmp_path)
    partner = "Партнёры/ООО «Северный ветер».md"
    editor.replace(partner, "stage: implementation", "stage: scaling")
    update = step(live)
    assert update.kind == "local" and "partners/" in update.written  # the funnel
    assert_same_as_fresh(live, tmp_path)
    editor.write(partner.replace(".md", "/2026-11-25 Новая встреча.md"),
                 "---\ntype: interaction\npartner: \"[[ООО «Северный ветер»]]\"\ndate: 2026-11-25\n"
                 "channel: meeting\nsummary: Новая встреча.\n---\nВстреча.\n")
    assert step(live).kind == "wide"
    assert_same_as_fresh(live, tmp_path)


def test_a_failed_incremental_rebuild_falls_back_to_a_full_one(basic, monkeypatch):
    live, editor, tmp = basic
    from kbtools.site import local

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(local, "backlinks_of", broken)  # the local path only
    editor.append(NOTE, "\nАбзац.\n")
    update = live.update()
    monkeypatch.undo()
    assert update.kind == "full" and "boom" in update.reason
    assert_same_as_fresh(live, tmp)


def test_an_attachment_edited_in_a_wide_update_is_copied_again(basic):
    """An attachment's new bytes reach files/ when the same update also takes the wide path
    (here: a note added)."""
    live, editor, tmp = basic
    editor.write("img/схема.png", "changed bytes")
    editor.write("Новая.md", "Новая заметка.\n")
    assert step(live).kind == "wide"
    assert_same_as_fresh(live, tmp)

def test_untouched_files_are_not_rewritten(basic):
    live, editor, _tmp = basic
    before = {p: p.stat().st_mtime_ns for p in live.out.rglob("*") if p.is_file()}
    editor.append("Цикл-Б.md", "\nПросто текст.\n")
    update = live.update()
    assert update.kind == "local"
    touched = {p for p in before if p.stat().st_mtime_ns != before[p]}
    assert {p.relative_to(live.out).as_posix() for p in touched} == \
        {u + "index.html" if u == "" or u.endswith("/") else u for u in update.written}
    assert "404.html" not in update.written and "Цикл-Б/" in update.written


def _indexed_text(out: Path) -> str:
    import gzip
    return "\n".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace")
                     for f in (out / "pagefind" / "fragment").iterdir())


def test_search_index_is_refreshed_in_the_background(tmp_path):
    from kbtools.site.background import Deferred
    from kbtools.site.search import available
    if not available():
        pytest.skip("pagefind is not installed")
    vault = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", vault, ignore=shutil.ignore_patterns(".kbcache"))
    editor = Editor(vault)
    live = LiveSite(vault, tmp_path / "out", log=lambda _: None)
    live.full()
    assert "Зелёнкаблок" not in _indexed_text(live.out)
    editor.append(NOTE, "\nСовсем новое слово Зелёнкаблок.\n")
    assert live.update().kind == "local"
    assert "Зелёнкаблок" not in _indexed_text(live.out)  # the page is there, the index follows
    deferred = Deferred(live, delay=0.05, log=lambda _: None)
    deferred.request(search=True)
    deferred.flush()
    deferred.stop()
    assert "Зелёнкаблок" in _indexed_text(live.out)
    assert deferred.last_search_seconds is not None
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []  # the new bundle was moved in, the old one removed
