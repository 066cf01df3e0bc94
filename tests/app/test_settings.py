"""The settings are read once per process; a reader still busy when they change never leaves the old ones behind."""
import threading
from pathlib import Path

import pytest

from app import config
from app.config import get_settings


def test_settings_read_before_a_change_are_not_kept_after_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread that began reading the settings before the environment changed (e.g. a job of an app that is
    stopping) finishes after the cache was cleared: the next reader gets the new settings, not the thread's."""
    real, started, release = config.Settings, threading.Event(), threading.Event()

    def slow_settings() -> config.Settings:
        settings = real()
        started.set()
        release.wait(5)
        return settings

    monkeypatch.setattr(config, 'Settings', slow_settings)
    get_settings.cache_clear()
    reader = threading.Thread(target=get_settings)
    reader.start()
    assert started.wait(5)
    monkeypatch.setenv('CTP_DATA_DIR', str(tmp_path / 'other'))
    get_settings.cache_clear()
    release.set()
    reader.join(5)
    monkeypatch.setattr(config, 'Settings', real)
    assert get_settings().data_dir == tmp_path / 'other'
