"""Site settings: the ``[site]`` table of ``kbtools.toml`` (or ``[tool.kbtools.site]``).

.. code-block:: toml

    [site]
    title = "База знаний"          # default: the vault folder's name
    lang = "ru"                    # "ru" or "en": UI strings, <html lang>, dates
    home = "Развитие партнерств"   # the home note; default: index.md, then Главная.md
    base_url = "https://example.org/kb/"   # only for sitemap.xml and the feed (pages stay relative)
    exclude = ["Черновики/**"]     # vault globs never published
    exclude_tags = ["private"]     # notes with these tags (or tags under them) are not published
    properties = true              # show frontmatter as a properties table
    feed_size = 20                 # entries in feed.xml
    templates = "theme"            # a folder of template overrides (relative to the vault)
    search = true                  # a pagefind full-text index and the search/ page
    graph = true                   # the graph/ page and a local graph on every note page
    slugs = "unicode"              # URL slugs and heading anchors: "unicode" (Развитие-партнерств/)
                                   # or "translit" (razvitie-partnerstv/, Russian → Latin)

``lang`` must have a catalogue in ``kbtools/locale/`` (:func:`kbtools.site.i18n.available`).
``slugs`` is one of :data:`kbtools.site.pages.SLUG_POLICIES`; the policy (transliteration scheme,
lower-casing, collisions) is documented in :mod:`kbtools.site.pages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config, ConfigError
from .pages import SLUG_POLICIES

LANGS = ("ru", "en")


@dataclass(frozen=True)
class SiteConfig:
    title: str = ""
    lang: str = "ru"
    home: str | None = None
    base_url: str = ""
    exclude: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    properties: bool = True
    feed_size: int = 20
    templates: Path | None = None
    search: bool = True
    graph: bool = True
    slugs: str = "unicode"

    @classmethod
    def from_config(cls, config: Config, vault_root: Path, **overrides: Any) -> "SiteConfig":
        data = dict(getattr(config, "site", None) or {})
        data.update({k: v for k, v in overrides.items() if v is not None})
        known = {"title", "lang", "home", "base_url", "exclude", "exclude_tags", "properties",
                 "feed_size", "templates", "search", "graph", "slugs"}
        unknown = set(data) - known
        where = config.source or "config"
        if unknown:
            raise ConfigError(f"{where}: unknown [site] setting(s) {', '.join(sorted(unknown))}")
        lang = str(data.get("lang", "ru"))
        if lang not in LANGS:
            raise ConfigError(f"{where}: [site] lang must be one of {', '.join(LANGS)}")
        slugs = str(data.get("slugs", SLUG_POLICIES[0]))
        if slugs not in SLUG_POLICIES:
            raise ConfigError(f"{where}: [site] slugs must be one of {', '.join(SLUG_POLICIES)}")
        listify = lambda v: (v,) if isinstance(v, str) else tuple(v or ())  # noqa: E731
        templates = data.get("templates")
        base = str(data.get("base_url", "") or "")
        return cls(title=str(data.get("title") or vault_root.resolve().name), lang=lang,
                   home=data.get("home") or None,
                   base_url=base + ("/" if base and not base.endswith("/") else ""),
                   exclude=listify(data.get("exclude")),
                   exclude_tags=tuple(t.lstrip("#").lower() for t in listify(data.get("exclude_tags"))),
                   properties=bool(data.get("properties", True)),
                   feed_size=int(data.get("feed_size", 20)),
                   templates=(vault_root / templates) if templates else None,
                   search=bool(data.get("search", True)), graph=bool(data.get("graph", True)),
                   slugs=slugs)
