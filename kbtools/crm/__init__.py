"""Partner notes: a small CRM that lives in plain Markdown (the domain of «Развитие партнерств»).

==================  =======================================================================
concern             module
==================  =======================================================================
schemas             :mod:`kbtools.crm.schemas` — the one source of truth for the frontmatter
                    of each template (fields, enums with Russian labels, metrics, dates);
                    used by ``kb new`` and by ``kb check``
rules               :mod:`kbtools.crm.checks` — KB015…KB021, appended to the default checks
templates           :mod:`kbtools.crm.templates` — find (package or user override), render
                    (Jinja2 sandbox, undefined is an error), export for Obsidian
``kb new``          :mod:`kbtools.crm.new` — values, file name, atomic no-overwrite write
``kb partners``     :mod:`kbtools.crm.report` — partner rows, table/json/csv
data                :mod:`kbtools.crm.data` — partners with their records, stale/overdue rules
site                :mod:`kbtools.crm.site` — ``kb build``: the ``partners/`` dashboard and the
                    block of each partner page (hooks in :mod:`kbtools.site.emit`)
==================  =======================================================================

Notes are recognised by their ``type`` property (``partner``, ``interaction``, ``agreement``,
``review``); records link their partner with a ``partner: "[[Name]]"`` property.
"""

from __future__ import annotations

import datetime

from ..config import Config


def today(config: Config) -> datetime.date:
    """The date the date rules and ``kb new`` use: ``[crm] today`` / ``--today``, else the
    system date (the injectable clock)."""
    if config.crm.today:
        return datetime.date.fromisoformat(config.crm.today)
    return datetime.date.today()
