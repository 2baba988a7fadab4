"""The rule table: every check's stable code, slug, default severity and documentation.

Codes and slugs never change meaning once released; new rules take new codes.
The checks that emit them live in :mod:`kbtools.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    """One documented rule."""

    code: str
    """``KB001``…: stable, used in config, suppressions and CI annotations."""
    slug: str
    """Readable stable name, usable wherever the code is."""
    severity: Severity
    """Default severity (config can change it)."""
    summary: str
    """One line: what the rule finds."""
    example: str
    """A Markdown snippet that triggers it."""
    fix: str
    """How to make it pass."""


RULES: tuple[Rule, ...] = (
    Rule("KB001", "broken-note", Severity.ERROR,
         "A link points to a note or file that does not exist in the vault.",
         "See [[Построение отношений]] (the file is `Построение-отношений.md`)",
         "Correct the name (the hint suggests the closest one) or create the note."),
    Rule("KB002", "broken-heading", Severity.ERROR,
         "A link's `#Heading` does not match any heading of the target note.",
         "[[Лидерство#Стили руководства]] when the note has no such heading",
         "Use an existing heading (matched case-insensitively, punctuation counts as a space)."),
    Rule("KB003", "broken-block", Severity.ERROR,
         "A link's `#^block` id is not defined in the target note.",
         "[[Лидерство#^abc123]] when no line of the note ends with `^abc123`",
         "Add ` ^abc123` at the end of the paragraph, or fix the id."),
    Rule("KB004", "broken-embed", Severity.ERROR,
         "An embed `![[…]]` or image `![](…)`, or a link to a file other than a note "
         "(`[[отчёт.pdf]]`), points to a file that does not exist.",
         "![[схема.png]] with no such attachment",
         "Add the attachment to the vault or fix its name (non-note files need their extension)."),
    Rule("KB005", "ambiguous-link", Severity.WARNING,
         "Several files share the linked name and none is an exact path or in the linking note's "
         "folder: the target was chosen by a tie-break.",
         "[[План]] with `Работа/План.md` and `Личное/План.md`, linked from the root",
         "Write the path: [[Работа/План]]."),
    Rule("KB006", "alias-link", Severity.ERROR,
         "A link targets an alias. Obsidian does not resolve aliases as link targets, so the link "
         "is unresolved.",
         "[[Стратегические альянсы]] where that is an alias of «Развитие партнерств»",
         "Link the note and show the alias: [[Развитие партнерств|Стратегические альянсы]]."),
    Rule("KB007", "invalid-frontmatter", Severity.ERROR,
         "The YAML frontmatter cannot be read, repeats a key, or `aliases`/`tags` have the wrong "
         "type. The note is still indexed with its body.",
         "---\ntitle: [unclosed\n---",
         "Fix the YAML at the reported line; `aliases` and `tags` are lists of strings."),
    Rule("KB008", "duplicate-alias", Severity.WARNING,
         "The same alias is declared by several notes, or an alias equals another note's name.",
         "aliases: [CRM] in two notes",
         "Keep each alias on one note."),
    Rule("KB009", "empty-link", Severity.WARNING,
         "A link with no target, such as `[[]]`, `[[|text]]` or `[text]()`.",
         "[[|пусто]]",
         "Write the target or remove the brackets."),
    Rule("KB010", "orphan-note", Severity.OFF,
         "No other note links to or embeds this note (off by default).",
         "A note nobody links to",
         "Link it from a hub or index note."),
    Rule("KB011", "unreadable-file", Severity.ERROR,
         "The file is not valid UTF-8, contains NUL bytes, or cannot be read; it was read with "
         "replacement characters.",
         "A note saved in cp1251",
         "Re-save the file as UTF-8."),
    Rule("KB012", "deprecated-property", Severity.WARNING,
         "The frontmatter uses `tag`, `alias` or `cssclass`, which Obsidian 1.9 no longer reads.",
         "---\nalias: Старое имя\n---",
         "Rename to `tags`, `aliases` or `cssclasses` (as a list)."),
    Rule("KB013", "link-outside-vault", Severity.ERROR,
         "A relative link climbs out of the vault (`../../x`), or a symlink points outside it.",
         "[x](../../secret.md)",
         "Keep links and symlinks inside the vault."),
    Rule("KB014", "empty-note", Severity.WARNING,
         "The note is empty (no text besides frontmatter).",
         "an empty file",
         "Write the note or delete it."),
    # Partner notes (kbtools.crm): notes whose `type` is partner, interaction, agreement or review
    Rule("KB015", "crm-invalid-value", Severity.ERROR,
         "A partner note's property has a value its schema does not allow: an unknown stage, "
         "type, duration, approach, channel or status, a metric outside 1–5, a malformed next step.",
         "---\ntype: partner\nstage: unknown\ntrust: 9\n---",
         "Use a listed machine value (`kb new --list` shows them, the hint names the closest) and "
         "scores from 1 to 5."),
    Rule("KB016", "crm-missing-field", Severity.ERROR,
         "A partner note lacks a required property (a partner's `stage`, a record's `partner` or "
         "`date`, a review's metrics).",
         "---\ntype: interaction\ndate: 2026-11-20\n---",
         "Add the property; `kb new` fills required values or asks for them."),
    Rule("KB017", "crm-bad-date", Severity.ERROR,
         "A date property of a partner note (or a next step's due date) is not a real ISO date.",
         "---\ntype: partner\nnext_review: 31.02.2025\n---",
         "Write dates as YYYY-MM-DD, and check that the day exists."),
    Rule("KB018", "crm-partner-link", Severity.ERROR,
         "An interaction, agreement or review whose `partner` is not a `[[link]]` or links a note "
         "that is not a partner (`type: partner`). A link to no note at all is KB001.",
         '---\ntype: review\npartner: "[[Лидерство]]"\n---',
         'Write partner: "[[Name of the partner note]]".'),
    Rule("KB019", "crm-stale-partner", Severity.WARNING,
         "No interaction with a partner for more than `[crm] stale_days` days (default 60), "
         "counting from its last interaction note, else from `started`.",
         "a partner whose last interaction note is dated four months ago",
         "Get in touch and record it with `kb new interaction`, or move the partner on."),
    Rule("KB020", "crm-overdue-review", Severity.WARNING,
         "A partner's or an agreement's `next_review` date has passed.",
         "next_review: 2026-01-15 on 2026-11-27",
         "Hold the review (`kb new review`) and set the next date."),
    Rule("KB021", "crm-overdue-step", Severity.WARNING,
         "An open next step of an interaction is past its due date.",
         'next_steps: ["[ ] 2026-10-01 Отправить проект соглашения"] on 2026-11-27',
         "Do it and mark it `[x]`, or give it a new date."),
    Rule("KB022", "unpublished-link", Severity.WARNING,
         "A published note links to or embeds a note that is not published (`publish: false`, "
         "`draft: true`, or excluded by `[site] exclude`/`exclude_tags`): on the site the link "
         "is plain text and the embed is missing.",
         "[[Черновик плана]] where that note has `draft: true`",
         "Publish the target, unpublish the linking note, or drop the link."),
)

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
BY_SLUG: dict[str, Rule] = {r.slug: r for r in RULES}


def lookup(key: str) -> Rule:
    """A rule by code (``KB001``, case-insensitive) or slug (``broken-note``)."""
    rule = BY_CODE.get(key.strip().upper()) or BY_SLUG.get(key.strip().lower())
    if rule is None:
        raise KeyError(f"unknown rule {key!r}")
    return rule
