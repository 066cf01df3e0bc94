"""Every page module; importing this package registers all routes."""
from pages import login, overview  # noqa: F401
