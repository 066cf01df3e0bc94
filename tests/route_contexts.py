"""Each app test runs main.py again, and `api.install` includes the same module-level routers in NiceGUI's one app
again. FastAPI (0.141+) keeps an included router as one lazy route and, on the app's first request, works out every
API route's state for that inclusion anew: its dependencies, parameters and response fields, pydantic adapters
included, ~100 routes, about a third of a short API test's time. The routers, their routes and the app are the same
objects every time, so the same inclusion gives the same state: this builds it once per worker and reuses it.

Private FastAPI API: without `_EffectiveRouteContext.from_api_route` (another FastAPI version) nothing changes and
every inclusion builds its own, as in production.
"""
import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import routing

SCREENS = 'pages.'  # the modules of the screens, whose routes every app test declares again


def reuse_route_contexts() -> None:
    _reuse_api_route_contexts()
    _reuse_screen_dependants()


def _reuse_screen_dependants() -> None:
    """The same for the screens' page routes, which every app test adds again (NiceGUI's `ui.page`): FastAPI works
    out each one's parameters from its function's signature, 25 routes, ~12 ms of an app test's start. A screen's
    route of the same path and signature gets the same result, bound to the new function.

    Private FastAPI API: without `_build_dependant_with_parameterless_dependencies` nothing changes."""
    build = getattr(routing, '_build_dependant_with_parameterless_dependencies', None)
    if build is None or getattr(build, 'reused', False):
        return
    built: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def build_dependant(*, path: str, call: Callable[..., Any], dependencies: Any) -> Any:
        if not getattr(call, '__module__', '').startswith(SCREENS) or dependencies:
            return build(path=path, call=call, dependencies=dependencies)
        key = (path, str(inspect.signature(call)))
        if key not in built:
            built[key] = build(path=path, call=call, dependencies=dependencies)
        dependant, body_params, embed = built[key]
        return dataclasses.replace(dependant, call=call, dependencies=list(dependant.dependencies)), body_params, embed

    build_dependant.reused = True  # type: ignore[attr-defined]
    routing._build_dependant_with_parameterless_dependencies = build_dependant  # noqa: SLF001


def _reuse_api_route_contexts() -> None:
    context_class: Any = getattr(routing, '_EffectiveRouteContext', None)
    build = getattr(context_class, 'from_api_route', None)
    if build is None or getattr(build, 'reused', False):
        return
    context_class.from_api_route = classmethod(_memoised(build.__func__))


def _memoised(build: Callable[..., Any]) -> Callable[..., Any]:
    built: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def from_api_route(cls: type, *, original_route: Any, include_context: Any) -> Any:
        key = _key(original_route, include_context)
        if key not in built:
            # The objects behind the key's ids stay referenced, so no id is reused by another object.
            keep = (original_route, include_context.included_router, include_context.dependency_overrides_provider,
                    list(include_context.dependencies))
            built[key] = (*keep, build(cls, original_route=original_route, include_context=include_context))
        return built[key][-1]

    from_api_route.reused = True  # type: ignore[attr-defined]
    return from_api_route


def _key(route: Any, context: Any) -> tuple[Any, ...]:
    return (id(route), id(context.included_router), id(context.dependency_overrides_provider), context.prefix,
            tuple(map(id, context.dependencies)), tuple(map(str, context.tags)), context.max_body_size,
            context.include_in_schema, context.deprecated, repr(context.responses))
