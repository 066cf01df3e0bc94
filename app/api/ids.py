"""One bounded id for every path: `{name:id}` matches only 1..MAX_ID, so anything else is simply no route (404)
and never reaches a query as a number the database cannot hold (issue 18)."""
from starlette.convertors import Convertor, register_url_convertor

from app.models.schemas import MAX_ID


def at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 1..limit without leading zeros."""
    digits = str(limit)
    shorter = f'[1-9][0-9]{{0,{len(digits) - 2}}}' if len(digits) > 1 else ''
    branches = [shorter] if shorter else []
    for position, digit in enumerate(digits):
        low = '1' if position == 0 else '0'
        if int(digit) > int(low):
            rest = len(digits) - position - 1
            branches.append(f'{digits[:position]}[{low}-{int(digit) - 1}]' + (f'[0-9]{{{rest}}}' if rest else ''))
    branches.append(digits)
    return '(?:' + '|'.join(branches) + ')'


class IdConvertor(Convertor[int]):
    regex = at_most(MAX_ID)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


def register() -> None:
    """Make `{name:id}` available to every route (pages included); call before the routes are declared."""
    register_url_convertor('id', IdConvertor())
