"""The build progress bar: drawn on a terminal only, never into CI logs or pipes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from click.testing import CliRunner

from kbtools.cli import main
from kbtools.load import load_vault
from kbtools.site import build
from kbtools.site.progress import BuildProgress

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "site"
SAMPLE = ROOT / "vault"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_kb_build_prints_no_bar_when_not_on_a_terminal(tmp_path):
    shutil.copytree(FIXTURES / "basic", tmp_path / "vault")
    (tmp_path / "vault" / "kbtools.toml").write_text("[site]\nsearch = false\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(tmp_path / "vault"), "-o",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = result.output + (getattr(result, "stderr", "") or "")
    assert text.startswith("✔") and text.count("\n") == 1
    assert "\r" not in text and "\x1b" not in text and "█" not in text and "pages ·" not in text


def test_no_bar_and_no_thread_without_a_terminal():
    stream = io.StringIO()
    with BuildProgress(stream=stream, interval=0.001) as bar:
        bar.stage("loading")
        assert bar._thread is None
    assert stream.getvalue() == ""


def test_on_a_terminal_the_bar_counts_pages_and_is_cleared(tmp_path):
    stream = FakeTerminal()
    vault = load_vault(SAMPLE, cache=False)  # with partner notes: the dashboard counts too
    with BuildProgress(stream=stream, interval=0.005, label="kb build") as bar:
        bar.stage("loading the vault")
        report = build(vault, tmp_path / "out", progress=bar, search=False)
        final = bar.line(100)
    drawn = stream.getvalue()
    assert "\r" in drawn and drawn.endswith("\r\x1b[K")  # the line is cleared at the end
    assert f"{report.pages}/{report.pages} pages" in final  # the plan's estimate is exact here
    assert "kb build [" in drawn and "█" in final
