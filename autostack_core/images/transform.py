"""Resize and encode one image with Pillow; blocking, run it in a thread.

Every byte handed here is hostile (a deployment's file, a remote server's
answer): the type is sniffed from the bytes, not from a name or a header;
only JPEG, PNG, GIF, WebP and AVIF are decoded (Pillow is told to try no
other decoder); the pixel count is checked from the header before any pixel
is decoded (:data:`MAX_PIXELS`), so a small file that inflates to gigabytes
is refused cheaply. An animated image and an allowed SVG are answered as
they are, as Next.js does. Images are never enlarged, EXIF orientation is
applied, and metadata other than the colour profile is dropped.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, features

DECODED = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
ENCODERS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/avif": "AVIF"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/svg+xml": "svg",
}
WRITABLE = tuple(
    kind
    for kind, feature in (("image/avif", "avif"), ("image/webp", "webp"))
    if features.check(feature)
)
"""The modern formats this Pillow can write (AVIF: Pillow 11.2 or later with libavif)."""
MAX_PIXELS = 40_000_000
"""Largest source image, in pixels (about 7,700 x 5,200), checked before decoding."""
AVIF_SPEED = 8
"""libavif's speed (0 slowest, 10 fastest): 8 keeps a 1080 px encode well under a second here."""


class ImageError(ValueError):
    """Bytes that are not an image this service converts, or too large: the message says which."""


@dataclass(frozen=True)
class Result:
    data: bytes
    content_type: str


def sniff(data: bytes) -> str | None:
    """The image type of ``data`` from its first bytes (``None``: not an image we handle)."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "image/avif"
    text = data[:1024].lstrip().lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "image/svg+xml"
    return None


def optimize(
    data: bytes,
    width: int,
    quality: int,
    wanted: str | None,
    *,
    allow_svg: bool = False,
    max_pixels: int = MAX_PIXELS,
) -> Result:
    """``data`` at most ``width`` wide, as ``wanted`` (else its own type), at ``quality``."""
    kind = sniff(data)
    if kind is None:
        raise ImageError("the requested resource is not a valid image")
    if kind == "image/svg+xml":
        if not allow_svg:
            raise ImageError(
                '"url" parameter is valid but image type is not allowed '
                "(SVG needs dangerouslyAllowSVG)"
            )
        return Result(data, kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=list(DECODED))
            if image.width * image.height > max_pixels:
                raise ImageError(
                    f"the image is {image.width}x{image.height} pixels, more than "
                    f"the {max_pixels:,} allowed"
                )
            if getattr(image, "is_animated", False):
                return Result(data, kind)
            if image.format == "JPEG" and width < image.width:
                # Decode at a reduced scale straight from the DCT: far less work for big photos.
                image.draft("RGB", (width, max(1, image.height * width // image.width)))
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError(f"the image is too large to decode: {error}") from error
    except (OSError, SyntaxError, ValueError) as error:
        if isinstance(error, ImageError):
            raise
        raise ImageError("the requested resource is not a valid image") from error
    if width < image.width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    target = wanted or ("image/png" if kind == "image/gif" else kind)
    return Result(_encode(image, target, quality), target)


def _encode(image: Image.Image, content_type: str, quality: int) -> bytes:
    alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if content_type == "image/jpeg" or not alpha:
        image = image.convert("RGB") if image.mode != "RGB" else image
    elif image.mode != "RGBA":
        image = image.convert("RGBA")
    options: dict[str, object] = {}
    icc = image.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    if content_type == "image/jpeg":
        options.update(quality=quality, optimize=True, progressive=True)
    elif content_type == "image/webp":
        options.update(quality=quality, method=4)
    elif content_type == "image/avif":
        options.update(quality=quality, speed=AVIF_SPEED)
    output = io.BytesIO()
    image.save(output, format=ENCODERS[content_type], **options)
    return output.getvalue()
