"""How the wall board fits its tiles on a 16:9 stage, so that nothing a tile shows is ever cut off.

All sizes are in stage units: 1 u is 1 % of the stage width (19.2 px at 1920x1080, 38.4 px at 3840x2160); the CSS
in wall_assets.py uses the same numbers. A tile with an open problem (every red tile) is "big": status word, machine,
time down, who has it and the cause. A quiet tile is "small": status word and machine. Red tiles come first and are
never smaller than any other tile; pages rotate only when the tiles cannot all fit at readable size.
"""
import math
from dataclasses import dataclass
from typing import Protocol, TypeVar

from app.models import MachineStatus

GRID_W = 98.0   # stage width minus the side padding (1 u each side)
GRID_H = 48.4   # 56.25 u stage minus padding 2 x 0.4, header 3.2, footer 2.6 and two gaps of 0.6
GAP = 0.8
# The smallest tiles that hold their text at scale 1 (no text under 1.5 u, 28.8 px at 1080p). A big tile:
# 2 x (0.5 padding + 0.35 border) + 1.15 line height x (2.0 word + 2.0 machine + 2.6 counter + 1.5 who
# + 2 x 1.5 cause) + 4 x 0.2 gaps = 15.27; 30 u wide holds 18 characters of machine and 38 of cause per line.
BIG_W, BIG_H = 30.0, 15.4
SMALL_W, SMALL_H = 18.0, 5.6   # 2 x (0.4 + 0.35) + 1.15 x (1.5 word + 1.7 machine) + 0.2 = 5.38
MAX_SCALE = 2.0


class BoardTile(Protocol):
    status: MachineStatus

    @property
    def open_problem(self) -> object | None: ...


T = TypeVar('T', bound='BoardTile')


@dataclass(frozen=True)
class Section:
    """One block of equal tiles: columns, rows, the row height (u) and the text scale (>= 1)."""
    count: int
    cols: int
    rows: int
    row_height: float
    scale: float


@dataclass(frozen=True)
class Layout:
    big: Section
    small: Section


def is_big(tile: BoardTile) -> bool:
    return tile.status == MachineStatus.DOWN or tile.open_problem is not None


def plan(big: int, small: int) -> Layout | None:
    """The layout with the largest red tiles (then quiet tiles) for one page, or None when they cannot fit."""
    best: tuple[tuple[float, float, int], Layout] | None = None
    for cb in _column_choices(big, BIG_W):
        for cs in _column_choices(small, SMALL_W):
            if big and small and cs < cb:
                continue  # quiet tiles are never wider than red ones
            layout = _layout(big, cb, small, cs)
            if layout is None:
                continue
            score = (layout.big.scale, layout.small.scale, -(layout.big.rows + layout.small.rows))
            if best is None or score > best[0]:
                best = (score, layout)
    return best[1] if best else None


def fits(tiles: list[BoardTile]) -> bool:
    big = sum(1 for t in tiles if is_big(t))
    return plan(big, len(tiles) - big) is not None


def order_page(tiles: list[T]) -> list[T]:
    """Big tiles first, each group in board order."""
    return [t for t in tiles if is_big(t)] + [t for t in tiles if not is_big(t)]


def paginate(tiles: list[T], cap: int | None = None) -> list[list[T]]:
    """Pages of tiles: one page whenever they fit; else red tiles pinned to every page when room is left."""
    limit = cap if cap is not None else len(tiles)
    if len(tiles) <= limit and fits(list(tiles)):
        return [order_page(tiles)]
    red = [t for t in tiles if t.status == MachineStatus.DOWN]
    rest = [t for t in tiles if t.status != MachineStatus.DOWN]
    pinned = red if rest and len(red) < limit and fits([*red, rest[0]]) else []
    queue = rest if pinned else list(tiles)
    pages: list[list[T]] = []
    while queue:
        page = list(pinned)
        while queue and len(page) < limit and fits([*page, queue[0]]):
            page.append(queue.pop(0))
        if len(page) == len(pinned):
            page.append(queue.pop(0))  # a single tile always gets a page of its own
        pages.append(order_page(page))
    return pages or [order_page(pinned)]


def _column_choices(count: int, min_width: float) -> range:
    if count == 0:
        return range(0, 1)
    return range(1, int((GRID_W + GAP) // (min_width + GAP)) + 1)  # spare columns keep tiles as wide as red ones


def _layout(big: int, cb: int, small: int, cs: int) -> Layout | None:
    rb = math.ceil(big / cb) if cb else 0
    rs = math.ceil(small / cs) if cs else 0
    gaps = GAP * max(0, rb + rs - 1)
    needed = rb * BIG_H + rs * SMALL_H
    if needed + gaps > GRID_H + 1e-9:
        return None
    grow = (GRID_H - gaps) / needed if needed else 1.0
    red, quiet = _section(big, cb, rb, BIG_W, BIG_H, grow), _section(small, cs, rs, SMALL_W, SMALL_H, grow)
    if red.count and quiet.scale > red.scale:  # quiet text never larger than red text
        quiet = Section(quiet.count, quiet.cols, quiet.rows, quiet.row_height, red.scale)
    return Layout(red, quiet)


def _section(count: int, cols: int, rows: int, min_w: float, min_h: float, grow: float) -> Section:
    if not count:
        return Section(0, 0, 0, 0.0, 1.0)
    width = (GRID_W - GAP * (cols - 1)) / cols
    height = math.floor(min_h * grow * 1000) / 1000
    scale = math.floor(min(height / min_h, width / min_w, MAX_SCALE) * 1000) / 1000  # down: never too big
    return Section(count, cols, rows, height, scale)
