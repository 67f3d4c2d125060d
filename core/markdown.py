"""The portal's one Markdown policy: Markdown → HTML → nh3 with a strict allow-list.

Every text written in Markdown (brochure sections, mission descriptions, the declaration text)
is rendered by ``markdown_to_safe_html``, on web pages and in PDFs alike:

- Markdown's raw-HTML support is switched off: HTML typed into the text is shown as text.
- nh3 then keeps only the tags and attributes below; scripts, styles, event handlers and
  ``javascript:`` links never survive. Links may use http(s), mailto or a relative URL.
- Images need alternative text (accessibility, WCAG 1.1.1; an image without it is dropped when
  rendered, and refused by the editors' validator, ``validate_markdown_size``, with a message
  that says how to add it) and a source the PDF renderer may read: a portal static file or a
  ``data:`` image. Remote images never pass, so a text can neither make the worker fetch a URL
  nor track its readers.
- Headings are moved below the page's own: ``top_heading=2`` (default) makes ``#`` an ``h2``;
  brochure sections (whose title is the ``h2``) pass 3. Nothing deeper than ``h4``.

``MARKDOWN_MAX_CHARS`` and ``MARKDOWN_MAX_TABLE_ROWS`` bound one text, so that rendering it to
a page or a PDF stays cheap; ``validate_markdown_size`` is the form and model validator.
"""

from __future__ import annotations

import mimetypes
import re
import xml.etree.ElementTree as etree
from urllib.parse import urljoin, urlsplit

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markdown.treeprocessors import Treeprocessor

from core.pdf import INTERNAL_ORIGIN, static_path_for_url

#: Longest Markdown text (one brochure section, one mission description) in characters.
MARKDOWN_MAX_CHARS = 20_000
#: Most table rows in one text: WeasyPrint lays out big tables slowly and with much memory.
MARKDOWN_MAX_TABLE_ROWS = 200

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "b",
        "i",
        "a",
        "img",
        "blockquote",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"scope"}, "ol": {"start"}}
LINK_SCHEMES = frozenset({"https", "http", "mailto"})
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp)(;[a-z0-9=.+-]*)*,", re.IGNORECASE)
_HEADING = re.compile(r"^h([1-6])$")
_TABLE_ROW = re.compile(r"<tr[\s>]", re.IGNORECASE)
_ELEMENT = re.compile(r"<[a-z]", re.IGNORECASE)


def image_src_allowed(src: str) -> bool:
    """True for a ``data:`` image or the URL of a portal static image (what the PDF fetcher serves)."""
    src = (src or "").strip()
    if not src or any(ord(char) < 32 for char in src):
        return False
    if DATA_IMAGE.match(src):
        return True
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:  # remote (http, https, protocol-relative) or another scheme
        return False
    path = static_path_for_url(urljoin(INTERNAL_ORIGIN + "/", src))
    return path is not None and (mimetypes.guess_type(path.name)[0] or "").startswith("image/")


def _link_allowed(href: str) -> bool:
    scheme = urlsplit(href.strip()).scheme.lower()
    return not scheme or scheme in LINK_SCHEMES


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """nh3's last word on URLs: links by scheme, image sources by the rule above."""
    if element == "a" and attribute == "href":
        return value if _link_allowed(value) else None
    if element == "img" and attribute == "src":
        return value if image_src_allowed(value) else None
    return value


class _PolicyTreeprocessor(Treeprocessor):
    """Drops images without alt text or with a source the PDF renderer may not read; shifts headings.

    ``without_alt`` lists the sources of the images dropped for want of alternative text.
    """

    def __init__(self, md, top_heading: int):
        super().__init__(md)
        self.top_heading = top_heading
        self.without_alt: list[str] = []

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "img":
                    has_alt = bool((child.get("alt") or "").strip())
                    if not has_alt:
                        self.without_alt.append(child.get("src", ""))
                    if not (has_alt and image_src_allowed(child.get("src", ""))):
                        _remove(parent, child)
                        continue
                heading = _HEADING.match(str(child.tag))
                if heading:
                    child.tag = f"h{min(max(int(heading.group(1)), self.top_heading), 4)}"


def _remove(parent: etree.Element, child: etree.Element) -> None:
    """Remove ``child`` but keep the text that follows it."""
    if child.tail:
        index = list(parent).index(child)
        if index:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


def _markdown(top_heading: int) -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    # After "inline" (20), which turns ![alt](src) into <img>.
    md.treeprocessors.register(_PolicyTreeprocessor(md, top_heading), "imvo_policy", 5)
    return md


def markdown_images_without_alt(text: str) -> list[str]:
    """The sources of the images in the text that have no alternative text (dropped when rendered)."""
    if "![" not in (text or ""):
        return []
    md = _markdown(2)
    md.convert(text)
    return md.treeprocessors["imvo_policy"].without_alt


def validate_markdown_images(value: str) -> None:
    """Refuse images without alternative text, saying which and how to describe them."""
    missing = markdown_images_without_alt(value)
    if missing:
        raise ValidationError(
            ngettext(
                "An image has no alternative text: %(images)s. Describe what it shows between the square "
                "brackets, for example ![Map of the region](image.png), or remove the image.",
                "%(count)d images have no alternative text: %(images)s. Describe what each shows between the "
                "square brackets, for example ![Map of the region](image.png), or remove them.",
                len(missing),
            ),
            code="markdown_image_without_alt",
            params={"count": len(missing), "images": ", ".join(f"![]({src})" for src in missing)},
        )


def markdown_to_safe_html(text: str, *, top_heading: int = 2) -> SafeString:
    """Markdown to HTML that is safe to show and to render to PDF (nh3 has the last word)."""
    html = _markdown(top_heading).convert(text or "")
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=set(LINK_SCHEMES | {"data"}),  # data: only survives as an image (filter above)
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)


def html_table_rows(html: str) -> int:
    """Rows of every table in rendered HTML."""
    return len(_TABLE_ROW.findall(html))


def html_elements(html: str) -> int:
    """Elements (start tags) in rendered HTML: what a PDF's layout time and memory grow with."""
    return len(_ELEMENT.findall(html))


def markdown_table_rows(text: str) -> int:
    """Table rows the text renders to (call only on texts within ``MARKDOWN_MAX_CHARS``)."""
    if "|" not in (text or ""):
        return 0
    return html_table_rows(markdown_to_safe_html(text))


def validate_markdown_size(value: str) -> None:
    """Refuse a Markdown text longer than ``MARKDOWN_MAX_CHARS``, with more table rows than allowed,
    or with an image without alternative text (``validate_markdown_images``)."""
    length = len(value or "")
    if length > MARKDOWN_MAX_CHARS:
        raise ValidationError(
            _("This text has %(count)s characters; the maximum is %(limit)s. Please shorten it."),
            code="markdown_too_long",
            params={
                "count": number_format(length, force_grouping=True),
                "limit": number_format(MARKDOWN_MAX_CHARS, force_grouping=True),
            },
        )
    rows = markdown_table_rows(value)
    if rows > MARKDOWN_MAX_TABLE_ROWS:
        raise ValidationError(
            _("This text has tables with %(count)s rows; the maximum is %(limit)s. Please shorten them."),
            code="markdown_too_many_rows",
            params={"count": rows, "limit": MARKDOWN_MAX_TABLE_ROWS},
        )
    validate_markdown_images(value)
