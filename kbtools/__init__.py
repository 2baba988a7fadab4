"""kbtools: read, check, publish and extend Obsidian-style Markdown vaults.

Where each behaviour lives (one hop from here):

==================  =======================================================================
stage / concept     module
==================  =======================================================================
data classes        :mod:`kbtools.model` (Note, Link, Heading, Block, Tag, Comment, Problem)
syntax              :mod:`kbtools.syntax` (the one markdown-it-py parser with Obsidian rules)
1 discover          :mod:`kbtools.discover` (which files are the vault)
2 parse             :mod:`kbtools.parse` (text → Note), :mod:`kbtools.frontmatter` (YAML)
  load              :mod:`kbtools.load` (reads files, cache, process pool → Vault)
3 resolve           :mod:`kbtools.resolve` (Obsidian's link resolution; docs/resolution.md)
4 graph             :mod:`kbtools.graph` (networkx graph, backlinks, orphans, export)
5 check             :mod:`kbtools.checks` (rule functions), :mod:`kbtools.rules` (rule table),
                    :mod:`kbtools.diagnostics` (Diagnostic, Severity, Tally, exit code)
  incremental       :mod:`kbtools.incremental` (kb check: re-check only changed notes),
                    :mod:`kbtools.check_state` (what it remembers: state + journal)
  report            :mod:`kbtools.report` (text, json, github, sarif, junit;
                    :mod:`kbtools.report.pieces`: per-file pieces a warm run reuses)
  stats             :mod:`kbtools.stats`
6 publish           :mod:`kbtools.site` (kb build: pages, render, sanitize, emit, build;
                    graphs, search (pagefind); kb serve: serve, live (incremental rebuilds:
                    local, wide, depends, writes, background))
config              :mod:`kbtools.config` (kbtools.toml / [tool.kbtools])
partner notes       :mod:`kbtools.crm` (schemas, KB015–KB021, templates, ``kb new``,
                    ``kb partners``, the site's partners dashboard; templates in
                    ``templates/notes/``)
CLI                 :mod:`kbtools.cli` (thin click layer)
==================  =======================================================================
"""

__version__ = "0.1.0"

from .model import Attachment, Block, Comment, Heading, Link, Note, Problem, Tag  # noqa: E402
from .diagnostics import Diagnostic, Severity, exit_code  # noqa: E402
from .config import Config, find_config  # noqa: E402
from .load import load_vault  # noqa: E402
from .vault import Vault  # noqa: E402
from .checks import check  # noqa: E402

__all__ = ["__version__", "Attachment", "Block", "Comment", "Heading", "Link", "Note", "Problem",
           "Tag", "Diagnostic", "Severity", "exit_code", "Config", "find_config", "load_vault",
           "Vault", "check"]
