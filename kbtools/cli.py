"""The ``kb`` command: a thin click layer over the library.

Exit codes: 0 success (no errors), 1 errors found (or warnings with ``--strict``), 2 usage
error or tool failure.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, find_config, read_config
from .diagnostics import Severity


class KbGroup(click.Group):
    """Any unexpected exception becomes a message and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except (ConfigError, NotADirectoryError) as exc:
            click.echo(f"kb: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # a bug or an environment failure, never exit 1
            click.echo(f"kb: internal error: {type(exc).__name__}: {exc}", err=True)
            sys.exit(2)


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
def main() -> None:
    """kbtools: read, check and publish Obsidian-style Markdown vaults."""
    # A short-lived process that builds millions of acyclic objects: the cyclic collector
    # would only rescan them (reference counting still frees everything).
    gc.disable()


vault_arg = click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False,
                                                                  path_type=Path))
config_opt = click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False,
                          path_type=Path), help="Use this kbtools.toml instead of looking it up.")
cache_opt = click.option("--cache/--no-cache", default=None,
                         help="Reuse parse results in VAULT/.kbcache/ (default: on).")
jobs_opt = click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
                        help="Worker processes for parsing, and for rendering pages in kb build "
                             "(default: CPU count).")


def _valid_today(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    import datetime
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None
    return value


today_opt = click.option("--today", metavar="YYYY-MM-DD", callback=_valid_today,
                         help="The date the partner-note rules count from (default: the system "
                              "date, or [crm] today).")


def _with_today(config, today: str | None):
    import dataclasses
    return config if today is None else config.merged(
        crm=dataclasses.replace(config.crm, today=today))


def _load(vault: Path, config_file: Path | None, cache: bool | None, jobs: int | None, **overrides):
    from .load import load_vault
    config = read_config(config_file) if config_file is not None else find_config(vault)
    config = config.merged(**overrides)
    return load_vault(vault, config, cache=cache, jobs=jobs)


@main.command("check")
@vault_arg
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif", "junit"]),
              default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to a file instead of standard output.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--severity", "severities", multiple=True, metavar="RULE=LEVEL",
              help="Override a rule's severity (off, info, warning, error); repeatable.")
@click.option("--ignore", "ignores", multiple=True, metavar="GLOB",
              help="Leave matching paths out of the vault; repeatable.")
@click.option("--resolve-aliases/--no-resolve-aliases", default=None,
              help="Let [[Alias]] resolve (Quartz style). Obsidian does not.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: on a TTY).")
@config_opt
@cache_opt
@jobs_opt
@today_opt
def check_cmd(vault: Path, fmt: str, output: Path | None, strict: bool, severities: tuple[str, ...],
              ignores: tuple[str, ...], resolve_aliases: bool | None, color: bool | None,
              config_file: Path | None, cache: bool | None, jobs: int | None,
              today: str | None) -> None:
    """Check links, headings, blocks, embeds and frontmatter of VAULT (default: .)."""
    from .incremental import check_vault
    from .report import Report, step_summary
    from .rules import lookup

    severity = {}
    for item in severities:
        rule, sep, level = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected RULE=LEVEL, got {item!r}", param_hint="--severity")
        try:
            severity[lookup(rule).code] = Severity.parse(level)
        except KeyError as exc:
            raise click.BadParameter(exc.args[0], param_hint="--severity") from None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--severity") from None
    config = read_config(config_file) if config_file is not None else find_config(vault)
    config = config.merged(severity=severity or None, resolve_aliases=resolve_aliases,
                           ignore=config.ignore + ignores if ignores else None)
    config = _with_today(config, today)
    use_color = color if color is not None else (output is None and sys.stdout.isatty())
    base = _display_base(vault, os.environ.get("GITHUB_WORKSPACE") if fmt in ("github", "sarif") else None)
    report = Report(fmt, use_color, base, __version__)
    result = check_vault(vault, config, cache=config.cache if cache is None else cache,
                         jobs=jobs, report=report)
    text = result.report or ""
    if output is not None:
        with output.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.write("\n")
    else:
        click.echo(text)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_file:
        with open(summary_file, "a", encoding="utf-8") as fh:
            fh.write(step_summary(result.diagnostics, result.files_checked, base=base))
    sys.exit(result.tally.exit_code(strict=strict))


def _display_base(vault: Path, workspace: str | None) -> str:
    """How reports name the vault folder: relative to the working directory (or the GitHub
    workspace) when inside it, else as given; "" for the current folder."""
    start = Path(workspace or os.getcwd()).resolve()
    here = vault.resolve()
    try:
        rel = here.relative_to(start).as_posix()
    except ValueError:
        rel = str(vault)
    return "" if rel in (".", "") else rel


@main.command("links")
@vault_arg
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["ok", "ambiguous", "missing-note", "missing-heading", "missing-block"]),
              help="Only links with this status; repeatable.")
@config_opt
@cache_opt
@jobs_opt
def links_cmd(vault: Path, fmt: str, statuses: tuple[str, ...], config_file: Path | None,
              cache: bool | None, jobs: int | None) -> None:
    """Print every link occurrence with its resolution (a stable JSON array)."""
    from .links import link_records
    v = _load(vault, config_file, cache, jobs)
    records = [r for r in link_records(v) if not statuses or r["status"] in statuses]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        for r in records:
            click.echo(f"{r['source']}:{r['line']}:{r['column']} {r['status']:<15} {r['raw']}"
                       f"{' -> ' + r['target'] if r['target'] else ''}")


@main.command("graph")
@vault_arg
@click.option("--format", "fmt", type=click.Choice(["json", "graphml", "gexf", "dot"]),
              default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
@config_opt
@cache_opt
@jobs_opt
def graph_cmd(vault: Path, fmt: str, output: Path | None, config_file: Path | None,
              cache: bool | None, jobs: int | None) -> None:
    """Export the link graph (nodes: notes, attachments, unresolved targets; edges: links)."""
    from .graph import export
    text = export(_load(vault, config_file, cache, jobs).graph, fmt)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@main.command("stats")
@vault_arg
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@config_opt
@cache_opt
@jobs_opt
def stats_cmd(vault: Path, fmt: str, top: int, config_file: Path | None, cache: bool | None,
              jobs: int | None) -> None:
    """Summarise the vault: notes, links, broken links, orphans, hubs, tags."""
    from .stats import format_stats, summarize
    s = summarize(_load(vault, config_file, cache, jobs), top)
    click.echo(json.dumps(s, ensure_ascii=False, indent=1) if fmt == "json" else format_stats(s))


# -- partner notes (kbtools.crm) -----------------------------------------------------------------

def _crm_errors(fn):
    """Template and value problems are usage errors (2); an existing note is exit 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .crm.new import NewNoteError, NoteExists
        from .crm.templates import TemplateProblem
        try:
            return fn(*args, **kwargs)
        except NoteExists as exc:
            click.echo(f"kb: {exc}", err=True)
            sys.exit(1)
        except (NewNoteError, TemplateProblem) as exc:
            click.echo(f"kb: {exc}", err=True)
            sys.exit(2)
    return wrapper


def _terminal_prompt(field, default):
    """Ask for one property on the terminal until the answer is valid."""
    from .crm.schemas import coerce
    if field.kind == "enum":
        for key, label in field.choices.items():
            click.echo(f"  {key:<20} {label}", err=True)
    shown = ", ".join(default) if isinstance(default, list) else default
    while True:
        answer = click.prompt(f"{field.label} ({field.key})", default=shown if shown else "",
                              show_default=bool(shown), err=True)
        try:
            value = coerce(field, str(answer))
        except ValueError as exc:
            click.echo(f"  {exc}", err=True)
            continue
        if field.required and value in (None, "", []):
            click.echo(f"  {field.key} is required", err=True)
            continue
        return value


def _list_templates(vault: Path, config) -> None:
    from .crm.schemas import SCHEMAS
    from .crm.templates import TemplateProblem, load_template
    for name, schema in SCHEMAS.items():
        try:
            origin = load_template(name, vault, config).origin
        except TemplateProblem as exc:
            origin = f"missing ({exc})"
        click.echo(f"{name} — {schema.label}: {schema.description}")
        click.echo(f"  template: {origin}")
        click.echo("  title      the note's title (file name)")
        for f in schema.fields:
            flags = "required" if f.required else "optional"
            default = f" [default: {f.default}]" if f.default not in (None, []) else ""
            click.echo(f"  {f.key:<18} {f.label}; {f.describe()}; {flags}{default}")
        click.echo("")


@main.command("new")
@click.argument("template", required=False)
@click.argument("title", required=False)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="A property value (enum values may be given by their Russian label; lists "
                   "comma-separated); repeatable.")
@click.option("--vault", "vault", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The vault folder.")
@click.option("--list", "list_", is_flag=True, help="List the templates and their variables.")
@config_opt
@today_opt
@_crm_errors
def new_cmd(template: str | None, title: str | None, sets: tuple[str, ...], vault: Path,
            list_: bool, config_file: Path | None, today: str | None) -> None:
    """Create a note from TEMPLATE (partner, interaction, agreement, review) titled TITLE.

    Prints the created path. Never overwrites an existing note (exit 1). Missing required values
    are asked for on a terminal; elsewhere (CI) they are an error (exit 2)."""
    from .crm import today as clock
    from .crm.new import NewNoteError, build, find_partner, parse_sets, write_new
    from .crm.templates import load_template
    config = read_config(config_file) if config_file is not None else find_config(vault)
    config = _with_today(config, today)
    if list_:
        _list_templates(vault, config)
        return
    if not template or title is None:
        raise click.UsageError("expected TEMPLATE and TITLE (or --list)")
    tpl = load_template(template, vault, config)
    given = parse_sets(tpl.schema, sets)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    from .load import load_vault
    notes = load_vault(vault, config).notes

    def ask(field, default):
        while True:
            value = _terminal_prompt(field, default)
            if field.kind != "link":
                return value
            try:
                find_partner(notes, str(value))
                return value
            except NewNoteError as exc:
                click.echo(f"  {exc}", err=True)
    path, text = build(tpl, title, given, notes, config, clock(config),
                       ask if interactive else None)
    target = vault / path
    write_new(target, text)
    click.echo(str(target))


@main.group("templates")
def templates_group() -> None:
    """Note templates for partner notes."""


@templates_group.command("export")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--vault", "vault", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The vault (for its own templates).")
@click.option("--force", is_flag=True, help="Replace files that exist.")
@config_opt
@_crm_errors
def templates_export_cmd(dest: Path, vault: Path, force: bool, config_file: Path | None) -> None:
    """Write the templates for Obsidian's core Templates plugin into DEST ({{title}}, {{date}}).

    Keep DEST out of kb check (e.g. ignore = ["Шаблоны/**"]): templates are not valid notes."""
    from .crm.new import NoteExists
    from .crm.schemas import SCHEMAS
    from .crm.templates import EXPORT_NAMES, export_text, load_template
    config = read_config(config_file) if config_file is not None else find_config(vault)
    hub = config.crm.hub
    dest.mkdir(parents=True, exist_ok=True)
    outputs = [(dest / f"{EXPORT_NAMES.get(name, name)}.md",
                export_text(load_template(name, vault, config), hub)) for name in SCHEMAS]
    existing = [str(p) for p, _ in outputs if p.exists()]
    if existing and not force:
        raise NoteExists(Path(", ".join(existing)))
    for path, text in outputs:
        path.write_text(text, encoding="utf-8", newline="\n")
        click.echo(str(path))


@main.command("partners")
@vault_arg
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--stage", "stages", multiple=True, metavar="STAGE",
              help="Only partners at this stage (value or Russian label); repeatable.")
@click.option("--overdue", is_flag=True, help="Only partners whose review is overdue.")
@click.option("--color/--no-color", default=None, help="Highlight overdue reviews (default: on a TTY).")
@config_opt
@cache_opt
@today_opt
def partners_cmd(vault: Path, fmt: str, stages: tuple[str, ...], overdue: bool,
                 color: bool | None, config_file: Path | None, cache: bool | None,
                 today: str | None) -> None:
    """List the partners: type, stage, last interaction, next review, trust, satisfaction."""
    from .crm import today as clock
    from .crm.report import partner_rows, to_csv, to_json, to_table
    from .crm.schemas import SCHEMAS, coerce
    wanted = set()
    for s in stages:
        try:
            wanted.add(coerce(SCHEMAS["partner"].field("stage"), s))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--stage") from None
    v = _load(vault, config_file, cache, None)
    config = _with_today(v.config, today)
    now = clock(config)
    rows = [r for r in partner_rows(v, now)
            if (not wanted or r["stage"] in wanted) and (not overdue or r["overdue"])]
    if fmt == "json":
        click.echo(to_json(rows, now))
    elif fmt == "csv":
        click.echo(to_csv(rows))
    else:
        click.echo(to_table(rows, color if color is not None else sys.stdout.isatty()))


@main.command("build")
@vault_arg
@click.option("--output", "-o", "out", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder to write the site to (replaced atomically; must be "
              "outside the vault).")
@click.option("--lang", type=click.Choice(["ru", "en"]), default=None,
              help="Interface language (default: [site] lang, else ru).")
@click.option("--base-url", default=None, help="Public URL of the site (for sitemap.xml and the feed).")
@config_opt
@cache_opt
@jobs_opt
@today_opt
def build_cmd(vault: Path, out: Path, lang: str | None, base_url: str | None,
              config_file: Path | None, cache: bool | None, jobs: int | None,
              today: str | None) -> None:
    """Build the static HTML site of VAULT into OUT (see README: kb build)."""
    from .site import BuildError, build
    from .site.progress import BuildProgress
    with BuildProgress() as bar:  # on a terminal only (stderr)
        bar.stage("loading the vault")
        v = _load(vault, config_file, cache, jobs)
        if today is not None:  # the partners dashboard counts days from it
            import dataclasses
            v = dataclasses.replace(v, config=_with_today(v.config, today))
        try:
            report = build(v, out, lang=lang, base_url=base_url, progress=bar, jobs=jobs)
        except BuildError as exc:
            bar.close()
            click.echo(f"kb: {exc}", err=True)
            sys.exit(2)
    _build_problems(report.problems)
    click.echo(f"✔ {report.pages} pages ({report.notes} notes, {report.tags} tags, "
               f"{report.files} files) → {report.out} in {report.seconds:.1f} s")


def _build_problems(problems, limit: int = 20) -> None:
    """On stderr: the notes ``kb build`` worked around (invalid frontmatter, unreadable bytes,
    skipped symlinks), as ``kb check`` words them; the build itself succeeded."""
    if not problems:
        return
    files = len({d.path for d in problems})
    click.echo(f"kb build: {files} file{'s' if files != 1 else ''} built as far as "
               f"{'they' if files != 1 else 'it'} could be read (properties that could not be "
               "read are left out, so a broken publish: false does not hide a note; "
               "`kb check` lists every finding):", err=True)
    for d in problems[:limit]:
        click.echo(f"  {d.path}:{d.line}:{d.column} {d.code} {d.slug}  {d.message}", err=True)
    if len(problems) > limit:
        click.echo(f"  … and {len(problems) - limit} more", err=True)



@main.command("serve")
@vault_arg
@click.option("--output", "-o", "out", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder to build into (default: a temporary folder).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0: any free port).")
@click.option("--lang", type=click.Choice(["ru", "en"]), default=None,
              help="Interface language (default: [site] lang, else ru).")
@click.option("--poll", is_flag=True, help="Poll for changes even if watchfiles is installed.")
@click.option("--full", "full_rebuilds", is_flag=True,
              help="Rebuild the whole site on every change (default: only what it touches).")
def serve_cmd(vault: Path, out: Path | None, host: str, port: int, lang: str | None,
              poll: bool, full_rebuilds: bool) -> None:
    """Preview the site of VAULT on HOST:PORT, rebuilding what a change touches and reloading."""
    from .site.serve import serve
    try:
        serve(vault, out, host=host, port=port, watch="poll" if poll else "auto",
              build_kwargs={"lang": lang} if lang else {}, incremental=not full_rebuilds)
    except (RuntimeError, OSError) as exc:
        click.echo(f"kb: {exc}", err=True)
        sys.exit(2)

if __name__ == "__main__":  # pragma: no cover
    main()
