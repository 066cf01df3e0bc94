"""Start-up: folders, engine, migrations, the configured admin, the taxonomy and (on request) the demo plant."""
import logging
import secrets

from app import demo
from app.config import Settings
from app.db import init_engine, session_scope
from app.migrate import upgrade_to_head
from app.services import taxonomy, users

logger = logging.getLogger(__name__)


def prepare(settings: Settings) -> None:
    """Everything the app needs before it serves: called by main.py (and tests), never at import."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.photo_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    upgrade_to_head(url)
    init_engine(url)
    with session_scope() as session:
        taxonomy.seed_default_taxonomy(session)
        session.commit()
        _ensure_admin(settings)
        if settings.demo and demo.seed_demo(session, admin_username=settings.admin_username):
            _announce_demo(settings)


def _ensure_admin(settings: Settings) -> None:
    password = settings.admin_password.get_secret_value() if settings.admin_password else None
    with session_scope() as session:
        if password is None and users.find_by_username(session, settings.admin_username) is None:
            password = demo.DEMO_ADMIN_PASSWORD if settings.demo else secrets.token_urlsafe(12)
            if not settings.demo:
                logger.warning('created admin %r with the one-time password %s (set CTP_ADMIN_PASSWORD to choose one)',
                               settings.admin_username, password)
        users.ensure_admin(session, username=settings.admin_username, password=password)


def _announce_demo(settings: Settings) -> None:
    admin_password = settings.admin_password.get_secret_value() if settings.admin_password else demo.DEMO_ADMIN_PASSWORD
    lines = [f'  {settings.admin_username} / {admin_password} (admin)']
    lines += [f'  {username} / {password} ({role.value})' for username, _, role, password, _ in demo.DEMO_USERS]
    logger.warning('demo plant loaded; sign in with one of:')
    for line in lines:  # one record each: log lines escape control characters, newlines included
        logger.warning('%s', line.strip())
