"""Hand-made PDFs for the /verify/ upload tests: forgeries and files built to exhaust a parser.

Each is written byte by byte (no PDF library), as an attacker would, with a correct xref table
unless the point is a broken one.
"""

import zlib


def pdf_write(objects: list[bytes], *, info: int | None = None, root: int = 1, xref_count: int | None = None) -> bytes:
    """A PDF of ``objects`` (object ``i + 1`` is ``objects[i]``) with an xref table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    size = len(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (xref_count or size)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"/Size %d /Root %d 0 R" % (xref_count or size, root)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _string(text: str) -> bytes:
    return b"(" + text.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _page_pdf(content: bytes, *, info: dict[str, str] | None = None, compressed: bool = False) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(zlib.compress(content, 9), b"/Filter /FlateDecode") if compressed else _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if info is not None:
        entries = b" ".join(b"/%s %s" % (key.encode(), _string(value)) for key, value in info.items())
        objects.append(b"<< " + entries + b" >>")
    return pdf_write(objects, info=len(objects) if info is not None else None)


def forged_receipt(*, reference: str, code: str, lines: list[str]) -> bytes:
    """A hand-made one-page "receipt": the metadata of a real record and any words on the page."""
    text = b"BT /F1 14 Tf 72 770 Td " + b" 0 -20 Td ".join(b"%s Tj" % _string(line) for line in lines) + b" ET"
    return _page_pdf(text, info={"Title": "Ontvangstbewijs", "imvoreference": reference, "imvoverificationcode": code})


def overprinted(original: bytes, *, words: str) -> bytes:
    """``original`` with an incremental update that paints a white box and ``words`` over page 1.

    The first bytes are the receipt exactly as issued; a PDF reader shows the last revision.
    """
    from io import BytesIO

    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter(BytesIO(original), incremental=True)
    page = writer.pages[0]
    patch = DecodedStreamObject()
    patch.set_data(b"q 1 1 1 rg 40 300 520 200 re f Q BT /Helv 18 Tf 0 0 0 rg 72 430 Td " + _string(words) + b" Tj ET")
    contents = page.get("/Contents")
    contents = list(contents) if isinstance(contents, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([*contents, writer._add_object(patch)])
    resources = page["/Resources"].get_object()
    fonts = resources.get("/Font")
    fonts = DictionaryObject(fonts.get_object()) if fonts is not None else DictionaryObject()
    fonts[NameObject("/Helv")] = writer._add_object(_helvetica())
    resources[NameObject("/Font")] = fonts
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _helvetica():
    from pypdf.generic import DictionaryObject, NameObject

    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )


def content_stream_bomb() -> bytes:
    """About 37 KB: one page whose compressed content stream inflates to ~15 MB of text operators,
    which text extraction walks one by one (such a file kept a worker busy for ~24 s). No metadata."""
    ops = b"BT /F1 1 Tf 0 0 Td (x) Tj ET\n" * 520_000
    return _page_pdf(ops, compressed=True)


def deep_nesting() -> bytes:
    """Document information nested 200,000 arrays deep: a recursive parser runs out of stack."""
    return pdf_write([b"<< /Type /Catalog >>", b"[" * 200_000 + b"]" * 200_000], info=2)


def huge_xref() -> bytes:
    """An xref table that claims a billion objects in a file of a few hundred bytes."""
    objects = [b"<< /Type /Catalog >>", b"<< /imvoreference (IMVO-2027-000001) >>"]
    return pdf_write(objects, info=2, xref_count=1_000_000_000)


def metadata_decompression_bomb() -> bytes:
    """The catalog's XMP metadata stream inflates from ~0.25 MB to 256 MB."""
    squeeze = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    compressed = b"".join(squeeze.compress(chunk) for _ in range(256)) + squeeze.flush()
    objects = [
        b"<< /Type /Catalog /Pages 3 0 R /Metadata 2 0 R >>",
        _stream(compressed, b"/Type /Metadata /Subtype /XML /Filter /FlateDecode"),
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    return pdf_write(objects)
