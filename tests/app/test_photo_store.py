"""The photo pipeline and the local store: allow-list by content, bombs, metadata removal, orientation, names."""
import io
import re
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from app import photo_pipeline, photo_store
from app.config import get_settings
from app.errors import InvalidInput, PayloadTooLarge
from app.services import photos
from tests.photo_corpus import (
    CORNER,
    GPS_IFD,
    PATH_LIKE_NAMES,
    bad_uploads,
    camera_jpeg,
    detailed_photo,
    encoded,
    png_bomb,
)

STORED = re.compile(r'^[0-9a-f]{32}\.jpg$')


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob('*')) if folder.exists() else []


def open_stored(name: str) -> Image.Image:
    return Image.open(get_settings().photo_dir / name)


@pytest.mark.parametrize('bad', bad_uploads(), ids=lambda b: b.label)
def test_bad_upload_is_refused_and_nothing_is_stored(bad: object, tmp_path: Path) -> None:
    before = tree(tmp_path)
    with pytest.raises(InvalidInput):
        photos.prepare_photo(bad.data, bad.name)  # type: ignore[attr-defined]
    assert tree(get_settings().photo_dir) == []
    assert tree(tmp_path) == before


def test_oversized_upload_is_413(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_MAX_PHOTO_BYTES', '2048')
    get_settings.cache_clear()
    with pytest.raises(PayloadTooLarge, match='at most'):
        photos.prepare_photo(camera_jpeg((400, 300)) + b'\x00' * 4096, 'big.jpg')
    assert tree(get_settings().photo_dir) == []


def test_decompression_bomb_is_refused_from_the_header_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[Image.Image] = []
    real_load = PngImagePlugin.PngImageFile.load

    def load(image: PngImagePlugin.PngImageFile) -> object:
        decoded.append(image)
        return real_load(image)
    monkeypatch.setattr(PngImagePlugin.PngImageFile, 'load', load)
    with pytest.raises(InvalidInput, match='too large'):
        photos.prepare_photo(png_bomb(), 'bomb.png')
    assert decoded == []  # refused on the header's size: 2.5 gigapixels never reach memory
    photo_pipeline.process(encoded('PNG', (40, 30)))  # a normal PNG is decoded: the spy sees it
    assert len(decoded) >= 1


def test_a_small_pixel_cap_refuses_a_normal_photo_with_400(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_MAX_PHOTO_PIXELS', '10000')
    get_settings.cache_clear()
    with pytest.raises(InvalidInput, match='megapixels'):
        photos.prepare_photo(camera_jpeg((400, 300)), 'normal.jpg')


@pytest.mark.parametrize(('fmt', 'mode'), [('JPEG', 'RGB'), ('WEBP', 'RGB'), ('HEIF', 'RGB')])
def test_camera_formats_are_stored_as_a_clean_jpeg(fmt: str, mode: str) -> None:
    prepared = photos.prepare_photo(encoded(fmt, (640, 480), mode), f'tablet.{fmt.lower()}')
    for name in (prepared.stored_name, prepared.thumb_name):
        assert STORED.fullmatch(name)
        with open_stored(name) as stored:
            assert stored.format == 'JPEG' and stored.mode == 'RGB'
    assert (prepared.width, prepared.height) == (640, 480)
    assert sorted(tree(get_settings().photo_dir)) == sorted([prepared.stored_name, prepared.thumb_name])


@pytest.mark.parametrize(('mode', 'stored_mode'), [('RGB', 'RGB'), ('RGBA', 'RGBA'), ('P', 'RGB'), ('L', 'L')])
def test_a_png_is_stored_as_a_new_png_without_metadata(mode: str, stored_mode: str) -> None:
    source = Image.open(io.BytesIO(encoded('PNG', (640, 480), mode)))
    info = PngImagePlugin.PngInfo()
    info.add_text('Comment', '<script>alert(1)</script>')
    buffer = io.BytesIO()
    source.save(buffer, 'PNG', pnginfo=info, exif=Image.Exif(), icc_profile=b'fake-icc')
    prepared = photos.prepare_photo(buffer.getvalue(), 'screen.jpg')
    assert re.fullmatch(r'[0-9a-f]{32}\.png', prepared.stored_name) and STORED.fullmatch(prepared.thumb_name)
    with open_stored(prepared.stored_name) as stored:
        assert stored.format == 'PNG' and stored.mode == stored_mode and stored.size == (640, 480)
        assert not stored.info and not stored.getexif()
    raw = (get_settings().photo_dir / prepared.stored_name).read_bytes()
    assert b'script' not in raw and b'iCCP' not in raw and b'eXIf' not in raw
    with open_stored(prepared.thumb_name) as thumb:
        assert thumb.format == 'JPEG'


def test_a_photo_saved_as_png_beyond_the_budget_is_stored_as_jpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photo_pipeline, 'PNG_BUDGET', 1000)
    prepared = photos.prepare_photo(encoded('PNG', (640, 480)), 'photo.png')
    assert STORED.fullmatch(prepared.stored_name)


def test_exif_orientation_is_applied_and_all_metadata_removed() -> None:
    data = camera_jpeg((320, 240), orientation=6, trailer=b'PK\x03\x04zip-after-eoi')
    prepared = photos.prepare_photo(data, 'IMG_0001.jpg')
    raw = (get_settings().photo_dir / prepared.stored_name).read_bytes()
    with open_stored(prepared.stored_name) as stored:
        assert stored.size == (240, 320)                            # rotated 90° clockwise
        red, green, blue = stored.convert('RGB').getpixel((stored.width - 3, 2))  # top-left went top-right
        assert red > 200 and green < 60 and blue < 60
        assert dict(stored.getexif()) == {} and GPS_IFD not in stored.getexif()
        assert not {'exif', 'icc_profile', 'comment', 'xmp'} & set(stored.info)
    for marker in (b'Exif', b'TabletCam', b'secret note', b'<script>', b'ICC_PROFILE', b'PK\x03\x04', b'http://ns.adobe'):
        assert marker not in raw
    assert CORNER == (255, 0, 0)


def test_large_photo_is_scaled_down_with_a_small_thumbnail() -> None:
    prepared = photos.prepare_photo(camera_jpeg((3000, 2000)), 'big.jpg')
    assert max(prepared.width, prepared.height) == photo_pipeline.MAX_SIDE
    with open_stored(prepared.thumb_name) as thumb:
        assert max(thumb.size) == photo_pipeline.THUMB_SIDE
    assert len(prepared.thumb_jpeg) < 40_000


@pytest.mark.parametrize('name', PATH_LIKE_NAMES)
def test_client_file_names_never_reach_a_path(name: str, tmp_path: Path) -> None:
    photo_store.get_store()
    before = tree(tmp_path)
    prepared = photos.prepare_photo(camera_jpeg(), name)
    folder = get_settings().photo_dir.resolve()
    for stored in (prepared.stored_name, prepared.thumb_name):
        assert STORED.fullmatch(stored)
        assert (folder / stored).resolve().is_relative_to(folder)
    written = set(tree(tmp_path)) - set(before)
    markers = {path for path in written if path.startswith('data/photos-pending')}   # server-named, see photo_pending
    assert all(re.fullmatch(r'data/photos-pending(/[0-9a-f]{32}(\.lock)?){0,2}', path) for path in markers)
    assert written - markers <= {f'data/photos/{prepared.stored_name}', f'data/photos/{prepared.thumb_name}'}
    shown = prepared.original_name or ''
    assert '/' not in shown and '\\' not in shown and '\u202e' not in shown and not shown.startswith('C:')
    assert len(shown) <= photo_store.DISPLAY_NAME_LENGTH


def test_the_store_refuses_names_it_did_not_make() -> None:
    store = photo_store.get_store()
    for name in ('../x.jpg', 'a.jpg', '0' * 32 + '.php', '/etc/passwd'):
        with pytest.raises(ValueError):
            store.put(name, b'x')
        with pytest.raises(ValueError):
            store.open(name)


def test_put_is_atomic_and_leaves_no_temporary_file() -> None:
    store = photo_store.get_store()
    name = photo_store.new_name()
    store.put(name, b'abc')
    assert store.exists(name) and store.open(name).read() == b'abc'
    assert tree(get_settings().photo_dir) == [name]
    store.delete(name)
    assert not store.exists(name)


def test_stored_size_of_a_detailed_photo_is_within_budget() -> None:
    prepared = photos.prepare_photo(detailed_photo((2600, 1950)), 'detailed.jpg')
    assert prepared.size_bytes <= photo_pipeline.FULL_BUDGET
    assert len(prepared.thumb_jpeg) <= photo_pipeline.THUMB_BUDGET
