"""The one Markdown policy: what survives, what is dropped, and the size limits."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from core.markdown import (
    ALLOWED_TAGS,
    MARKDOWN_MAX_CHARS,
    MARKDOWN_MAX_TABLE_ROWS,
    markdown_to_safe_html,
    validate_markdown_size,
)

PNG_DATA = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class _Tags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def named(self, name: str) -> list[dict]:
        return [attrs for tag, attrs in self.tags if tag == name]


@pytest.fixture
def static_image(settings, tmp_path):
    """A portal static image (the PDF renderer may read it) and a static non-image."""
    settings.STATIC_ROOT = tmp_path / "static"
    (settings.STATIC_ROOT / "img").mkdir(parents=True)
    (settings.STATIC_ROOT / "img" / "kaart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (settings.STATIC_ROOT / "img" / "notes.txt").write_text("geen plaatje")
    return "/static/img/kaart.png"


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Tekst <script>alert(1)</script> tekst",
        "<style>body{display:none}</style>",
        '<img src=x onerror="alert(1)">',
        '<div onclick="alert(1)">klik</div>',
        '<a href="https://example.org" onmouseover="alert(1)">x</a>',
        "<iframe src='https://example.org'></iframe>",
        "[klik](javascript:alert(1))",
        "[klik](JavaScript:alert(1))",
        "[klik](data:text/html;base64,PHNjcmlwdD4=)",
        "[klik](vbscript:msgbox)",
        '![x](javascript:alert(1) "t")',
    ],
)
def test_nothing_executable_survives(source):
    html = markdown_to_safe_html(source)
    tags = _Tags(html).tags
    assert {tag for tag, _attrs in tags} <= ALLOWED_TAGS
    for _tag, attrs in tags:
        assert not any(name.startswith("on") for name in attrs)
        assert not any(
            (value or "").strip().lower().startswith(("javascript:", "vbscript:", "data:")) for value in attrs.values()
        )
    assert "<script" not in html and "<style" not in html


def test_raw_html_is_shown_as_text_and_links_keep_safe_schemes():
    html = markdown_to_safe_html(
        "<b>vet</b> [OESO](https://www.oesorichtlijnen.nl) [mail](mailto:a@b.nl) [hier](/missions/)"
    )
    assert "&lt;b&gt;vet&lt;/b&gt;" in html
    hrefs = [attrs.get("href") for attrs in _Tags(html).named("a")]
    assert hrefs == ["https://www.oesorichtlijnen.nl", "mailto:a@b.nl", "/missions/"]
    assert 'rel="noopener noreferrer"' in html


def test_image_without_alt_text_is_dropped_with_its_text_kept(static_image):
    html = markdown_to_safe_html(f"Voor ![]({static_image}) na")
    assert _Tags(html).named("img") == []
    assert "Voor" in html and "na" in html


def test_image_with_alt_text_is_kept_for_a_static_image_or_data_url(static_image):
    html = markdown_to_safe_html(f"![Kaart van de regio]({static_image})\n\n![Stip]({PNG_DATA})")
    images = _Tags(html).named("img")
    assert [(image["alt"], image["src"]) for image in images] == [
        ("Kaart van de regio", static_image),
        ("Stip", PNG_DATA),
    ]


@pytest.mark.parametrize(
    "src",
    [
        "https://tracker.example/pixel.png",
        "http://169.254.169.254/latest/meta-data",
        "//tracker.example/pixel.png",
        "file:///etc/passwd",
        "/static/img/notes.txt",  # a static file, but not an image
        "/static/img/missing.png",
        "/static/../settings.py",
        "/media/private/receipts/x.png",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:text/html,hallo",
    ],
)
def test_image_with_alt_text_but_another_source_is_dropped(static_image, src):
    html = markdown_to_safe_html(f"![Alternatieve tekst]({src})")
    assert _Tags(html).named("img") == []


def test_tables_lists_and_headings_are_allowed():
    html = markdown_to_safe_html("# Kop\n\n### Sub\n\n- een\n- twee\n\n| Land | Risico |\n|---|---|\n| NL | laag |")
    names = [tag for tag, _attrs in _Tags(html).tags]
    assert {"h2", "h3", "ul", "li", "table", "thead", "tbody", "tr", "th", "td"} <= set(names)
    assert "<td>NL</td>" in html


def test_headings_sit_below_the_pages_own():
    assert "<h2>Kop</h2>" in markdown_to_safe_html("# Kop")
    assert "<h3>Kop</h3>" in markdown_to_safe_html("# Kop", top_heading=3)
    assert "<h4>Diep</h4>" in markdown_to_safe_html("###### Diep")


def test_template_filters_use_the_same_policy():
    source = "**vet** <script>x</script> ![](https://tracker.example/p.png)"
    expected = markdown_to_safe_html(source)
    portal = Template("{% load portal_markdown %}{{ text|markdown }}").render(Context({"text": source}))
    missions = Template("{% load missions_tags %}{{ text|markdown }}").render(Context({"text": source}))
    assert portal == missions == expected


def test_size_validator_accepts_the_limit_and_refuses_one_more():
    validate_markdown_size("a" * MARKDOWN_MAX_CHARS)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_markdown_size("a" * (MARKDOWN_MAX_CHARS + 1))
    assert refused.value.code == "markdown_too_long"
    assert "20,000" in refused.value.messages[0]
    with translation.override("nl"), pytest.raises(ValidationError) as refused_nl:
        validate_markdown_size("a" * (MARKDOWN_MAX_CHARS + 1))
    assert "20.000" in refused_nl.value.messages[0] and "tekens" in refused_nl.value.messages[0]


def _table(rows: int) -> str:
    """A Markdown table with ``rows`` rows in all (the header row included)."""
    return "| a | b |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(rows - 1))


def test_size_validator_counts_table_rows():
    validate_markdown_size(_table(MARKDOWN_MAX_TABLE_ROWS))
    with pytest.raises(ValidationError) as refused:
        validate_markdown_size(_table(MARKDOWN_MAX_TABLE_ROWS + 1))
    assert refused.value.code == "markdown_too_many_rows"
