"""Which pages the site has and where they live: the URL and slug policy.

Two slug policies, ``[site] slugs`` (:data:`SLUG_POLICIES`); every slug of the site — note and
folder URLs, tags, attachments, alias redirects and heading anchors — follows the one chosen:

``"unicode"`` (the default)
    Slugs **keep Unicode** (NFC) and case: ``Развитие партнерств.md`` → ``Развитие-партнерств/``;
    whitespace and characters that are unsafe in URLs or file names
    (``# % ? & / \\ : * " < > | [ ] { } ^ ` ' « »`` …) become ``-``, runs of ``-`` collapse.
``"translit"``
    ASCII slugs: the text is lower-cased and Russian Cyrillic transliterated with the
    **Moscow Metro** scheme (2017; :data:`iuliia.MOSMETRO` of the ``iuliia`` package):
    ``Развитие партнерств.md`` → ``razvitie-partnerstv/``. Letters: а a, б b, в v, г g, д d,
    е e, ё e, ж zh, з z, и i, й y, к k, л l, м m, н n, о o, п p, р r, с s, т t, у u, ф f,
    х kh, ц ts, ч ch, ш sh, щ sch, ъ and ь dropped, ы y, э e, ю yu, я ya; in context, ъ/ь before
    a vowel → y (``Подъезд`` → ``podyezd``, ``Ильич`` → ``ilyich``), a final -ий/-ый → -y
    (``Новый`` → ``novy``) and ц after т → s (``Братцево`` → ``bratsevo``). Latin letters lose
    their accents (``Café`` → ``cafe``); letters of other scripts are kept as they are. Then every
    character that is not a letter, digit or ``_`` becomes ``-``, and runs of ``-`` collapse.

In both policies:

* Every published note gets a folder URL: ``Папка/Заметка.md`` → ``Папка/Заметка/`` (written as
  ``Папка/Заметка/index.html``) — the URL of its folder plus the slug of its name.
* **Collisions** are resolved deterministically: notes are taken in the order of their vault
  paths (code points), the first keeps the slug and the next ones get ``-2``, ``-3``… Slugs are
  compared case-insensitively (case-insensitive file systems), so ``Ёлка.md`` and ``Елка.md``
  (both ``elka`` in ``translit``) become ``elka/`` and ``elka-2/``, as do ``A.md`` and ``a.md``
  in ``unicode``. Folders are deduplicated the same way among themselves (``Ёж/`` and ``Еж/``
  → ``ezh/``, ``ezh-2/``), and so are tags and attachments. Slugs that would collide with the
  site's own folders (``tags``, ``notes``, ``assets``, ``files``) get a ``-`` appended.
* The home note (configured ``home``, else ``index.md``, else ``Главная.md``) is the site root.
* Tags live under ``tags/``: ``#a/b`` → ``tags/a/b/`` (lower-cased, same slug rule).
* Attachments are copied under ``files/``, their path slugged the same way, extension kept
  (lower-cased).
* Heading anchors: the heading text without Markdown markup, lower-cased, punctuation removed,
  spaces → ``-`` (``## Этап 1: Идентификация`` → ``#этап-1-идентификация``, or
  ``#etap-1-identifikatsiya`` with ``translit``); a repeated anchor gets ``-1``, ``-2``… Block
  ids ``^id`` become ``#block-id`` (lower-cased; block ids are ASCII already).
* Every URL written into a page is relative to that page, so the site works under any sub-path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import iuliia

from ..publish import PublishRules, is_published
from ..model import Note

RESERVED = ("tags", "notes", "assets", "files", "index.html", "404.html", "sitemap.xml",
            "feed.xml")
HOME_NAMES = ("index", "главная")
SLUG_POLICIES = ("unicode", "translit")
"""The values of ``[site] slugs`` (see the module docstring); the first is the default."""

_UNSAFE = re.compile(r"""[\s\x00-\x1f\x7f!"#$%&'()*+,./:;<=>?@\[\\\]^`{|}~«»]+""")
_WIKI = re.compile(r"!?\[\[([^\]|#]*)(?:#([^\]|]*))?(?:\|([^\]]*))?\]\]")
_MDLINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(?=[*`=~_<])(?:[*`]+|==|~~|(?<!\w)_+|_+(?!\w)|<[^>]+>)")
_BLOCK_ID_END = re.compile(r"(?:^|\s)\^[A-Za-z0-9-]+\s*$")
_URL_KEEP = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]")
_URL_ENCODE = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/\x80-\U0010ffff]")
"""ASCII that :func:`href` percent-encodes (non-ASCII printable characters are not whitespace:
``str.isprintable`` is false for every non-ASCII space, so a printable URL keeps them all)."""
_NOT_WORD = re.compile(r"[^\w]+|-+")  # \w: letters and digits of any script, and _


def slug(text: str, lower: bool = False, policy: str = "unicode") -> str:
    """One URL segment of ``text`` under ``policy`` (see the module docstring); never empty.

    ``translit`` slugs are always lower-case."""
    text = unicodedata.normalize("NFC", text)
    if policy == "translit":
        return _NOT_WORD.sub("-", transliterate(text)).strip("-") or "-"
    out = _UNSAFE.sub("-", text).strip("-")
    return (out.lower() if lower else out) or "-"


@lru_cache(maxsize=65536)
def transliterate(text: str) -> str:
    """``text`` lower-cased, Russian Cyrillic in Latin letters (iuliia's Moscow Metro scheme),
    accents of Latin letters dropped; other characters as they are."""
    latin = iuliia.MOSMETRO.translate(text.lower()).lower()
    return "".join(_unaccent(c) if not c.isascii() else c for c in latin)


def _unaccent(char: str) -> str:
    """``é`` → ``e``, ``№`` → ``no``; a character with no ASCII base letter is kept."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base.lower() if base.isascii() and base.isalnum() else char


def plain(text: str) -> str:
    """Markdown inline source → readable plain text (for titles, anchors, snippets)."""
    text = _WIKI.sub(lambda m: m.group(3) or (m.group(1) + (" › " + m.group(2) if m.group(2) else ""))
                     if not m.group(0).startswith("!") else "", text)
    text = _MDLINK.sub(lambda m: m.group(1), text)
    if "%%" in text:
        text = re.sub(r"%%.*?%%", "", text)
    if "^" in text:
        text = _BLOCK_ID_END.sub("", text)
    return " ".join(_MARKUP.sub("", text).split())  # = re.sub(r"\s+", " ", …).strip()


def anchor_slug(text: str, policy: str = "unicode") -> str:
    """The anchor of a heading (before de-duplication)."""
    return slug(plain(text), lower=True, policy=policy) if plain(text) else "section"


def heading_anchors(note: Note, policy: str = "unicode") -> dict[int, str]:
    """Line of each heading of ``note`` → its unique anchor."""
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    for h in note.headings:
        base = anchor_slug(h.text, policy)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out[h.line] = base if n == 0 else f"{base}-{n}"
    return out


def block_anchor(block_id: str) -> str:
    return "block-" + block_id.lower()


def href(url: str) -> str:
    """Percent-encode what must be in an href; non-ASCII letters stay readable (IRI)."""
    if url.isprintable():  # the usual case: no non-ASCII character needs encoding
        return _URL_ENCODE.sub(_percent, url)
    return "".join(c if (not c.isascii() and c.isprintable() and not c.isspace())
                   or _URL_KEEP.match(c) else _percent_char(c) for c in url)


def _percent_char(c: str) -> str:
    return "".join(f"%{b:02X}" for b in c.encode("utf-8"))


def _percent(m: re.Match[str]) -> str:
    return _percent_char(m.group())


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
                 exclude: tuple[str, ...] = (), exclude_tags: tuple[str, ...] = (),
                 slugs: str = "unicode"):
        if slugs not in SLUG_POLICIES:
            raise ValueError(f"slugs must be one of {', '.join(SLUG_POLICIES)}, not {slugs!r}")
        self.slugs = slugs
        """The slug policy (:data:`SLUG_POLICIES`)."""
        rules = PublishRules(tuple(exclude), tuple(exclude_tags))
        excluded = rules.excluded()
        self.published = {p for p, n in notes.items() if is_published(n, rules, excluded)}
        self.home = self._find_home(notes, home)
        self._folder_urls = self._plan_folders()
        used: dict[str, str] = {r.lower(): "" for r in RESERVED}
        self.notes: dict[str, NotePage] = {}
        for path in sorted(self.published):
            note = notes[path]
            if path == self.home:
                url = ""
            else:
                stem = path[:-3] if path.lower().endswith(".md") else path
                folder, _, name = stem.rpartition("/")
                url = self.slug(name)
                if folder:
                    url = self.folder_url(folder) + url
                elif url.lower() in RESERVED:  # never inside the site's own folders
                    url += "-"
                url = _unique(url, used) + "/"
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

    def slug(self, text: str, lower: bool = False) -> str:
        """One URL segment of ``text`` under this site's slug policy."""
        return slug(text, lower, self.slugs)

    def _plan_folders(self) -> dict[str, str]:
        """Vault folder → its URL, for every folder holding published notes (and its parents):
        the parent's URL plus the folder's slug, ``-2``, ``-3``… when taken (case-insensitive)."""
        folders = {"/".join(parts[:i]) for path in self.published
                   for parts in [path.split("/")[:-1]] for i in range(1, len(parts) + 1)}
        used: dict[str, str] = {}
        out: dict[str, str] = {}
        for folder in sorted(folders):  # parents first
            parent, _, name = folder.rpartition("/")
            url = self.slug(name)
            if parent:
                url = out[parent] + url
            elif url.lower() in RESERVED:
                url += "-"
            out[folder] = _unique(url, used) + "/"
        return out

    def folder_url(self, folder: str) -> str:
        """Site URL of a vault folder (``Папка/Подпапка`` → ``Папка/Подпапка/``)."""
        url = self._folder_urls.get(folder)
        if url is None:  # a folder without published notes: not planned, the plain rule
            url = folder_url(folder, self.slugs)
        return url

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
                url = self.folder_url(folder)
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
        """Redirect page URL → the note it names, for aliases whose slug is free and that are
        not the name of a published note (``[[Name]]`` always means that note, KB008)."""
        taken = set(used) | {u.lower().rstrip("/") for u in self.folders}
        names = {page.note.name.lower() for page in self.notes.values()}
        out: dict[str, str] = {}
        for path in sorted(self.notes):
            for alias in self.notes[path].note.aliases:
                url = self.slug(alias)
                if url.lower() in taken or url.lower() in RESERVED or url == "-" or \
                        alias.lower() in names:
                    continue
                taken.add(url.lower())
                out[url + "/"] = path
        return out

    def _tags(self) -> dict[str, TagPage]:
        tags: dict[str, TagPage] = {}
        used: dict[str, str] = {}
        for path in sorted(self.published, key=lambda p: (self.notes[p].title.lower(), p)):
            for tag in self.notes[path].note.tags:
                parts = tag.strip("/").split("/")
                for i in range(1, len(parts) + 1):
                    key = "/".join(parts[:i]).lower()
                    page = tags.get(key)
                    if page is None:
                        parent = "/".join(parts[:i - 1]).lower()
                        url = "tags/" + _unique("/".join(self.slug(p, lower=True)
                                                          for p in parts[:i]), used) + "/"
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
            parts = [self.slug(p) for p in folder.split("/")] if folder else []
            parts.append(self.slug(stem))
            suffix = "." + self.slug(ext, lower=True) if ext else ""
            url = "files/" + _unique("/".join(parts), self._file_used, suffix)
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
            got = self._anchors[path] = heading_anchors(self.notes[path].note, self.slugs) \
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


def folder_url(folder: str, policy: str = "unicode") -> str:
    """Site URL of a vault folder by the slug rule alone (:meth:`Plan.folder_url` also resolves
    collisions between folders: use it for the folders of a site)."""
    parts = [slug(p, policy=policy) for p in folder.split("/")]
    if parts[0].lower() in RESERVED:
        parts[0] += "-"
    return "/".join(parts) + "/"


def _unique(candidate: str, used: dict[str, str], suffix: str = "") -> str:
    """``candidate + suffix``, or with ``-2``, ``-3``… before the suffix (a file's extension)
    when a case-insensitive equal one is taken. ``used``: lower-cased URL → the URL that was
    wanted (so a numbered URL is one whose key is not its value lower-cased)."""
    wanted = candidate + suffix
    if wanted.lower() not in used:
        used[wanted.lower()] = wanted
        return wanted
    n = 2
    while f"{candidate}-{n}{suffix}".lower() in used:
        n += 1
    used[f"{candidate}-{n}{suffix}".lower()] = wanted  # key ≠ value: a numbered one
    return f"{candidate}-{n}{suffix}"
