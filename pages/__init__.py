"""Every page module; importing this package registers all routes."""
from pages import display, login, overview, statistics  # noqa: F401
