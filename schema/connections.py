"""Relay cursor connections over lists already loaded (portfolios are read whole, then paged)."""

from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from schema.errors import bad_input
from schema.ids import cursor, parse_cursor

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="how many match, over every page")
    # The page's nodes, built with it: a plain field costs the executor less than a resolver.
    nodes: list[T]


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    """`first` within 0..maximum; BAD_USER_INPUT outside it."""
    if first is None:
        return default
    if not 0 <= first <= maximum:
        raise bad_input(f"first must be between 0 and {maximum}")
    return first


def paginate(items: Sequence[T], first: int, after: str | None) -> Connection[T]:
    """The page of `first` items after the `after` cursor (positions in `items`)."""
    start = parse_cursor(after) + 1 if after is not None else 0
    return _connection(items[start : start + first], start, len(items))


async def paginate_built(
    items: Sequence[R],
    first: int,
    after: str | None,
    build: Callable[[Sequence[R]], Awaitable[list[T]]],
    selected: Iterable[Selection],
) -> Connection[T]:
    """`paginate`, building only the page's nodes (their relations in one batch each).

    `selected`: the connection's selection (``info.selected_fields``). Nodes are built only
    when it reads them (``nodes`` or ``edges``), edges only when it reads ``edges``: a count
    of a competency's badges builds none of them.
    """
    start = parse_cursor(after) + 1 if after is not None else 0
    page = items[start : start + first]
    parts = set(_parts(selected))
    nodes = await build(page) if parts & {"nodes", "edges"} else []
    return _connection(nodes, start, len(items), size=len(page), has_edges="edges" in parts)


def _parts(selections: Iterable[Selection]) -> Iterator[str]:
    """The names of a field's direct subfields, through fragments."""
    for selection in selections:
        for child in selection.selections:
            if isinstance(child, SelectedField):
                yield child.name
            else:  # a fragment: its own selections are the field's
                yield from _parts([child])


def _connection(
    chosen: Sequence[T], start: int, total: int, *, size: int | None = None, has_edges: bool = True
) -> Connection[T]:
    """The page `chosen`, `size` items long (when not built), at `start` of `total`."""
    size = len(chosen) if size is None else size
    edges = (
        [Edge(cursor=cursor(start + n), node=item) for n, item in enumerate(chosen)]
        if has_edges
        else []
    )
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + size < total,
            has_previous_page=start > 0,
            start_cursor=cursor(start) if size else None,
            end_cursor=cursor(start + size - 1) if size else None,
        ),
        total_count=total,
        nodes=list(chosen),
    )
