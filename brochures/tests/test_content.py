from html.parser import HTMLParser

import pytest

from brochures.content import (
    ContentFormatError,
    content_sha256,
    load_bundled,
    markdown_to_html,
    parse_text,
    sections_to_source,
)
from core.markdown import ALLOWED_TAGS


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Tekst <script>alert(1)</script> tekst",
        '<img src=x onerror="alert(1)">',
        '<div onclick="alert(1)">klik</div>',
        "<iframe src='https://example.org'></iframe>",
        "[klik](javascript:alert(1))",
        "![plaatje](file:///etc/passwd)",
        '<a href="https://example.org" onmouseover="alert(1)">x</a>',
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_and_scripts_never_pass(source):
    html = markdown_to_html(source)
    parser = _TagCollector()
    parser.feed(html)
    assert {tag for tag, _attrs in parser.tags} <= ALLOWED_TAGS
    for _tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").lower().startswith(("javascript:", "file:", "data:"))


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def test_markdown_subset_renders_to_safe_html():
    html = markdown_to_html(
        "Alinea met **vet**, *cursief* en een [link](https://www.oesorichtlijnen.nl).\n\n- een\n- twee\n\n"
        "1. stap\n2. stap\n\n## Subkop\n\n> citaat"
    )
    assert "<strong>vet</strong>" in html and "<em>cursief</em>" in html
    assert '<a href="https://www.oesorichtlijnen.nl" rel="noopener noreferrer">link</a>' in html
    assert "<ul>" in html and "<ol>" in html and "<blockquote>" in html
    assert "<h3>Subkop</h3>" in html  # body headings sit below the section's h2


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;" in markdown_to_html("<b>vet</b>")


def test_parse_text_reads_title_summary_and_sections():
    parsed = parse_text("# Titel\n\n> Samen-\n> vatting\n\n## Een\n\nTekst een.\n\n## Twee\nTekst twee.\n")
    assert parsed.title == "Titel"
    assert parsed.summary == "Samen- vatting"
    assert [(s.title, s.body) for s in parsed.sections] == [("Een", "Tekst een."), ("Twee", "Tekst twee.")]
    assert parse_text(sections_to_source(parsed.sections)).sections == parsed.sections


@pytest.mark.parametrize("source", ["Losse tekst zonder kop", "# Alleen titel", "## \nTekst"])
def test_parse_text_rejects_unusable_text(source):
    with pytest.raises(ContentFormatError):
        parse_text(source)


def test_content_hash_depends_on_content_and_language_only():
    parsed = parse_text("## Een\n\nTekst.")
    a = content_sha256(language="nl", title="T", summary="S", sections=parsed.sections)
    assert a == content_sha256(language="nl", title="T ", summary="S", sections=parsed.sections)
    assert a != content_sha256(language="en", title="T", summary="S", sections=parsed.sections)
    assert a != content_sha256(language="nl", title="T", summary="S2", sections=parsed.sections)


@pytest.mark.parametrize("name", ["imvo", "missions"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_bundled_texts_parse(name, language):
    parsed = load_bundled(name, language)
    assert parsed.title and parsed.summary and len(parsed.sections) >= 6


def test_sections_html_accepts_texts_at_the_limits_and_refuses_past_them():
    from brochures.content import BROCHURE_MAX_CHARS, ContentTooLarge, Section, sections_html
    from core.markdown import MARKDOWN_MAX_CHARS, MARKDOWN_MAX_TABLE_ROWS

    table = "| a |\n|---|\n" + "| x |\n" * (MARKDOWN_MAX_TABLE_ROWS - 1)
    assert len(sections_html([Section(title="T", body="a" * MARKDOWN_MAX_CHARS), Section(title="U", body=table)])) == 2
    with pytest.raises(ContentTooLarge, match="“Lang”"):
        sections_html([Section(title="Lang", body="a" * (MARKDOWN_MAX_CHARS + 1))])
    with pytest.raises(ContentTooLarge, match="“Tabel”"):
        sections_html([Section(title="Tabel", body=table + "| y |\n")])
    # Section titles count too: these sections have exactly BROCHURE_MAX_CHARS characters in all.
    full, rest = divmod(BROCHURE_MAX_CHARS, MARKDOWN_MAX_CHARS)
    exact = [Section(title="S", body="a" * (MARKDOWN_MAX_CHARS - 1)) for _ in range(full)]
    exact.append(Section(title="S", body="a" * (rest - 1)))
    sections_html(exact)
    exact[-1].body += "a"
    with pytest.raises(ContentTooLarge):
        sections_html(exact)


def test_sections_html_refuses_a_brochure_with_too_many_elements():
    from brochures.content import BROCHURE_MAX_ELEMENTS, ContentTooLarge, Section, sections_html

    # Few characters, many list items: what makes WeasyPrint slow and big, not the text's length.
    sections = [Section(title=f"L{i}", body="- x\n" * 499) for i in range(BROCHURE_MAX_ELEMENTS // 500)]
    sections_html(sections)  # 6 lists of one <ul> and 499 <li>: exactly at the limit
    with pytest.raises(ContentTooLarge, match="3.002"):
        sections_html([*sections, Section(title="Meer", body="- x")])
