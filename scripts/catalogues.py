#!/usr/bin/env python3
"""Update the Babel catalogues of the site's UI strings (``kbtools/locale/``).

    python scripts/catalogues.py            # extract messages.pot, update ru and en
    python scripts/catalogues.py --check    # exit 1 when a catalogue is incomplete

``--check`` extracts the messages of the sources in memory (nothing is written) and lists those
missing from a catalogue, untranslated or fuzzy.

The update runs the two ``pybabel`` commands of README.md ("Translations of the site"):

    pybabel extract -F babel.cfg -o kbtools/locale/messages.pot --add-location=file \\
        -c TRANSLATORS: --project=kbtools --version=0.1.0 .
    pybabel update -i kbtools/locale/messages.pot -d kbtools/locale

then fills the empty ``msgstr`` of the English catalogue with the English ``msgid`` (the source
language translates to itself; an empty one would fall back to it anyway) and reports what is
left: Russian messages that are new (empty ``msgstr``) or ``#, fuzzy`` (a guess ``pybabel
update`` made from a similar old message) must be translated by hand, and the ``#, fuzzy`` flag
removed. ``tests/test_site_i18n.py`` fails until they are.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "kbtools" / "locale"
TEMPLATE = LOCALE / "messages.pot"
LANGS = ("ru", "en")
HEADER = ("# UI strings of the kbtools site (kb build), extracted by pybabel with babel.cfg.\n"
          "# Update with scripts/catalogues.py (see README.md, \"Translations of the site\").\n"
          "# This file is distributed under the same license as the kbtools project (MIT).")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
EXTRACT = ["extract", "-F", "babel.cfg", "-o", "kbtools/locale/messages.pot",
           "--add-location=file", "-c", "TRANSLATORS:", "--project=kbtools",
           f"--version={VERSION}", "--copyright-holder=kbtools contributors",
           "--msgid-bugs-address=kbtools issue tracker", f"--header-comment={HEADER}", "."]
UPDATE = ["update", "-i", "kbtools/locale/messages.pot", "-d", "kbtools/locale"]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "messages.po"


def pybabel(args: list[str]) -> None:
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(["pybabel", "-q", *args])
    finally:
        os.chdir(here)


def fill_english() -> int:
    """``msgstr`` = ``msgid`` for every empty English entry; how many were filled."""
    path = po_path("en")
    with path.open("rb") as f:
        catalog = read_po(f, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            if not any(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    if filled:
        with path.open("wb") as f:
            write_po(f, catalog)
    return filled


def extracted() -> Catalog:
    """The messages of the sources now (as ``pybabel extract`` finds them), without writing."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog(project="kbtools")
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, method_map, options_map, comment_tags=("TRANSLATORS:",)):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def problems(lang: str, template: Catalog) -> list[str]:
    """Messages of ``template`` missing from ``lang``'s catalogue, untranslated or fuzzy."""
    with po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    out = []
    for message in template:
        if not message.id:
            continue
        got = catalog.get(message.id)
        if got is None:
            out.append(f"{lang}: missing {message.id!r}")
        elif got.fuzzy:
            out.append(f"{lang}: fuzzy {message.id!r}")
        elif not (all(got.string) if got.pluralizable else got.string):
            out.append(f"{lang}: untranslated {message.id!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; report missing, untranslated or fuzzy messages")
    args = parser.parse_args(argv)
    if not args.check:
        pybabel(EXTRACT)
        pybabel(UPDATE)
        filled = fill_english()
        if filled:
            print(f"en: {filled} message(s) filled with the English text")
    template = extracted()
    left = [p for lang in LANGS for p in problems(lang, template)]
    for line in left:
        print(line)
    if left:
        print(f"{len(left)} message(s) to translate in {LOCALE.relative_to(ROOT)}/*/LC_MESSAGES/"
              "messages.po (remove '#, fuzzy' when done)", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
