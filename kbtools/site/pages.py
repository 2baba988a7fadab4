"""Which pages the site has and where they live: the URL and slug policy.

* Every published note gets a folder URL: ``Папка/Заметка.md`` → ``Папка/Заметка/`` (written as
  ``Папка/Заметка/index.html``). Slugs **keep Unicode** (NFC) and case; whitespace and characters
  that are unsafe in URLs or file names (``# % ? & / \\ : * " < > | [ ] { } ^ ` '`` …) become
  ``-``, runs of ``-`` collapse. Two notes whose slugs differ only in case get ``-2``, ``-3``…
  (case-insensitive file systems). Slugs that would collide with the site's own folders
  (``tags``, ``notes``, ``assets``, ``files``) get a suffix the same way.
* The home note (configured ``home``, else ``index.md``, else ``Главная.md``) is the site root.
* Tags live under ``tags/``: ``#a/b`` → ``tags/a/b/`` (lower-cased, same slug rule).
* Attachments are copied under ``files/``, their path slugged the same way, extension kept.
* Heading anchors: the heading text without Markdown markup, lower-cased, punctuation removed,
  spaces → ``-``, Unicode kept (``## Этап 1: Идентификация`` → ``#этап-1-идентификация``); a
  repeated anchor gets ``-1``, ``-2``… Block ids ``^id`` become ``#block-id`` (lower-cased).
* Every URL written into a page is relative to that page, so the site works under any sub-path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..publish import PublishRules, is_published
from ..model import Note

RESERVED = ("tags", "notes", "assets", "files", "index.html", "404.html", "sitemap.xml",
            "feed.xml")
HOME_NAMES = ("index", "главная")

_UNSAFE = re.compile(r"""[\s\x00-\x1f\x7f!"#$%&'()*+,./:;<=>?@\[\\\]^`{|}~«»]+""")
_WIKI = re.compile(r"!?\[\[([^\]|#]*)(?:#([^\]|]*))?(?:\|([^\]]*))?\]\]")
_MDLINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*`]+|==|~~|(?<!\w)_+|_+(?!\w)|<[^>]+>")
_URL_KEEP = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]")


def slug(text: str, lower: bool = False) -> str:
    """One URL segment of ``text`` (see the module docstring); never empty."""
    text = unicodedata.normalize("NFC", text)
    out = _UNSAFE.sub("-", text).strip("-")
    return (out.lower() if lower else out) or "-"


def plain(text: str) -> str:
    """Markdown inline source → readable plain text (for titles, anchors, snippets)."""
    text = _WIKI.sub(lambda m: m.group(3) or (m.group(1) + (" › " + m.group(2) if m.group(2) else ""))
                     if not m.group(0).startswith("!") else "", text)
    text = _MDLINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"%%.*?%%", "", text)
    text = re.sub(r"(?:^|\s)\^[A-Za-z0-9-]+\s*$", "", text)
    return re.sub(r"\s+", " ", _MARKUP.sub("", text)).strip()


def anchor_slug(text: str) -> str:
    """The anchor of a heading (before de-duplication)."""
    return slug(plain(text), lower=True) if plain(text) else "section"


def heading_anchors(note: Note) -> dict[int, str]:
    """Line of each heading of ``note`` → its unique anchor."""
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    for h in note.headings:
        base = anchor_slug(h.text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out[h.line] = base if n == 0 else f"{base}-{n}"
    return out


def block_anchor(block_id: str) -> str:
    return "block-" + block_id.lower()


def href(url: str) -> str:
    """Percent-encode what must be in an href; non-ASCII letters stay readable (IRI)."""
    return "".join(c if (not c.isascii() and c.isprintable() and not c.isspace())
                   or _URL_KEEP.match(c) else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                   for c in url)


def relative(from_url: str, to_url: str) -> str:
    """The relative reference from the page at site URL ``from_url`` to site URL ``to_url``.

    Site URLs have no leading ``/``: ``""`` is the root, ``a/b/`` a page, ``files/x.png`` a file.
    """
    base = from_url.split("/")[:-1]  # the folders of the page ("a/b/" → a, b)
    *dirs, tail = to_url.split("/")
    n = 0
    while n < len(base) and n < len(dirs) and base[n] == dirs[n]:
        n += 1
    return "../" * (len(base) - n) + "".join(d + "/" for d in dirs[n:]) + tail or "./"


def output_file(url: str) -> str:
    """The file that serves site URL ``url``."""
    return url + "index.html" if url == "" or url.endswith("/") else url


@dataclass
class NotePage:
    path: str
    url: str
    title: str
    note: Note


@dataclass
class TagPage:
    key: str
    """Lower-cased full tag (``a/b``)."""
    name: str
    """First spelling seen."""
    url: str
    notes: list[str] = field(default_factory=list)
    """Published notes with this tag or a tag under it."""
    children: list[str] = field(default_factory=list)


class Plan:
    """Every URL of the site, decided before anything is rendered."""

    def __init__(self, notes: dict[str, Note], *, home: str | None = None,
                 exclude: tuple[str, ...] = (), exclude_tags: tuple[str, ...] = ()):
        rules = PublishRules(tuple(exclude), tuple(exclude_tags))
        excluded = rules.excluded()
        self.published = {p for p, n in notes.items() if is_published(n, rules, excluded)}
        self.home = self._find_home(notes, home)
        used: dict[str, str] = {r.lower(): "" for r in RESERVED}
        self.notes: dict[str, NotePage] = {}
        for path in sorted(self.published):
            note = notes[path]
            if path == self.home:
                url = ""
            else:
                parts = [slug(p) for p in (path[:-3] if path.lower().endswith(".md") else path).split("/")]
                if parts[0].lower() in RESERVED:  # never inside the site's own folders
                    parts[0] += "-"
                url = _unique("/".join(parts), used) + "/"
            title = note.properties.get("title")
            if not isinstance(title, (str, int, float)) or not str(title).strip():
                title = note.name
            self.notes[path] = NotePage(path, url, str(title).strip(), note)
        self.folders = self._folders()
        self.aliases = self._aliases(used)
        self.tags = self._tags()
        self._files: dict[str, str] = {}
        self.file_urls: set[str] = set()
        self._file_used: dict[str, str] = {}
        self._anchors: dict[str, dict[int, str]] = {}

    def _find_home(self, notes: dict[str, Note], home: str | None) -> str | None:
        wanted = [home.lower().removesuffix(".md")] if home else list(HOME_NAMES)
        for want in wanted:
            for path in sorted(self.published):
                stem = path[:-3].lower()
                if stem == want or (home and notes[path].name.lower() == want):
                    return path
        return None

    def _folders(self) -> dict[str, "FolderPage"]:
        """Folder URL → its page, for every folder holding published notes (and its parents).

        A note whose URL is the folder's (``Папка.md`` beside ``Папка/``) is the folder's page;
        other folders get a generated listing."""
        by_url = {np.url: path for path, np in self.notes.items()}
        folders: dict[str, FolderPage] = {}
        for path in sorted(self.notes, key=lambda p: self.notes[p].title.lower()):
            parts = path.split("/")[:-1]
            child: str | None = None
            for depth in range(len(parts), 0, -1):
                folder = "/".join(parts[:depth])
                url = folder_url(folder)
                page = folders.get(url)
                if page is None:
                    page = folders[url] = FolderPage(folder, url, by_url.get(url))
                if depth == len(parts):
                    page.notes.append(path)
                if child is not None and child not in page.children:
                    page.children.append(child)
                child = url
        return folders

    def _aliases(self, used: dict[str, str]) -> dict[str, str]:
        """Redirect page URL → the note it names, for aliases whose slug is free."""
        taken = set(used) | {u.lower().rstrip("/") for u in self.folders}
        out: dict[str, str] = {}
        for path in sorted(self.notes):
            for alias in self.notes[path].note.aliases:
                url = slug(alias)
                if url.lower() in taken or url.lower() in RESERVED or url == "-":
                    continue
                taken.add(url.lower())
                out[url + "/"] = path
        return out

    def _tags(self) -> dict[str, TagPage]:
        tags: dict[str, TagPage] = {}
        used: dict[str, str] = {}
        for path in sorted(self.published, key=lambda p: self.notes[p].title.lower()):
            for tag in self.notes[path].note.tags:
                parts = tag.strip("/").split("/")
                for i in range(1, len(parts) + 1):
                    key = "/".join(parts[:i]).lower()
                    page = tags.get(key)
                    if page is None:
                        parent = "/".join(parts[:i - 1]).lower()
                        url = "tags/" + _unique("/".join(slug(p, lower=True) for p in parts[:i]), used) + "/"
                        page = tags[key] = TagPage(key, "/".join(parts[:i]), url)
                        if parent and key not in tags[parent].children:
                            tags[parent].children.append(key)
                    if path not in page.notes:
                        page.notes.append(path)
        return tags

    def url(self, path: str) -> str | None:
        """Site URL of a published note, or ``None``."""
        page = self.notes.get(path)
        return page.url if page is not None else None

    def tag_url(self, name: str) -> str | None:
        page = self.tags.get(name.strip("/").lower())
        return page.url if page is not None else None

    def file_url(self, path: str) -> str:
        """Site URL of an attachment (``files/…``); the same path always gets the same URL."""
        url = self._files.get(path)
        if url is None:
            folder, _, name = path.rpartition("/")
            stem, dot, ext = name.rpartition(".")
            if not dot:
                stem, ext = name, ""
            parts = [slug(p) for p in folder.split("/")] if folder else []
            parts.append(slug(stem) + ("." + slug(ext, lower=True) if ext else ""))
            url = "files/" + _unique("/".join(parts), self._file_used)
            self._files[path] = url
            self.file_urls.add(url)
        return url

    @property
    def files(self) -> dict[str, str]:
        """Attachments referenced so far → their site URL."""
        return self._files

    def anchors(self, path: str) -> dict[int, str]:
        got = self._anchors.get(path)
        if got is None:
            got = self._anchors[path] = heading_anchors(self.notes[path].note) \
                if path in self.notes else {}
        return got


@dataclass
class FolderPage:
    path: str
    """Vault folder (``Папка/Подпапка``)."""
    url: str
    note: str | None = None
    """The note that serves as this folder's page, if any."""
    notes: list[str] = field(default_factory=list)
    """Published notes directly in the folder."""
    children: list[str] = field(default_factory=list)
    """URLs of subfolders."""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def folder_url(folder: str) -> str:
    """Site URL of a vault folder: the slug rule of note URLs."""
    parts = [slug(p) for p in folder.split("/")]
    if parts[0].lower() in RESERVED:
        parts[0] += "-"
    return "/".join(parts) + "/"


def _unique(candidate: str, used: dict[str, str]) -> str:
    key = candidate.lower()
    if key not in used:
        used[key] = candidate
        return candidate
    n = 2
    while f"{key}-{n}" in used:
        n += 1
    used[f"{key}-{n}"] = candidate
    return f"{candidate}-{n}"
