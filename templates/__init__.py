"""Templates shipped with kbtools (installed as ``kbtools.templates``; see pyproject.toml).

``site/`` is the theme of ``kb build``; read with ``importlib.resources.files("kbtools.templates")``.
"""
