"""python -m app.services.rollup_cli: recompute the whole daily roll-up (after changing CTP_TIMEZONE, or to check)."""
import logging

from app.config import get_settings
from app.db import init_engine, session_scope
from app.services.rollup import rebuild

logger = logging.getLogger(__name__)


def main() -> None:
    """Recompute the whole roll-up and log how many machine-days were written."""
    logging.basicConfig(level=logging.INFO)
    init_engine(get_settings().resolved_database_url)
    with session_scope() as session:
        written = rebuild(session)
        session.commit()
    logger.info('roll-up rebuilt: %d machine-days', written)


if __name__ == '__main__':
    main()
