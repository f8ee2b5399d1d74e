"""The bytes of an attachment: their type, their fingerprint, and how they leave the app (R16, §9).

Nothing here trusts the uploader: the type is read from the content (puremagic), never from the
name; a download is always `Content-Disposition: attachment` with `X-Content-Type-Options: nosniff`
and `application/octet-stream`, so no file (HTML, SVG, PDF, …) is ever shown as active content from
the app's origin; a thumbnail is a new, small PNG drawn from a raster image, never its bytes.
"""

import hashlib
import io
from urllib.parse import quote

import puremagic
from django.http import FileResponse, HttpResponse
from PIL import Image, UnidentifiedImageError

SNIFF_BYTES = 8192
THUMBNAIL_SIZE = (320, 200)
# A screenshot is a few million pixels; anything far beyond is not decoded (a decompression bomb).
MAX_PIXELS = 40_000_000
DOWNLOAD_TYPE = "application/octet-stream"


class TooBig(Exception):
    """The content went past the limit while it was read."""


def fingerprint(upload, limit: int) -> tuple[str, int]:
    """SHA-256 and size, read in chunks (memory does not grow with the file); refused past `limit`."""
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise TooBig()
        digest.update(chunk)
    return digest.hexdigest(), size


def detected_type(upload) -> str:
    """The MIME type the content shows (its magic bytes, at its start and end); text without a known
    signature is text/plain, anything else application/octet-stream."""
    upload.seek(0)
    try:
        matches = puremagic.magic_stream(upload)
    except (puremagic.PureError, ValueError, OSError):
        matches = []
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    for match in matches:
        if match.mime_type:
            return match.mime_type[:100]
    if isinstance(head, str):
        head = head.encode()
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 3:  # not merely a character cut at the end of the sample
                return DOWNLOAD_TYPE
        return "text/plain"
    return DOWNLOAD_TYPE


def content_disposition(filename: str) -> str:
    """`attachment`, with an ASCII fallback name and the real name as RFC 5987 `filename*`."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename) or "datei"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(attachment) -> FileResponse:
    """The stored bytes, streamed, to be saved by the browser, never displayed by it."""
    response = FileResponse(attachment.file.open("rb"), content_type=DOWNLOAD_TYPE)
    response["Content-Disposition"] = content_disposition(attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def thumbnail_png(stored) -> bytes | None:
    """A small PNG re-drawn from a raster image (its pixels only: no metadata, no script), or None
    when the content is no image Pillow can read safely."""
    try:
        with Image.open(stored) as image:
            if image.format not in {"PNG", "JPEG", "GIF", "WEBP", "BMP"}:
                return None
            if image.width * image.height > MAX_PIXELS:
                return None
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced size
            image.thumbnail(THUMBNAIL_SIZE)
            drawn = image.convert("RGBA")
            out = io.BytesIO()
            drawn.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None


def thumbnail_response(png: bytes) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
