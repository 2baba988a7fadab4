"""The fast scanner (kbtools.scan) must find exactly what the markdown-it token stream finds.

Whenever ``scan_body`` answers (it returns ``None`` for Markdown it does not model), its
headings, blocks, links, tags, comments and problems must equal the token reader's — on every
fixture note, on the sample vault, on generated vaults, and on thousands of random notes built
from the constructs that decide links (code spans, escapes, brackets, comments, tables, lists…).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from kbtools.frontmatter import read_frontmatter
from kbtools.load import decode
from kbtools.parse import normalize_text, read_body
from kbtools.scan import scan_body

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GEN = REPO.parent / "shared" / "bench" / "gen_vault.py"
FIELDS = ("headings", "blocks", "links", "tags", "comments", "problems")


def both(text: str):
    lines = normalize_text(text).split("\n")
    first = read_frontmatter(lines).lines
    return scan_body(lines, first), read_body(lines, first, fast=False)


def assert_same(text: str, where: str) -> bool:
    """True when the scanner answered (and then agreed)."""
    fast, token = both(text)
    if fast is None:
        return False
    for name in FIELDS:
        assert list(getattr(fast, name)) == list(getattr(token, name)), (
            f"{where}: scanner and token stream disagree on {name}\n--- note ---\n{text}")
    return True


def test_scanner_normalises_link_destinations_as_the_shared_parser():
    """The scanner calls markdown-it's normalizeLink/validateLink functions directly; that is
    only the same as the parser's methods while kbtools.syntax.markdown() keeps the defaults."""
    from markdown_it import MarkdownIt
    from kbtools.syntax import markdown
    md = markdown()
    assert type(md).normalizeLink is MarkdownIt.normalizeLink and "normalizeLink" not in vars(md)
    assert type(md).validateLink is MarkdownIt.validateLink and "validateLink" not in vars(md)
    for text in ["[a](Other%20note.md#Heading)", "[a](javascript:x)", "[a](Note.md#Заголовок)",
                 "[a](vbscript:y)", "![i](img%ZZ.png)", "[a](Note.md 'title')"]:
        assert assert_same(text + "\n", text), f"the scanner should read {text}"


def md_files(root: Path):
    return sorted(p for p in root.rglob("*.md") if ".kbcache" not in p.parts)


def test_fixture_notes_and_sample_vault():
    files = md_files(HERE / "fixtures") + md_files(REPO / "vault")
    assert files
    answered = 0
    for path in files:
        text, _ = decode(path.read_bytes())
        answered += assert_same(text, str(path.relative_to(REPO)))
    assert answered >= len(md_files(REPO / "vault"))  # the sample vault is all on the fast path


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    if not GEN.exists():
        pytest.skip(f"generator not found at {GEN}")
    out = tmp_path_factory.mktemp("gen") / "vault"
    subprocess.run([sys.executable, str(GEN), str(out), "--notes", "400", "--seed", "7",
                    "--torture", "--huge-mb", "0.2"], check=True, capture_output=True)
    return out


def test_generated_vault(generated):
    files = md_files(generated)
    answered = 0
    for path in files:
        text, _ = decode(path.read_bytes())
        answered += assert_same(text, str(path.relative_to(generated)))
    # the scanner must carry the bulk of a realistic vault, or it is not worth having
    assert answered >= 0.95 * len(files), f"scanner answered only {answered} of {len(files)}"


PIECES = [
    "[[Note]]", "[[Note|label]]", "[[Note#Heading]]", "[[Note#^blk-1]]", "![[img.png|100]]",
    "[[#Local]]", "[[]]", "[[|x]]", "[[a [[b]] c]]", "[[unclosed", "]]", "[", "]", "![",
    "[text](Other%20note.md)", "[t](<Other note.md>)", "![alt](pic.png)", "[x](https://e.org)",
    "[x]()", "[a [[w]] b](x.md)", "[a [b] c](x.md)", "[x](y.md \"title\")", "[x] (y.md)",
    "`code`", "``co`de``", "`[[in code]]`", "`", "``", "\\[[esc]]", "\\`", "\\#no", "\\",
    "%%c%%", "%%[[hidden]]%%", "%%", "#tag", "#nested/tag", "#123", "#тег", "x#no", "#",
    "^abc", " ^abc-1", "^", "*em*", "**b**", "_u_", "~~s~~", "==hl==", "&amp;", "&#35;x",
    "word", "слово", " ", "  ", "(", ")", "|", "\\|", ":", "!", "=",
]
LINE_STARTS = ["", "", "", "", "> ", "- ", "1. ", "2. ", "  ", "# ", "## ", "| ", "- [ ] ",
               "> [!note] ", "* ", "+ ", "1) ", "10. ", "  - ", "    - ", "\t- ", ">> ",
               "> - ", "- > ", "   ", "-     ", "#", "####### ", "> > "]
BLOCK_LINES = ["", "", "```", "~~~", "---", "***", "| a | b |", "|---|---|", "|:-|-:|",
               "%%", "^blk", "> ", "$$", "<div>", "    indented", "Title\n===", "[ref]: x.md",
               "___", "- - -", "===", "   ```", "```js", "~~~~", "````", "<!-- c -->",
               "%% %%", "| x | y | z |", "|---|", "- ", "1.", ">", "  ^blk-2", "^a b"]


def random_note(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.25:
            lines.append(rng.choice(BLOCK_LINES))
            continue
        parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 8))]
        sep = rng.choice(["", " ", " ", " "])
        lines.append(rng.choice(LINE_STARTS) + sep.join(parts))
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n"])


def test_random_notes():
    rng = random.Random(20261127)
    answered = 0
    for case in range(4000):
        text = random_note(rng)
        answered += assert_same(text, f"random case {case}")
    assert answered > 600  # the comparison is not vacuous
