"""UI strings: a gettext-shaped catalogue per language, installed into Jinja2's i18n extension.

Templates use ``{{ _("Tags") }}`` and ``{{ ngettext("%(num)d note", "%(num)d notes", n) }}``,
so the catalogues can move to Babel ``.po`` files later without touching a template. Russian
plural forms follow CLDR: one (1, 21, 101…), few (2–4, 22–24…), many (0, 5–20, 25…).
"""

from __future__ import annotations

import datetime as dt

RU: dict[str, str | tuple[str, str, str]] = {
    "Home": "Главная",
    "Tags": "Теги",
    "Tag": "Тег",
    "All notes": "Все заметки",
    "Contents": "Содержание",
    "Backlinks": "Обратные ссылки",
    "No backlinks": "Ссылок на эту заметку нет",
    "Properties": "Свойства",
    "Last modified": "Изменено",
    "Page not found": "Страница не найдена",
    "There is no page at this address. Start from the home page or the list of notes.":
        "По этому адресу ничего нет. Начните с главной страницы или со списка заметок.",
    "Recently changed": "Недавно изменённые",
    "Toggle dark mode": "Переключить тёмную тему",
    "Skip to content": "Перейти к содержанию",
    "Breadcrumbs": "Навигация",
    "Site": "Сайт",
    "Notes tagged": "Заметки с тегом",
    "Subtags": "Вложенные теги",
    "Embedding stopped: «%(name)s» is already embedded above (a cycle)":
        "Встраивание остановлено: «%(name)s» уже встроена выше (цикл)",
    "No note «%(name)s»": "Нет заметки «%(name)s»",
    "No file «%(name)s»": "Нет файла «%(name)s»",
    "«%(name)s» has no heading «%(sub)s»": "В «%(name)s» нет заголовка «%(sub)s»",
    "«%(name)s» has no block «%(sub)s»": "В «%(name)s» нет блока «%(sub)s»",
    "Folder": "Папка",
    "Folders": "Папки",
    "Atom feed": "Лента Atom",
    "Feed": "Лента",
    "Search": "Поиск",
    "Search the notes": "Поиск по заметкам",
    "Search needs JavaScript. Without it, browse the list of all notes.":
        "Для поиска нужен JavaScript. Без него смотрите список всех заметок.",
    "Graph": "Граф",
    "Graph of notes": "Граф заметок",
    "Local graph": "Связи заметки",
    "Also known as": "Другие названия",
    "%(num)d note": ("%(num)d заметка", "%(num)d заметки", "%(num)d заметок"),
    "%(num)d tag": ("%(num)d тег", "%(num)d тега", "%(num)d тегов"),
    "%(num)d link": ("%(num)d связь", "%(num)d связи", "%(num)d связей"),
    "%(num)d backlink": ("%(num)d обратная ссылка", "%(num)d обратные ссылки", "%(num)d обратных ссылок"),
}

CATALOGUES = {"ru": RU, "en": {}}

_MONTHS = {
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def plural_index(lang: str, n: int) -> int:
    """Which plural form ``n`` takes: English 0/1 (one/other), Russian 0/1/2 (one/few/many)."""
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return 0
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return 1
        return 2
    return 0 if n == 1 else 1


class Translations:
    """``gettext``/``ngettext`` for one language (the interface Jinja2's i18n extension wants)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.catalogue = CATALOGUES.get(lang, {})

    def gettext(self, message: str) -> str:
        got = self.catalogue.get(message)
        return got if isinstance(got, str) else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.catalogue.get(singular)
        if isinstance(forms, tuple):
            return forms[plural_index(self.lang, n)]
        return singular if plural_index("en", n) == 0 else plural

    def date(self, when: dt.date) -> str:
        """A human date: ``27 ноября 2026`` / ``27 November 2026``."""
        return f"{when.day} {_MONTHS.get(self.lang, _MONTHS['en'])[when.month - 1]} {when.year}"
