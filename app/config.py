"""One validated settings object, read from the environment (prefix CTP_) and an optional .env file."""
import ipaddress
import secrets
import threading
from enum import StrEnum
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {'changeme', 'change-me', 'secret', 'please-change', 'example', 'storage-secret'}
MIN_SECRET_LENGTH = 32
Language = Literal['en', 'de']
LANGUAGES: tuple[str, ...] = get_args(Language)
PSEUDO_LANGUAGE = 'xx'  # marks every translated text (app/i18n.py); test settings only
LOOPBACK_HOSTS = ('localhost', '127.0.0.1', '[::1]')
TEST_CLIENT_HOSTS = ('test', 'testserver')  # NiceGUI's simulated user; Starlette's TestClient (CTP_ENV=test only)


class Environment(StrEnum):
    DEVELOPMENT = 'development'
    TEST = 'test'
    PRODUCTION = 'production'


class Settings(BaseSettings):
    """Every setting of CTP Log; nothing else reads the environment."""

    model_config = SettingsConfigDict(env_prefix='CTP_', env_file='.env', extra='ignore')

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path('./data')
    database_url: str = ''
    host: str = '127.0.0.1'
    port: int = Field(default=8080, ge=1, le=65535)
    storage_secret: SecretStr | None = None
    admin_username: str = Field(default='admin', min_length=2, max_length=64)
    admin_password: SecretStr | None = None
    demo: bool = False
    timezone: str = 'Europe/Berlin'
    language: Literal['en', 'de', 'xx'] = 'en'  # the plant default; users and displays may choose their own
    plant_name: str = Field(default='CTP Log', max_length=80)
    max_photo_bytes: int = Field(default=15 * 1024 * 1024, ge=1024)
    max_photo_pixels: int = Field(default=40_000_000, ge=10_000)
    max_photos_per_problem: int = Field(default=6, ge=1, le=50)
    max_photo_bytes_per_user_day: int = Field(default=300 * 1024 * 1024, ge=1024)  # stored bytes, rolling 24 h
    min_free_disk_mb: int = Field(default=500, ge=0)  # below this much free space under data_dir: 507, nothing stored
    export_max_rows: int = Field(default=100_000, ge=1)  # problem rows in one CSV/XLSX export; more: 400, narrow it
    report_lookback_days: int = Field(default=30, ge=1, le=3660)  # how far back non-admins may date a problem
    not_acknowledged_minutes: int = Field(default=10, ge=1)
    notification_auto_read_days: int = Field(default=7, ge=1)
    session_idle_hours: float = Field(default=12, gt=0)  # signed out after this long without a request or action
    session_absolute_hours: float = Field(default=7 * 24, gt=0)  # signed out this long after signing in, at most
    https: bool | None = None  # served over https: Secure __Host- cookies (default: production or an https origin)
    public_origins: list[str] = Field(default_factory=list)
    allowed_hosts: list[str] = Field(default_factory=list)  # Host names answered besides the origins' and loopback
    trusted_proxies: list[str] = Field(default_factory=list)
    api_docs: bool = True
    log_json: bool = False
    pg_bin: Path | None = None  # folder of pg_dump/pg_restore for app.backup (default: PATH, /usr/lib/postgresql)
    session_dir: Path | None = None  # NiceGUI's per-user session storage (default: <data_dir>/sessions)
    metrics_token: SecretStr | None = None  # when set, /metrics needs `Authorization: Bearer <token>`
    metrics_allow: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = Field(  # /metrics without a token: only these
        default_factory=lambda: [ipaddress.ip_network('127.0.0.0/8'), ipaddress.ip_network('::1/128')])
    sqlite_journal: Literal['auto', 'wal', 'delete', 'truncate'] = 'auto'  # auto: WAL only on a fixed SQLite
    sqlite_single_connection: bool = False  # one pooled connection (the only way WAL is allowed on an affected SQLite)
    sqlite_cache_mb: int = Field(default=32, ge=1, le=4096)  # page cache per connection, filled only as pages are read
    gc_tuning: bool = True  # freeze the start-up objects out of the collector's scans (app.ops.tune_garbage_collector)
    malloc_arenas: int = Field(default=2, ge=0)  # glibc malloc arenas shared by all threads; 0: glibc's default
    ws_compression: bool = False  # per-message deflate of the live-update websocket (costs CPU per screen; for WANs)
    # a wall board cut off longer than this is dropped by the server and reloads itself once the server answers
    wall_reconnect_seconds: float = Field(default=60.0, ge=1.0, le=3600.0)
    cheap_password_hashes: bool = False  # test suites only (refused unless CTP_ENV=test): Argon2 at its minimum cost
    # Machines reporting over CIP4 JMF/XJMF (app/services/jmf)
    jmf_max_bytes: int = Field(default=256 * 1024, ge=1024)  # one JMF/XJMF message; more is refused before parsing
    jmf_max_depth: int = Field(default=24, ge=4, le=200)  # element nesting
    jmf_max_elements: int = Field(default=2000, ge=10)  # elements in one message
    jmf_signal_retention_days: int = Field(default=90, ge=1)  # raw signals purged after it, readings one a day
    jmf_silence_minutes: float = Field(default=5, gt=0)  # a device silent this long shows as "no data", never "down"
    jmf_micro_stop_seconds: int = Field(default=60, ge=0)  # failure stops ending sooner count as micro-stops
    jmf_clock_skew_seconds: int = Field(default=300, ge=0)  # a device clock further off: the receipt time is used
    # devices CTP Log may subscribe to (host[:port])
    jmf_subscribe_allowed_hosts: list[str] = Field(default_factory=list)
    jmf_subscription_renew_minutes: float = Field(default=60, gt=0)  # re-subscribe this often (and after an error)
    # asked of the device: a Status signal at least this often
    jmf_subscription_repeat_seconds: int = Field(default=60, ge=1)
    demo_simulator: bool = False  # CTP_DEMO_SIMULATOR=1 with CTP_DEMO=1: simulated platesetters drive the demo plant
    # Outbound alerts (issue 23, app/services/alert_*.py): SMTP for e-mail, an allow-list for webhook destinations
    smtp_host: str = ''  # '' = e-mail alerts are kept pending (then dead-lettered) until a server is set
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal['starttls', 'tls', 'none'] = 'starttls'  # none: loopback relays only
    smtp_username: str = ''
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(default='ctp-log@localhost', max_length=254)
    alert_allowed_hosts: list[str] = Field(default_factory=list)  # webhook hosts (host or host:port); empty = none
    alert_timeout_seconds: float = Field(default=10, gt=0, le=120)  # one delivery attempt
    alert_max_attempts: int = Field(default=8, ge=1, le=50)  # then the alert goes to the dead letters
    alert_retry_seconds: float = Field(default=30, gt=0)  # first back-off; doubles per attempt (with jitter)
    alert_lease_seconds: float = Field(default=120, gt=0)  # a claim not finished by then is taken again (a crash)
    alert_poll_seconds: float = Field(default=2, gt=0)  # the sender looks for due alerts at least this often

    @field_validator('timezone')
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f'unknown IANA time zone {value!r}') from error
        return value

    @field_validator('trusted_proxies')
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError as error:
                raise ValueError(f'CTP_TRUSTED_PROXIES: {item!r} is not an IP address or network') from error
        return value

    @field_validator('public_origins')
    @classmethod
    def _origin_urls(cls, value: list[str]) -> list[str]:
        for item in value:
            if _host_of_origin(item) is None:
                raise ValueError(f'CTP_PUBLIC_ORIGINS: {item!r} is not an origin such as https://ctp.plant.example')
        return value

    @field_validator('allowed_hosts')
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item or '*' in item.lstrip('*') or (item.startswith('*') and not item.startswith('*.')):
                raise ValueError(f'CTP_ALLOWED_HOSTS: {item!r} is not a host name (or a pattern like *.example.com)')
        return value

    @model_validator(mode='after')
    def _idle_within_absolute(self) -> 'Settings':
        if self.session_idle_hours > self.session_absolute_hours:
            raise ValueError('CTP_SESSION_IDLE_HOURS cannot be longer than CTP_SESSION_ABSOLUTE_HOURS')
        return self

    @model_validator(mode='after')
    def _pseudo_language_only_in_tests(self) -> 'Settings':
        if self.language == PSEUDO_LANGUAGE and self.env != Environment.TEST:
            raise ValueError('CTP_LANGUAGE=xx (the pseudo language) is for test suites only (it needs CTP_ENV=test)')
        return self

    @model_validator(mode='after')
    def _cheap_hashes_only_in_tests(self) -> 'Settings':
        if self.cheap_password_hashes and self.env != Environment.TEST:
            raise ValueError('CTP_CHEAP_PASSWORD_HASHES is for test suites only (it needs CTP_ENV=test)')
        return self

    @model_validator(mode='after')
    def _production_needs_secrets(self) -> 'Settings':
        secret = self.storage_secret.get_secret_value() if self.storage_secret else None
        if secret is not None and (secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH):
            raise ValueError(f'CTP_STORAGE_SECRET must be a random value of at least {MIN_SECRET_LENGTH} characters')
        if self.env == Environment.PRODUCTION and secret is None:
            raise ValueError('CTP_STORAGE_SECRET is required when CTP_ENV=production')
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        return self.env == Environment.PRODUCTION

    @property
    def cookie_secure(self) -> bool:
        """Cookies only over https: CTP_HTTPS when set, else in production or with an https public origin."""
        if self.https is not None:
            return self.https
        return self.is_production or any(o.lower().startswith('https://') for o in self.public_origins)

    @property
    def session_cookie_name(self) -> str:
        """`__Host-` (Secure, Path=/, no Domain: the browser enforces all three) whenever the cookie is Secure."""
        return '__Host-session' if self.cookie_secure else 'session'

    @property
    def trusted_hosts(self) -> list[str]:
        """The Host names this server answers to (issue 18, DNS rebinding): those of the public origins, any extra
        CTP_ALLOWED_HOSTS, loopback (a rebinding page always sends its own name, so loopback is safe and keeps local
        health checks working) and, in test suites, the names in-process test clients use (`test`, `testserver`)."""
        hosts = [host for host in map(_host_of_origin, self.public_origins) if host]
        hosts += [host.lower() for host in self.allowed_hosts] + list(LOOPBACK_HOSTS)
        return hosts + (list(TEST_CLIENT_HOSTS) if self.env == Environment.TEST else [])

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f'sqlite:///{(self.data_dir / "ctp-log.sqlite3").resolve()}'

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / 'photos'

    @property
    def resolved_session_dir(self) -> Path:
        return (self.session_dir or self.data_dir / 'sessions').resolve()

    def resolve_storage_secret(self) -> str:
        """The configured secret, or one generated once and kept in the data folder."""
        if self.storage_secret is not None:
            return self.storage_secret.get_secret_value()
        path = self.data_dir / 'storage-secret'
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def _host_of_origin(origin: str) -> str | None:
    """`https://CTP.example:8443/` -> `ctp.example` (IPv6 literals keep their brackets, as in a Host header)."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ('http', 'https') or not parts.hostname or '@' in parts.netloc:
        return None
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return None
    return f'[{parts.hostname}]' if ':' in parts.hostname else parts.hostname


class _SettingsOnce:
    """The settings, read once per process; `cache_clear()` (tests) makes the next call read them again. A read that
    began before a clear never becomes the cached value (functools.lru_cache would store it: a job thread of a
    stopping app, still reading, left the previous test's database URL for the next test)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._generation = 0

    def __call__(self) -> Settings:
        settings = self._settings
        if settings is not None:
            return settings
        generation = self._generation
        settings = Settings()
        with self._lock:
            if generation == self._generation:
                self._settings = settings
        return settings

    def cache_clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._settings = None


get_settings = _SettingsOnce()
