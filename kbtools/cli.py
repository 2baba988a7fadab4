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
                        help="Worker processes for parsing (default: CPU count).")


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
def check_cmd(vault: Path, fmt: str, output: Path | None, strict: bool, severities: tuple[str, ...],
              ignores: tuple[str, ...], resolve_aliases: bool | None, color: bool | None,
              config_file: Path | None, cache: bool | None, jobs: int | None) -> None:
    """Check links, headings, blocks, embeds and frontmatter of VAULT (default: .)."""
    from .diagnostics import exit_code
    from .incremental import check_vault
    from .report import render, step_summary
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
    diagnostics, files = check_vault(vault, config, cache=config.cache if cache is None else cache,
                                     jobs=jobs)
    use_color = color if color is not None else (output is None and sys.stdout.isatty())
    base = _display_base(vault, os.environ.get("GITHUB_WORKSPACE") if fmt in ("github", "sarif") else None)
    text = render(diagnostics, fmt, files_checked=files, color=use_color, tool_version=__version__,
                  base=base)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_file:
        with open(summary_file, "a", encoding="utf-8") as fh:
            fh.write(step_summary(diagnostics, files, base=base))
    sys.exit(exit_code(diagnostics, strict=strict))


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


if __name__ == "__main__":  # pragma: no cover
    main()
