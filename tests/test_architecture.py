"""Import rules of STYLE.md §3, checked on the source with ast."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob('*.py'))


def test_app_never_imports_nicegui_except_events() -> None:
    offenders = [p for p in modules('app') if p.name != 'events.py' or p.parent != ROOT / 'app'
                 if any(n == 'nicegui' or n.startswith('nicegui.') for n in imports_of(p))]
    assert offenders == []


def test_events_module_imports_only_the_event_class() -> None:
    source = (ROOT / 'app' / 'events.py').read_text()
    assert 'from nicegui import Event' in source
    assert imports_of(ROOT / 'app' / 'events.py') & {'nicegui.ui', 'nicegui.elements'} == set()


def test_only_the_api_package_imports_fastapi_or_starlette() -> None:
    offenders = [p for p in modules('app') if ROOT / 'app' / 'api' not in p.parents
                 if any(n.split('.')[0] in {'fastapi', 'starlette'} for n in imports_of(p))]
    assert offenders == []


def test_app_never_imports_pages_or_components() -> None:
    offenders = [p for p in modules('app') if any(n.split('.')[0] in {'pages', 'components'} for n in imports_of(p))]
    assert offenders == []


def test_components_never_import_pages() -> None:
    offenders = [p for p in modules('components') if any(n.split('.')[0] == 'pages' for n in imports_of(p))]
    assert offenders == []


def test_no_page_imports_another_page() -> None:
    offenders = [p for p in modules('pages') if p.name != '__init__.py'
                 if any(n.startswith('pages.') or n == 'pages' for n in imports_of(p))]
    assert offenders == []


def test_nothing_reads_the_environment_outside_settings() -> None:
    offenders = [p for folder in ('app', 'pages', 'components') for p in modules(folder)
                 if 'os.environ' in p.read_text() or 'os.getenv' in p.read_text()]
    assert offenders == []


def test_no_print_and_no_rich_editor() -> None:
    for folder in ('app', 'pages', 'components'):
        for path in modules(folder):
            tree = ast.parse(path.read_text())
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
            assert not [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == 'print'], path
            assert not [c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr == 'editor'], path


def test_every_screen_is_declared_with_the_apps_page_defaults() -> None:
    """components.page.page, not ui.page: NiceGUI's 3 s build limit would show a loaded server's screens as errors."""
    offenders = [p for p in modules('pages') for node in ast.walk(ast.parse(p.read_text()))
                 if isinstance(node, ast.Attribute) and node.attr == 'page'
                 and isinstance(node.value, ast.Name) and node.value.id == 'ui']
    assert offenders == []
