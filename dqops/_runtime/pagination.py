"""Paged lists as iterators: the `iterate` / `aiterate` functions of the operations that take
`page` and `limit` (generated from the spec).

DQOps answers such a list as a bare array, with no total: the pager asks for page 1, 2, ... of
`page_size` items and stops after a page that holds fewer, or once `max_items` were given. It
asks for nothing before the first item is wanted. A server that ignores the paging does not
make it loop: a page with more than `page_size` items is taken as the whole list, and a page
equal to the one before ends it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Generic, TypeVar

from .errors import ArgumentTypeError, InvalidArgument

T = TypeVar("T")
F = TypeVar("F")

#: DQOps's own page size when a call sends `page` without `limit`.
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 10_000


def _checked_int(value: object, name: str, operation: str, lowest: int, highest: int | None) -> int:
    if type(value) is not int:
        raise ArgumentTypeError(
            f"{operation}: {name} must be an int, got {type(value).__name__}", operation=operation, parameter=name
        )
    if value < lowest or (highest is not None and value > highest):
        bound = f"{lowest} to {highest}" if highest is not None else f"{lowest} or more"
        raise InvalidArgument(f"{operation}: {name} must be {bound}, got {value}", operation=operation, parameter=name)
    return value


class _Paging(Generic[T, F]):
    """What the sync and async pagers share: the page fetcher, the settings, and what to give of each page."""

    def __init__(
        self,
        fetch_page: F,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        operation: str,
    ) -> None:
        self._fetch_page = fetch_page
        self.page_size = _checked_int(page_size, "page_size", operation, 1, MAX_PAGE_SIZE)
        self.max_items = None if max_items is None else _checked_int(max_items, "max_items", operation, 0, None)
        self.operation = operation

    def _take(self, items: Sequence[T], previous: Sequence[T] | None, given: int) -> tuple[Sequence[T], bool]:
        """The items of this page to give after `given` others, and whether no page follows: the
        page is short, it is not a page (more items than asked for), `max_items` is reached, or
        the server sent the page before again."""
        if previous is not None and list(items) == list(previous):
            return (), True
        room = None if self.max_items is None else self.max_items - given
        if room is not None and len(items) >= room:
            return items[:room], True
        return items, len(items) != self.page_size


class Pager(_Paging[T, Callable[[int, int], Sequence[T]]]):
    """Every item of a paged list, fetched page after page as the iteration asks for them.

    `for table in get_tables.iterate("sales", "public", client=dqops): ...`. Each `iter()`
    starts again at page 1.
    """

    def __iter__(self) -> Iterator[T]:
        given, page, previous = 0, 1, None
        while self.max_items != 0:
            items = self._fetch_page(page, self.page_size)
            taken, last = self._take(items, previous, given)
            yield from taken
            given += len(taken)
            if last:
                return
            previous, page = items, page + 1


class AsyncPager(_Paging[T, Callable[[int, int], Awaitable[Sequence[T]]]]):
    """Every item of a paged list, for `async for`: pages are awaited as the iteration asks for them."""

    async def __aiter__(self) -> AsyncIterator[T]:
        given, page, previous = 0, 1, None
        while self.max_items != 0:
            items = await self._fetch_page(page, self.page_size)
            taken, last = self._take(items, previous, given)
            for item in taken:
                yield item
            given += len(taken)
            if last:
                return
            previous, page = items, page + 1
