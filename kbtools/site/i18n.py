"""UI strings of the site: Babel ``.po`` catalogues, installed into Jinja2's i18n extension.

Templates use ``{{ _("Tags") }}`` and ``{{ ngettext("%(num)d note", "%(num)d notes", n) }}``;
Python code calls ``site.tr.gettext("…")`` with a literal message, so that Babel's extractor
finds it. The catalogues are package data:

* ``kbtools/locale/messages.pot`` — every message, extracted from ``templates/**.html`` and
  ``kbtools/**.py`` as ``babel.cfg`` says;
* ``kbtools/locale/<lang>/LC_MESSAGES/messages.po`` — ``ru`` (Russian) and ``en`` (English: the
  source text itself). A language is available when its ``.po`` file is there
  (:func:`available`).

No compiled ``.mo`` file is stored: :func:`catalog` reads the ``.po`` with
:func:`babel.messages.pofile.read_po` and :func:`translations` compiles it in memory
(:func:`babel.messages.mofile.write_mo`) into a standard :class:`gettext.GNUTranslations`, once
per process and language (``functools.lru_cache``). Plural forms come from the catalogue's
``Plural-Forms`` header, which Babel writes from CLDR: Russian has three — one (1, 21, 101…),
few (2–4, 22–24…), many (0, 5–20, 25…, 111): «1 заметка, 2 заметки, 5 заметок». Fuzzy entries are
not used (gettext's rule): the English text shows until a translator confirms them. Dates are
CLDR's too (:func:`babel.dates.format_date`, ``d MMMM y``: «27 ноября 2026», «27 November 2026»).

How to update the catalogues after changing a UI string: README.md, "Translations of the site"
(``python scripts/catalogues.py``); ``tests/test_site_i18n.py`` fails while a message of the
sources is missing, untranslated or fuzzy in a catalogue.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"


def locale_dir() -> Path:
    """The folder of the catalogues (``kbtools/locale``)."""
    return Path(str(resources.files("kbtools") / "locale"))


def po_file(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def available() -> tuple[str, ...]:
    """Languages that have a catalogue, sorted."""
    found = locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    return tuple(sorted(p.parent.parent.name for p in found))


@lru_cache(maxsize=None)
def catalog(lang: str) -> Catalog:
    """The parsed ``.po`` catalogue of ``lang`` (read once per process)."""
    with po_file(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """``lang``'s catalogue compiled in memory; English source text for an unknown language."""
    if not po_file(lang).is_file():
        return gettext.NullTranslations()
    return compile_catalog(catalog(lang))


def compile_catalog(parsed: Catalog) -> gettext.GNUTranslations:
    """A parsed catalogue as :class:`gettext.GNUTranslations`, through an in-memory ``.mo``:
    fuzzy messages are left out (as ``msgfmt`` does), an empty translation falls back to the
    ``msgid``, and ``ngettext`` picks forms by the catalogue's ``Plural-Forms``."""
    buf = io.BytesIO()
    write_mo(buf, parsed)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def plural_index(lang: str, n: int) -> int:
    """Which plural form ``n`` takes in ``lang`` (the catalogue's ``Plural-Forms``)."""
    tr = translations(lang)
    plural = getattr(tr, "plural", None)
    return int(plural(n)) if plural is not None else int(n != 1)


class Translations:
    """``gettext``/``ngettext`` for one language (the interface Jinja2's i18n extension wants),
    and :meth:`date`."""

    def __init__(self, lang: str):
        self.lang = lang
        self._tr = translations(lang)

    def gettext(self, message: str) -> str:
        return self._tr.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._tr.ngettext(singular, plural, n)

    def date(self, when: dt.date) -> str:
        """A human date: ``27 ноября 2026`` / ``27 November 2026``."""
        day = dt.date(when.year, when.month, when.day)
        return format_date(day, "d MMMM y", locale=self.lang if self.lang in available() else "en")
