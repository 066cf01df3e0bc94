"""The wall board's layout rules (components/wall_layout.py): every page fits, red first and largest, rotation
only when needed. The real pixels are checked in Chromium by tests/browser/test_wall_sweep.py."""
from dataclasses import dataclass

import pytest

from app.models import MachineStatus
from components.wall_layout import BIG_H, BIG_W, GAP, GRID_H, GRID_W, SMALL_H, SMALL_W, fits, paginate, plan


@dataclass(frozen=True)
class FakeTile:
    id: int
    status: MachineStatus
    open_problem: object | None = None


def board(machines: int, down: int) -> list[FakeTile]:
    return ([FakeTile(i, MachineStatus.DOWN, 'problem') for i in range(down)]
            + [FakeTile(i, MachineStatus.OPERATIONAL) for i in range(down, machines)])


@pytest.mark.parametrize('machines', range(1, 25))
def test_every_page_fits_and_red_tiles_lead_and_are_largest(machines: int) -> None:
    for down in range(machines + 1):
        pages = paginate(board(machines, down))
        assert {t.id for page in pages for t in page} == set(range(machines))  # every machine comes round
        for page in pages:
            big = sum(1 for t in page if t.status == MachineStatus.DOWN)
            layout = plan(big, len(page) - big)
            assert layout is not None
            assert [t.status == MachineStatus.DOWN for t in page] == sorted(
                (t.status == MachineStatus.DOWN for t in page), reverse=True)
            for section, min_w, min_h in ((layout.big, BIG_W, BIG_H), (layout.small, SMALL_W, SMALL_H)):
                if section.count:
                    width = (GRID_W - GAP * (section.cols - 1)) / section.cols
                    assert section.scale >= 1 and width >= min_w * section.scale - 1e-6
                    assert section.row_height >= min_h * section.scale - 1e-6
            used = layout.big.rows * layout.big.row_height + layout.small.rows * layout.small.row_height
            assert used + GAP * (layout.big.rows + layout.small.rows - 1) <= GRID_H + 1e-6
            if layout.big.count and layout.small.count:
                assert layout.big.cols <= layout.small.cols and layout.big.row_height > layout.small.row_height
                assert layout.small.scale <= layout.big.scale


@pytest.mark.parametrize(('machines', 'down'), [(24, 0), (24, 1), (24, 3), (20, 2), (12, 6), (12, 2), (9, 9), (6, 6)])
def test_no_rotation_while_everything_fits(machines: int, down: int) -> None:
    assert len(paginate(board(machines, down))) == 1


def test_rotation_only_when_the_tiles_cannot_fit_and_red_stays_pinned() -> None:
    tiles = board(24, 6)
    assert not fits(tiles)  # six red tiles and 18 quiet ones do not fit at readable size
    pages = paginate(tiles)
    assert len(pages) == 2 and all({0, 1, 2, 3, 4, 5} <= {t.id for t in page} for page in pages)
    all_down = paginate(board(24, 24))
    assert len(all_down) == 3 and [len(p) for p in all_down] == [9, 9, 6]


def test_a_cap_per_page_is_kept() -> None:
    assert [len(p) for p in paginate(board(5, 0), 2)] == [2, 2, 1]
