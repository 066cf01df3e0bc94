"""The Pillow pipeline that makes photo uploads safe to keep (the files go to app/photo_store.py).

`process(data)` decides the type by decoding the content (allow-list), refuses bombs, truncated and fake files,
applies the EXIF orientation and re-encodes a fresh image without any metadata, plus a JPEG thumbnail.
A PNG (a screenshot, a diagram: sharp edges, text) is kept lossless as a new PNG; a JPEG, WebP or HEIC is a camera
photo and becomes a JPEG (browsers cannot all show HEIC; lossy WebP gains nothing over JPEG at our sizes). A PNG
whose lossless re-encoding passes PNG_BUDGET is a photo saved as PNG and is stored as JPEG too.
"""
import io
import logging
import struct
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps

from app.config import get_settings
from app.errors import InvalidInput, PayloadTooLarge
from app.i18n import N_
from app.niced_pool import NicedPool

logger = logging.getLogger(__name__)
MAX_SIDE = 2048            # longest side of the stored image
DRAFT_SIDE = 1800          # a JPEG may be decoded scaled down (DCT) while its longest side stays >= this
THUMB_SIDE = 400           # longest side of the thumbnail
MAX_DIMENSION = 20_000     # no side of an upload may be longer, whatever the pixel cap
FULL_BUDGET = 480_000      # bytes: quality steps down until the stored image fits
THUMB_BUDGET = 38_000
PNG_BUDGET = 3_000_000     # bytes: a lossless PNG larger than this is a photo, stored as JPEG
FULL_QUALITIES = (80, 70, 60, 50, 40)
THUMB_QUALITIES = (78, 66, 54, 42)
PIPELINE_WORKERS = 2       # photos decoded at once (bounds memory: ~50 MB per 12 MP photo)
PIPELINE_NICENESS = 10
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, RuntimeError)

_PIPELINE = NicedPool(PIPELINE_WORKERS, 'ctp-photo', PIPELINE_NICENESS)  # photo work yields the CPU to requests
pillow_heif.register_heif_opener()
warnings.simplefilter('error', Image.DecompressionBombWarning)  # a bomb warning is an error, never a log line


@dataclass(frozen=True)
class ProcessedImage:
    """A clean image (JPEG or PNG, no metadata) and its JPEG thumbnail."""

    full: bytes
    thumb: bytes
    width: int
    height: int
    extension: str = 'jpg'   # of the full image: 'jpg' or 'png'


def sniff_format(data: bytes) -> str:
    """The Pillow format name from the magic bytes, or InvalidInput: only JPEG, PNG, WebP and HEIC/HEIF."""
    if data.startswith(b'\xff\xd8\xff'):
        return 'JPEG'
    if data.startswith(b'\x89PNG\r\n\x1a\n'):
        return 'PNG'
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'WEBP'
    if data[4:8] == b'ftyp' and data[8:12] in {b'heic', b'heix', b'hevc', b'hevx', b'heim', b'heis', b'mif1', b'msf1'}:
        return 'HEIF'
    raise InvalidInput(N_('this file is not a photo (allowed: JPEG, PNG, WebP, HEIC)'), field='photo')


def process_niced(data: bytes) -> ProcessedImage:
    """`process` on the photo pool's low-priority threads (blocking the calling worker thread until done)."""
    return _PIPELINE.submit(process, data).result()


def process(data: bytes) -> ProcessedImage:
    """Validate and re-encode an upload; InvalidInput (400) or PayloadTooLarge (413) for anything unsafe."""
    settings = get_settings()
    if not data:
        raise InvalidInput(N_('the file is empty'), field='photo')
    if len(data) > settings.max_photo_bytes:
        raise PayloadTooLarge(f'a photo may be at most {settings.max_photo_bytes // (1024 * 1024)} MB', field='photo')
    kind = sniff_format(data)
    image = _decode(data, kind, min(settings.max_photo_pixels, Image.MAX_IMAGE_PIXELS or settings.max_photo_pixels))
    clean = _fresh_rgb(image)
    thumb = _encode(_shrunk(clean, THUMB_SIDE), THUMB_BUDGET, THUMB_QUALITIES)
    lossless = _png(_fresh(image)) if kind == 'PNG' else None
    if lossless is not None and len(lossless) <= PNG_BUDGET:
        return ProcessedImage(full=lossless, thumb=thumb, width=clean.width, height=clean.height, extension='png')
    return ProcessedImage(full=_encode(clean, FULL_BUDGET, FULL_QUALITIES), thumb=thumb,
                          width=clean.width, height=clean.height)


def _decode(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as opened:
            width, height = opened.size
            if width * height > max_pixels or max(width, height) > MAX_DIMENSION:
                raise InvalidInput(f'the image is too large ({width}×{height} pixels; at most '
                                   f'{max_pixels // 1_000_000} megapixels)', field='photo')
            opened.draft('RGB', _fit((width, height), DRAFT_SIDE))  # JPEG: decode at 1/2, 1/4... when enough
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            upright.load()
            return upright
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InvalidInput(f'the image is too large (at most {max_pixels // 1_000_000} megapixels)',
                           field='photo') from error
    except DECODE_ERRORS as error:
        logger.info('refused an upload that does not decode as %s: %s', kind, error)
        raise InvalidInput(N_('the photo is damaged or not really an image'), field='photo') from error


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _fresh_rgb(image: Image.Image) -> Image.Image:
    """A new RGB image, at most MAX_SIDE long, carrying none of the source's info (EXIF, ICC, comments, XMP)."""
    if image.mode in ('RGBA', 'LA', 'PA') or (image.mode == 'P' and 'transparency' in image.info):
        rgba = image.convert('RGBA')
        flat = Image.new('RGB', rgba.size, 'white')
        flat.paste(rgba, mask=rgba.getchannel('A'))
        image = flat
    elif image.mode != 'RGB':
        image = image.convert('RGB')
    image = _shrunk(image, MAX_SIDE)
    fresh = Image.new('RGB', image.size)
    fresh.paste(image)
    return fresh


def _fresh(image: Image.Image) -> Image.Image:
    """For a PNG: a new image (transparency and greyscale kept), at most MAX_SIDE long, without the source's info."""
    has_alpha = image.mode in ('RGBA', 'LA', 'PA') or (image.mode == 'P' and 'transparency' in image.info)
    mode = 'RGBA' if has_alpha else 'L' if image.mode in ('1', 'L') else 'RGB'
    image = _shrunk(image.convert(mode), MAX_SIDE)
    fresh = Image.new(mode, image.size)
    fresh.paste(image)
    return fresh


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, 'PNG', compress_level=6)   # a fresh image: no text chunks, ICC, EXIF or time
    return buffer.getvalue()


def _shrunk(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    return image.resize(_fit(image.size, side), Image.Resampling.LANCZOS, reducing_gap=2.0)


def _encode(image: Image.Image, budget: int, qualities: tuple[int, ...]) -> bytes:
    """The best quality whose quick baseline encoding fits the budget, saved optimized (never larger)."""
    chosen = next((q for q in qualities if len(_jpeg(image, q, optimize=False)) <= budget), qualities[-1])
    return _jpeg(image, chosen, optimize=True)


def _jpeg(image: Image.Image, quality: int, *, optimize: bool) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=quality, optimize=optimize, progressive=optimize, subsampling='4:2:0')
    return buffer.getvalue()
