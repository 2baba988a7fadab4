"""Stage 5, check: an ordered list of small check functions over a loaded vault.

Each check yields :class:`~kbtools.diagnostics.Diagnostic` s with its rule's default severity;
:func:`check` then applies the configuration (severities, per-path ignores) and inline
suppressions::

    %% kb-ignore KB001 %%        the comment's own line and the next line
    %% kb-ignore %%              …for every rule
    %% kb-ignore-file KB010 %%   the whole file

Codes and slugs are interchangeable there. Add a check by appending a function to
:data:`CHECKS` (or passing ``checks=`` to :func:`check`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Callable, Iterable, Iterator

from .config import Config, matcher
from .diagnostics import Diagnostic, Severity
from .model import Note
from .resolve import (AMBIGUOUS, MISSING_BLOCK, MISSING_HEADING, MISSING_NOTE, ResolvedLink, fold,
                      names_a_file)
from .rules import BY_CODE, lookup
from .vault import Vault

Check = Callable[[Vault], Iterable[Diagnostic]]


def emits(*codes: str):
    """Declare the rule codes a check can report; :func:`check` skips it when all are off."""
    def mark(fn):
        fn.codes = frozenset(codes)
        return fn
    return mark


def diagnostic(code: str, path: str, line: int, column: int, message: str,
               hint: str | None = None, width: int | None = None) -> Diagnostic:
    rule = BY_CODE[code]
    return Diagnostic(code, rule.slug, rule.severity, path, line, column, message, hint,
                      column + width if width else None)


# -- file-level problems -----------------------------------------------------------------------

_PROBLEM_RULES = {"encoding": "KB011", "unreadable": "KB011", "yaml": "KB007",
                  "frontmatter": "KB007", "frontmatter-type": "KB007", "deprecated": "KB012",
                  "empty-link": "KB009", "empty": "KB014", "outside": "KB013", "loop": "KB013"}


@emits("KB007", "KB009", "KB011", "KB012", "KB013", "KB014")
def check_files(vault: Vault) -> Iterator[Diagnostic]:
    """Problems the reader found: encoding, YAML, types, empty links, skipped symlinks."""
    for path, problem in vault.skipped:
        yield diagnostic(_PROBLEM_RULES.get(problem.kind, "KB011"), path, problem.line,
                         problem.column, problem.message)
    yield from note_problems(vault.notes.values())


def note_problems(notes: Iterable[Note]) -> Iterator[Diagnostic]:
    """The reader's problems of these notes as findings."""
    for note in notes:
        for problem in note.problems:
            code = _PROBLEM_RULES.get(problem.kind)
            if code:
                yield diagnostic(code, note.path, problem.line, problem.column, problem.message)


# -- links -----------------------------------------------------------------------------------

class _Suggester:
    """'Did you mean' from fuzzy matching (rapidfuzz), only for links that are reported.

    Broken note names are matched in one batch (``rapidfuzz.process.cdist`` over all names and
    aliases, on every core), so 3,000 broken links in a 10,000-note vault cost ~0.5 s, not 15.
    """

    def __init__(self, vault: Vault, wanted: Iterable[str]):
        self.vault = vault
        self.notes = self._batch(sorted(set(wanted)))

    def _batch(self, queries: list[str]) -> dict[str, str]:
        if not queries:
            return {}
        from rapidfuzz import fuzz, process, utils
        choices = self._names()
        names = list(choices)
        processed = [utils.default_process(n) for n in names]
        keys = [utils.default_process(_query_name(q)) for q in queries]
        out = {}
        if len(queries) <= 50:  # a few: one scan each (cdist would load numpy, ~0.1 s)
            for query, key in zip(queries, keys):
                best = process.extractOne(key, processed, scorer=fuzz.ratio, processor=None,
                                          score_cutoff=75)
                if best:
                    out[query] = choices[names[best[2]]]
            return out
        scores = process.cdist(keys, processed, scorer=fuzz.ratio, score_cutoff=75,
                               dtype="uint8", workers=-1)
        for query, row in zip(queries, scores):
            best = int(row.argmax())
            if row[best]:
                out[query] = choices[names[best]]
        return out

    def _names(self) -> dict[str, str]:
        """Every note name, alias and attachment name → the name to suggest (in path order,
        so ties go to the same name every run).

        Read from the index (never the notes), so a partial vault costs nothing here.
        """
        index = self.vault.index
        paths = sorted([p for paths in index.note_paths.values() for p in paths])
        choices = {name: name for name in dict.fromkeys([p.rpartition("/")[2][:-3] for p in paths])}
        for key in sorted(index.aliases):
            choices.setdefault(key, index.aliases[key][0].rpartition("/")[2][:-3])
        for att in self.vault.attachments:
            choices.setdefault(att.name, att.name)
        return choices

    def note(self, written: str) -> str | None:
        return self.notes.get(written)

    @staticmethod
    def among(written: str, options: Iterable[str]) -> str | None:
        from rapidfuzz import fuzz, process, utils
        best = process.extractOne(written, list(options), scorer=fuzz.ratio,
                                  processor=utils.default_process, score_cutoff=60)
        return best[0] if best else None


def _query_name(written: str) -> str:
    name = written.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


def _link_text(target: str, subpath: str = "", label: str | None = None) -> str:
    inner = target + (f"#{subpath}" if subpath else "")
    return f"[[{inner}{'|' + label if label else ''}]]"


@emits("KB001", "KB002", "KB003", "KB004", "KB005", "KB006", "KB013")
def check_links(vault: Vault) -> Iterator[Diagnostic]:
    """Broken notes, headings, blocks, embeds; aliases used as targets; ambiguous names."""
    suggest = _Suggester(vault, (rl.link.path for rl in vault.links
                                 if rl.resolution.status == MISSING_NOTE
                                 and not rl.resolution.outside and not rl.resolution.alias_of))
    for rl in vault.links:
        yield from _check_link(vault, rl, suggest)


def _check_link(vault: Vault, rl: ResolvedLink, suggest: _Suggester) -> Iterator[Diagnostic]:
    link, res = rl.link, rl.resolution
    at = (rl.source, link.line, link.column)
    width = len(link.raw)
    if res.status == MISSING_NOTE:
        if res.outside:
            yield diagnostic("KB013", *at, f"{link.raw} points outside the vault", width=width)
            return
        if res.alias_of:
            owner = vault.notes[res.alias_of].name
            yield diagnostic("KB006", *at, f"{link.raw}: «{link.path}» is an alias of "
                             f"«{owner}», and Obsidian does not resolve aliases",
                             hint=f"write {_link_text(owner, link.subpath, link.label or link.path)}",
                             width=width)
            return
        attachment = names_a_file(link.path)
        code = "KB004" if link.embed or attachment else "KB001"
        what = "file" if attachment else "note"
        guess = suggest.note(link.path)
        if guess is not None and (guess == vault.notes[rl.source].name
                                  or (attachment and not names_a_file(guess))):
            guess = None  # never the linking note itself, nor a note for a missing file
        hint = f"did you mean {_link_text(guess, link.subpath, link.label)}?" if guess else None
        if attachment and not guess:
            hint = "links to files other than notes need the exact file name with its extension"
        yield diagnostic(code, *at, f"{link.raw}: no {what} named «{link.path}» in the vault",
                         hint=hint, width=width)
    elif res.status == MISSING_HEADING:
        target = vault.notes[res.target]
        guess = suggest.among(link.subpath.split("#")[-1], (h.text for h in target.headings))
        yield diagnostic("KB002", *at, f"{link.raw}: «{target.name}» has no heading "
                         f"«{link.subpath}»",
                         hint=f"did you mean {_link_text(link.path, guess)}?" if guess else None,
                         width=width)
    elif res.status == MISSING_BLOCK:
        target = vault.notes[res.target]
        guess = suggest.among(link.subpath[1:], (b.id for b in target.blocks))
        yield diagnostic("KB003", *at, f"{link.raw}: «{target.name}» has no block "
                         f"«{link.subpath}»",
                         hint=f"did you mean {_link_text(link.path, '^' + guess)}?" if guess else None,
                         width=width)
    if res.status == AMBIGUOUS or (res.candidates and res.status in (MISSING_HEADING, MISSING_BLOCK)):
        chosen = res.candidates[0][:-3] if res.candidates[0].endswith(".md") else res.candidates[0]
        yield diagnostic("KB005", *at, f"{link.raw}: «{link.path}» matches "
                         f"{len(res.candidates)} files ({', '.join(res.candidates)}); "
                         f"Obsidian picks {res.candidates[0]}",
                         hint=f"write the path: {_link_text(chosen, link.subpath, link.label)}",
                         width=width)


# -- aliases and orphans -----------------------------------------------------------------------

@emits("KB008")
def check_aliases(vault: Vault) -> Iterator[Diagnostic]:
    """An alias declared by several notes, or equal to another note's name."""
    owners: dict[str, list[Note]] = defaultdict(list)
    for note in vault.notes.values():
        for alias in dict.fromkeys(fold(a) for a in note.aliases):
            owners[alias].append(note)
    for key, notes in sorted(owners.items()):
        named = vault.index.note_names.get(key, ())
        others = [p for p in named if p not in {n.path for n in notes}]
        for note in notes:
            alias = next(a for a in note.aliases if fold(a) == key)
            line = note.property_lines.get("aliases", 1)
            if len(notes) > 1:
                rest = ", ".join(n.path for n in notes if n is not note)
                yield diagnostic("KB008", note.path, line, 1,
                                 f"alias «{alias}» is also declared by {rest}")
            if others:
                yield diagnostic("KB008", note.path, line, 1,
                                 f"alias «{alias}» is the name of another note ({others[0]}); "
                                 "[[…]] always means that note")


@emits("KB010")
def check_orphans(vault: Vault) -> Iterator[Diagnostic]:
    """Notes nothing else links to (rule off by default)."""
    linked = {rl.resolution.target for rl in vault.links
              if rl.resolution.target and rl.resolution.target != rl.source}
    for path in sorted(vault.notes):
        if path not in linked:
            yield diagnostic("KB010", path, 1, 1, f"no other note links to «{vault.notes[path].name}»")


@emits("KB022")
def check_unpublished_links(vault: Vault) -> Iterator[Diagnostic]:
    """A published note linking to or embedding an unpublished one (see :mod:`kbtools.publish`)."""
    from .publish import PublishRules, is_published
    rules = PublishRules.from_config(vault.config)
    excluded = rules.excluded()
    state: dict[str, bool] = {}

    def published(path: str) -> bool:
        if path not in state:
            state[path] = is_published(vault.notes[path], rules, excluded)
        return state[path]
    for rl in vault.links:
        target = rl.resolution.target
        if target is None or target == rl.source or target not in vault.notes:
            continue
        if not published(target) and published(rl.source):
            what = "embeds" if rl.link.embed else "links to"
            yield diagnostic("KB022", rl.source, rl.link.line, rl.link.column,
                             f"{rl.link.raw}: a published note {what} «{vault.notes[target].name}», "
                             "which is not published", width=len(rl.link.raw))


from .crm.checks import CRM_CHECKS  # noqa: E402  (they use diagnostic() and emits() above)

CHECKS: tuple[Check, ...] = (check_files, check_links, check_aliases, check_orphans,
                             check_unpublished_links, *CRM_CHECKS)
"""The default checks, in order (the partner-note rules of :mod:`kbtools.crm.checks` last)."""


# -- configuration and suppressions ---------------------------------------------------------------

_SUPPRESS = re.compile(r"^kb-ignore(-file)?(?:\s+(.*))?$")


def _suppressions(note: Note) -> tuple[set[str] | None, dict[int, set[str] | None]]:
    """(codes ignored in the whole file, {line: codes}) where ``None`` means every rule."""
    whole: set[str] | None = set()
    lines: dict[int, set[str] | None] = {}
    for comment in note.comments:
        m = _SUPPRESS.match(comment.text)
        if m is None:
            continue
        codes = _codes(m.group(2))
        if m.group(1):
            whole = None if codes is None or whole is None else whole | codes
            continue
        for line in range(comment.line, comment.end + 2):
            prev = lines.get(line, set())
            lines[line] = None if codes is None or prev is None else prev | codes
    return whole, lines


def _codes(text: str | None) -> set[str] | None:
    words = re.split(r"[\s,]+", (text or "").strip())
    words = [w for w in words if w]
    if not words:
        return None
    out = set()
    for w in words:
        try:
            out.add(lookup(w).code)
        except KeyError:
            continue
    return out


def check(vault: Vault, config: Config | None = None,
          checks: Iterable[Check] = CHECKS) -> list[Diagnostic]:
    """Run the checks and return the findings that survive configuration, sorted."""
    config = config or vault.config
    wanted = {code for code in BY_CODE if config.rule_severity(code) > Severity.OFF}
    path_rules = [(matcher([glob]), codes) for glob, codes in config.per_path_ignores.items()]
    suppress_cache: dict[str, tuple] = {}
    out: list[Diagnostic] = []
    for run in checks:
        if getattr(run, "codes", None) is not None and not run.codes & wanted:
            continue
        for d in run(vault):
            if d.code not in wanted:
                continue
            if any(m(d.path) and ("*" in codes or d.code in codes) for m, codes in path_rules):
                continue
            note = vault.notes.get(d.path)
            if note is not None and note.comments:
                if d.path not in suppress_cache:
                    suppress_cache[d.path] = _suppressions(note)
                whole, lines = suppress_cache[d.path]
                if whole is None or d.code in whole:
                    continue
                if d.line in lines and (lines[d.line] is None or d.code in lines[d.line]):
                    continue
            severity = config.rule_severity(d.code)
            if severity != d.severity:
                d = Diagnostic(d.code, d.slug, severity, d.path, d.line, d.column, d.message,
                               d.hint, d.end_column)
            out.append(d)
    out.sort(key=lambda d: d.sort_key)
    return out
