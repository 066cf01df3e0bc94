"""Alembic, driven from code: upgrade to head at start (the app never calls create_all)."""
from pathlib import Path

from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def alembic_config(url: str) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / 'pyproject.toml'))
    config.set_main_option('script_location', str(PROJECT_ROOT / 'migrations'))
    config.attributes['database_url'] = url
    return config


def upgrade_to_head(url: str) -> None:
    command.upgrade(alembic_config(url), 'head')
