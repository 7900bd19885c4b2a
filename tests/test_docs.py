"""The Markdown pages hold together: every relative link reaches a file (and its heading), and
every `make` target or repository script a code block tells the reader to run exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL_FENCES = {"", "sh", "bash", "shell", "console"}
TARGET = re.compile(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", re.MULTILINE)
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
INLINE_COMMAND = re.compile(r"`((?:[A-Z_]+=\S+ )*make [^`]+)`")


def make_targets() -> set[str]:
    makefiles = [ROOT / "Makefile", *sorted((ROOT / "make").glob("*.mk"))]
    return {m for f in makefiles for m in TARGET.findall(f.read_text())}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


def commands(block: str) -> list[list[str]]:
    """Simple commands of a shell block, with prompts, comments and continuations removed."""
    text = block.replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip().removeprefix("$ ")
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"&&|\|\||;|\|", line):
            try:
                words = shlex.split(part, comments=True)
            except ValueError:
                words = part.split()
            while words and ASSIGNMENT.match(words[0]):
                words.pop(0)
            if words:
                found.append(words)
    return found


@pytest.fixture(scope="module")
def all_pages(tracked_files) -> list[Path]:
    found = tracked_files("*.md")
    assert len(found) > 10, "the page listing looks wrong"
    return found


def test_relative_links_reach_their_files_and_headings(all_pages):
    broken = []
    for page in all_pages:
        for target in LINK.findall(FENCE.sub("", page.read_text())):
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: ({target})"
            if not dest.exists():
                broken.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                broken.append(f"{where}: no heading #{anchor}")
    assert broken == [], "\n".join(broken)


def test_commands_in_code_blocks_name_real_targets_and_scripts(all_pages):
    targets = make_targets()
    wrong = []
    for page in all_pages:
        text = page.read_text()
        blocks = [block for lang, block in FENCE.findall(text) if lang in SHELL_FENCES]
        blocks += INLINE_COMMAND.findall(FENCE.sub("", text))
        for block in blocks:
            for words in commands(block):
                where = f"{page.relative_to(ROOT)}: {' '.join(words)}"
                if words[0] == "make":
                    for arg in words[1:]:
                        if not arg.startswith("-") and "=" not in arg and arg not in targets:
                            wrong.append(f"{where}: no make target {arg!r}")
                elif "/" in words[0] and not words[0].startswith(("/", "~", "$")):
                    script = words[0].removeprefix("./")
                    if not ((ROOT / script).exists() or (page.parent / script).exists()):
                        wrong.append(f"{where}: no script {words[0]!r}")
    assert wrong == [], "\n".join(wrong)


def test_the_checks_catch_a_broken_page(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n[gone](missing.md) [bad](#nowhere)\n\n```sh\nmake no-such-target\n```\n"
    )
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    with pytest.raises(AssertionError, match="no such file"):
        test_relative_links_reach_their_files_and_headings([page])
    monkeypatch.setattr(__import__(__name__), "make_targets", lambda: {"help"})
    with pytest.raises(AssertionError, match="no make target"):
        test_commands_in_code_blocks_name_real_targets_and_scripts([page])
