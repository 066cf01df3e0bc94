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


SEARCH_OBJECT_PREFIX = 'ctp_problem_logs_fts'  # full-text search objects of migration 0002 (not in the models)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate filter: leave the full-text search table, its shadow tables and index alone."""
    return not (reflected and compare_to is None and (name or '').startswith(SEARCH_OBJECT_PREFIX))
