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


def test_screens_run_blocking_calls_through_the_worker_helper() -> None:
    """components.worker.io, never NiceGUI's run.io_bound/cpu_bound directly: those answer None for a call whose task
    was cancelled, and a timer's callback that took None for a result never stopped (a test loop hung for good)."""
    offenders = [f'{p}:{node.lineno}' for folder in ('pages', 'components') for p in modules(folder)
                 if p != ROOT / 'components' / 'worker.py'
                 for node in ast.walk(ast.parse(p.read_text()))
                 if isinstance(node, ast.Attribute) and node.attr in ('io_bound', 'cpu_bound')]
    assert offenders == []


def app_import_graph() -> dict[str, set[str]]:
    """Module -> the app modules it imports (at the top or inside a function: both are dependencies)."""
    names = {'.'.join(p.relative_to(ROOT).with_suffix('').parts).removesuffix('.__init__'): p for p in modules('app')}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name in names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from app.services import photos` names the module app.services.photos
                    full = f'{node.module}.{alias.name}'
                    found.add(full if full in names else node.module)
        graph[name] = found & names.keys() - {name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): each one an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_app_modules_import_each_other_without_cycles() -> None:
    assert import_cycles(app_import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    assert import_cycles(graph) == [['a', 'b', 'c']]


def test_pages_never_import_the_orm() -> None:
    """Pages ask services, which own the queries: no SQLAlchemy or SQLModel in pages/."""
    offenders = [p for p in modules('pages')
                 if any(n.split('.')[0] in {'sqlalchemy', 'sqlmodel'} for n in imports_of(p))]
    assert offenders == []
