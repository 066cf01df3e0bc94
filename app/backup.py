"""Backup and restore of one plant: the database and the photo folder, with a sha256 manifest (SECURITY.md D6).

    python -m app.backup create <dir>     # online: SQLite backup API (the app's own SQLite) or pg_dump -Fc
    python -m app.backup restore <dir>    # into the configured (empty) database and photo folder; app stopped

The settings (CTP_DATABASE_URL, CTP_DATA_DIR, CTP_PG_BIN) say where from and where to. Restore checks every
hash before it writes anything, refuses a non-empty target unless --force, and migrates to head afterwards.
"""
import argparse
import hashlib
import json
import logging
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from app import ops
from app.config import Settings, get_settings
from app.db import build_engine, sqlite_module
from app.migrate import upgrade_to_head

logger = logging.getLogger(__name__)
MANIFEST, PHOTOS, SQLITE_FILE, PG_FILE = 'manifest.json', 'photos', 'database.sqlite3', 'database.dump'
FORMAT = 1


class BackupError(RuntimeError):
    """The backup cannot be made or restored; nothing (more) was written."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open('rb') as file:
        for block in iter(lambda: file.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def pg_tool(settings: Settings, name: str) -> str:
    """pg_dump / pg_restore from CTP_PG_BIN, the PATH, or the newest /usr/lib/postgresql/*/bin."""
    candidates = [settings.pg_bin / name] if settings.pg_bin else []
    found = shutil.which(name)
    candidates += [Path(found)] if found else []
    installed = [p for p in Path('/usr/lib/postgresql').glob(f'*/bin/{name}') if p.parts[-3].isdigit()]
    candidates += sorted(installed, key=lambda p: int(p.parts[-3]), reverse=True)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise BackupError(f'{name} not found: install the PostgreSQL client or set CTP_PG_BIN')


@contextmanager
def _pg_conninfo(url: URL) -> Iterator[str]:
    """A libpq connection string for pg_dump/pg_restore; a password goes to a private passfile, never to argv."""
    parts = {'host': url.host or 'localhost', 'port': str(url.port or 5432), 'user': url.username or 'postgres',
             'dbname': url.database or 'postgres'}
    with tempfile.TemporaryDirectory(prefix='ctp-pgpass-') as folder:
        if url.password:
            passfile = Path(folder) / 'pgpass'
            escaped = [v.replace('\\', '\\\\').replace(':', '\\:') for v in (*parts.values(), url.password)]
            passfile.write_text(':'.join(escaped) + '\n')
            passfile.chmod(0o600)
            parts['passfile'] = str(passfile)
        yield ' '.join(f"{key}='{_quoted(value)}'" for key, value in parts.items())


def _quoted(value: str) -> str:
    return value.replace('\\', '\\\\').replace("'", "\\'")


def create(settings: Settings, target: Path) -> dict[str, object]:
    """Write a backup into `target` (new or empty folder) and return its manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f'{target} is not empty')
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == 'sqlite':
        db_file = target / SQLITE_FILE
        _sqlite_copy(Path(url.database or ''), db_file)
        revision = _copied_revision(db_file)  # the copy's: no lock on the live file, and what was copied
    else:
        db_file = target / PG_FILE
        with _pg_conninfo(url) as conninfo:
            _run([pg_tool(settings, 'pg_dump'), '-Fc', '-f', str(db_file), '-d', conninfo])
        revision = _revision(url.render_as_string(hide_password=False))
    photos = _copy_photos(settings.photo_dir, target / PHOTOS)
    manifest = {'format': FORMAT, 'created_at': datetime.now(UTC).isoformat(), 'backend': url.get_backend_name(),
                'revision': revision,
                'database': {'file': db_file.name, 'sha256': sha256(db_file)}, 'photos': photos}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    logger.info('backup written to %s: %s database, %d photos', target, manifest['backend'], len(photos))
    return manifest


def _sqlite_copy(source: Path, destination: Path) -> None:
    """SQLite's online backup API through the app's own SQLite build (never a file copy of a live database)."""
    if not source.is_file():
        raise BackupError(f'no database at {source}')
    module = sqlite_module()
    src, dst = module.connect(str(source)), module.connect(str(destination))
    try:
        src.backup(dst)
        if dst.execute('PRAGMA integrity_check').fetchone()[0] != 'ok':
            raise BackupError(f'integrity check of {destination} failed')
    finally:
        dst.close()
        src.close()


def _copied_revision(copy: Path) -> str | None:
    """The migration revision inside a SQLite copy, read-only (nothing about the file changes)."""
    connection = sqlite_module().connect(f'file:{copy}?mode=ro', uri=True)
    try:
        row = connection.execute('SELECT version_num FROM alembic_version').fetchone()
    except sqlite_module().OperationalError:
        return None  # no alembic_version table: not migrated
    finally:
        connection.close()
    return str(row[0]) if row else None


def _copy_photos(source: Path, destination: Path) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for path in sorted(p for p in source.rglob('*') if p.is_file() and not p.name.startswith('.')):
        relative = path.relative_to(source).as_posix()
        copy = destination / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
        hashes[relative] = sha256(copy)
    return hashes


def _revision(url: str) -> str | None:
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f'{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}')


def verify(source: Path) -> dict[str, object]:
    """The manifest, after every file's hash matched (raises before anything is restored)."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f'{source} has no readable {MANIFEST}: {error}') from error
    if manifest.get('format') != FORMAT:
        raise BackupError(f'unknown backup format {manifest.get("format")!r}')
    expected = {manifest['database']['file']: manifest['database']['sha256']}
    expected |= {f'{PHOTOS}/{name}': digest for name, digest in manifest['photos'].items()}
    for relative, digest in expected.items():
        path = source / relative
        if not path.is_file() or sha256(path) != digest:
            raise BackupError(f'{relative} is missing or does not match the manifest')
    return manifest


def restore(settings: Settings, source: Path, *, force: bool = False) -> dict[str, object]:
    """Restore the backup in `source` into the configured database and photo folder, then migrate to head."""
    manifest = verify(source)
    url = make_url(settings.resolved_database_url)
    if manifest['backend'] != url.get_backend_name():
        raise BackupError(f'a {manifest["backend"]} backup cannot be restored into {url.get_backend_name()}')
    _refuse_non_empty(settings, url, force)
    db_file = source / str(manifest['database']['file'])  # type: ignore[index]
    if url.get_backend_name() == 'sqlite':
        _sqlite_copy(db_file, Path(url.database or ''))
    else:
        options = ['--no-owner', '--exit-on-error'] + (['--clean', '--if-exists'] if force else [])
        with _pg_conninfo(url) as conninfo:
            _run([pg_tool(settings, 'pg_restore'), *options, '-d', conninfo, str(db_file)])
    _restore_photos(source / PHOTOS, settings.photo_dir, manifest['photos'])  # type: ignore[arg-type]
    upgrade_to_head(url.render_as_string(hide_password=False))
    logger.info('restored %s into %s and %s', source, url.render_as_string(hide_password=True), settings.photo_dir)
    return manifest


def _refuse_non_empty(settings: Settings, url: URL, force: bool) -> None:
    if force:
        return
    photo_dir = settings.photo_dir
    if photo_dir.exists() and any(p.is_file() for p in photo_dir.rglob('*')):
        raise BackupError(f'{photo_dir} already holds photos (use --force to overwrite)')
    if url.get_backend_name() == 'sqlite':
        if Path(url.database or '').exists():
            raise BackupError(f'{url.database} exists (use --force to overwrite)')
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f'database {url.database} is not empty (use --force to replace it)')


def _restore_photos(source: Path, destination: Path, hashes: dict[str, str]) -> None:
    for relative, digest in hashes.items():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target)
        if sha256(target) != digest:
            raise BackupError(f'photo {relative} changed while restoring')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m app.backup', description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=('create', 'restore'))
    parser.add_argument('folder', type=Path)
    parser.add_argument('--force', action='store_true', help='restore: overwrite a non-empty database/photo folder')
    options = parser.parse_args(argv)
    settings = get_settings()
    ops.configure_logging(as_json=settings.log_json)
    try:
        if options.action == 'create':
            create(settings, options.folder)
        else:
            restore(settings, options.folder, force=options.force)
    except BackupError as error:
        logger.error('%s failed: %s', options.action, error)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
