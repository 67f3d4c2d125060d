"""The documentation a newcomer walks: a short README, and no relative link that leads nowhere."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 150

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"`[^`]*`")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _prose_lines(text: str):
    """Lines outside fenced code blocks, with their number."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated one numbered -1, -2, …"""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for _number, line in _prose_lines(text):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1))
        slug = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_").replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def broken_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    broken = []
    for number, line in _prose_lines(text):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # https:, mailto: …: not a file of the repository
            file_part, _hash, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}:{number}: {target}"
            if not linked.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked.read_text("utf-8")):
                broken.append(f"{where} (no such heading)")
    return broken


def test_the_readme_is_at_most_150_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines: move detail into docs/"


def test_every_relative_link_in_the_readme_and_docs_resolves_to_a_file_and_heading():
    assert [problem for path in documents() for problem in broken_links(path)] == []


def test_the_readme_links_every_page_in_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    pages = sorted(f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md"))
    assert [page for page in pages if page not in linked] == []


def test_the_link_check_finds_a_missing_file_and_a_missing_heading(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_docs.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Page A\n\n## Keys and roles\n\n## Keys and roles\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(
        "[ok](docs/a.md#keys-and-roles) [second](docs/a.md#keys-and-roles-1) [web](https://example.org/x)\n"
        "`[in code](docs/nowhere.md)`\n```\n[fenced](docs/nowhere.md)\n```\n"
        "[gone](docs/b.md) [no heading](docs/a.md#keys) [self](#page-a)\n",
        encoding="utf-8",
    )
    assert broken_links(readme) == [
        "README.md:6: docs/b.md (no such file)",
        "README.md:6: docs/a.md#keys (no such heading)",
        "README.md:6: #page-a (no such heading)",
    ]
    assert heading_anchors("## Receipt verification (/verify/)\n## `make bench`\n") == {
        "receipt-verification-verify",
        "make-bench",
    }
