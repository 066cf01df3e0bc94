"""Uploads for the photo tests: camera-like photos in every allowed format, and a corpus of bad files."""
import io
import struct
import zlib
from dataclasses import dataclass

import pillow_heif
from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
CORNER = (255, 0, 0)  # the top-left pixel of the scene, as the camera saw it


def scene(size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A gradient with a red top-left corner block (to prove rotation)."""
    width, height = size
    image = Image.linear_gradient('L').resize(size).convert('RGB')
    image.paste(CORNER, (0, 0, width // 8, height // 8))
    return image


def exif_with_gps(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = 'TabletCam'                     # Make
    exif[0x9286] = b'ASCII\x00\x00\x00secret note'  # UserComment (Exif IFD in reality; enough to detect)
    exif[GPS_IFD] = {1: 'N', 2: (52.0, 31.0, 12.0), 3: 'E', 4: (13.0, 24.0, 36.0)}
    return exif.tobytes()


def camera_jpeg(size: tuple[int, int] = (320, 240), orientation: int = 1, *, trailer: bytes = b'') -> bytes:
    """A JPEG with EXIF (GPS, orientation), a comment and optional bytes after the end of image."""
    buffer = io.BytesIO()
    scene(size).save(buffer, 'JPEG', quality=90, exif=exif_with_gps(orientation),
                     comment=b'<script>alert(1)</script>', icc_profile=b'\x00' * 128)
    return buffer.getvalue() + trailer


def encoded(fmt: str, size: tuple[int, int] = (320, 240), mode: str = 'RGB') -> bytes:
    image = scene(size).convert(mode)
    if fmt == 'HEIF':
        pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({'quality': 80} if fmt in ('WEBP', 'HEIF') else {}))
    return buffer.getvalue()


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A small PNG whose header claims a huge image (the IDAT is tiny and would not even fill it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(b'\x00' * 1024)) + \
        chunk(b'IEND', b'')


def tiff_bytes() -> bytes:
    buffer = io.BytesIO()
    scene().save(buffer, 'TIFF')
    return buffer.getvalue()


@dataclass(frozen=True)
class BadUpload:
    label: str
    name: str
    data: bytes
    status: int   # the API's answer


def bad_uploads() -> list[BadUpload]:
    jpeg = camera_jpeg()
    return [
        BadUpload('script named .jpg', 'photo.jpg', b'#!/bin/sh\nrm -rf /\n', 400),
        BadUpload('php named .jpg', 'shell.php.jpg', b'<?php system($_GET["c"]); ?>', 400),
        BadUpload('html named .jpg', 'photo.jpg', b'<html><script>alert(document.cookie)</script></html>', 400),
        BadUpload('svg', 'photo.svg', b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 400),
        BadUpload('tiff named .jpg', 'photo.jpg', tiff_bytes(), 400),
        BadUpload('eps named .jpg', 'photo.jpg', b'%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n', 400),
        BadUpload('zero bytes', 'empty.jpg', b'', 400),
        BadUpload('truncated jpeg', 'cut.jpg', jpeg[: len(jpeg) // 2], 400),
        BadUpload('jpeg magic only', 'fake.jpg', b'\xff\xd8\xff\xe0' + b'\x00' * 200, 400),
        BadUpload('decompression bomb', 'bomb.png', png_bomb(), 400),
        BadUpload('very long strip', 'strip.png', png_bomb(30_000, 2), 400),
    ]


PATH_LIKE_NAMES = ['../../x.jpg', 'C:..\\x.jpg', 'C:evil.jpg', '..\\..\\app.py', 'a.jpg%00.php',
                   'x' * 300 + '.jpg', 'photo\u202egpj.exe', 'CON.jpg', '/etc/passwd']


def detailed_photo(size: tuple[int, int] = (4000, 3000), *, seed: int = 5) -> bytes:
    """A camera-like JPEG: shapes, fine texture and sensor noise, saved at quality 92 with EXIF (GPS) like a tablet."""
    import random

    from PIL import ImageChops, ImageDraw, ImageFilter
    rng = random.Random(seed)
    width, height = size
    base = Image.merge('RGB', [Image.linear_gradient('L').resize(size).rotate(angle, expand=False)
                               for angle in (0, 90, 180)])
    draw = ImageDraw.Draw(base)
    for _ in range(600):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(8, width // 6), rng.randrange(8, height // 6)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice((draw.rectangle, draw.ellipse))
        shape((x, y, x + w, y + h), fill=colour, outline=(0, 0, 0), width=rng.randrange(1, 5))
    for _ in range(400):
        draw.line([(rng.randrange(width), rng.randrange(height)) for _ in range(2)],
                  fill=tuple(rng.randrange(256) for _ in range(3)), width=rng.randrange(1, 4))
    base = base.filter(ImageFilter.GaussianBlur(0.8))
    noise = Image.merge('RGB', [Image.effect_noise(size, 10) for _ in range(3)])
    photo = ImageChops.add(base, noise, scale=1.0, offset=-128)
    buffer = io.BytesIO()
    photo.save(buffer, 'JPEG', quality=92, exif=exif_with_gps(1), comment=b'tablet camera')
    return buffer.getvalue()
