"""Where the built-in templates are.

The repository's top-level ``templates/`` folder ships inside the installed package as
``kbtools.templates`` (see ``pyproject.toml``). In a source checkout that is imported without
installing (``python -m pytest`` from the repository root puts the source ``kbtools/`` first on
the path) that module does not exist, and the folder is found next to the package instead.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_templates(kind: str) -> Path:
    """The built-in ``templates/<kind>/`` folder (``notes`` or ``site``) as a real path."""
    try:
        root = resources.files("kbtools.templates")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "templates" / kind
    return Path(str(root / kind))
