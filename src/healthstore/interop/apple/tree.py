"""The elements of ``export.xml`` as small trees built from lxml's parser events.

lxml can hand its parser's events to a Python object (the *target* interface) instead of
building a tree of its own; each element's attributes then arrive as one dict. For an export
that is a third of the work of ``iterparse`` with a tree cleared as it goes. Fed a line at a
time, the parser reports each element while its line is the one being fed, so every element
gets its true line: lxml's own ``sourceline`` is one too high past line 65,535.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol


class Attributed(Protocol):
    """Anything attributes can be read from by name: an element, or a dict of them."""

    def get(self, key: str, default: None = None, /) -> str | None: ...


class Tagged(Attributed, Protocol):
    """Attributes with the tag of the element they belong to."""

    @property
    def tag(self) -> str: ...


class Element(Tagged, Protocol):
    """What the converters read of an element: :class:`Node`, or an lxml element."""

    @property
    def attrib(self) -> Mapping[str, str]: ...

    @property
    def sourceline(self) -> int | None: ...

    def __iter__(self) -> Iterator[Element]: ...

    def iterfind(self, tag: str, /) -> Iterator[Element]: ...

    def find(self, tag: str, /) -> Element | None: ...


class Node:
    """One element: its tag, attributes, child elements and line (text is not kept: the
    export holds everything in attributes)."""

    __slots__ = ("attrib", "children", "sourceline", "tag")

    def __init__(self, tag: str, attrib: Mapping[str, str], sourceline: int) -> None:
        self.tag = tag
        self.attrib = attrib
        self.sourceline = sourceline
        self.children: list[Node] = []

    def get(self, key: str, default: str | None = None, /) -> str | None:
        return self.attrib.get(key, default)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.children)

    def __len__(self) -> int:
        return len(self.children)

    def iterfind(self, tag: str, /) -> Iterator[Node]:
        """The children with this tag (a tag only: no paths)."""
        return (child for child in self.children if child.tag == tag)

    def find(self, tag: str, /) -> Node | None:
        """The first child with this tag."""
        return next(self.iterfind(tag), None)

    def __repr__(self) -> str:
        return f"<{self.tag} line {self.sourceline}, {len(self.children)} children>"


class TopLevelTarget:
    """An lxml parser target that builds each child of the root element as a :class:`Node`
    tree and hands it to ``on_element`` when it ends. Whoever feeds the parser keeps
    :attr:`line` at the line being fed."""

    def __init__(self, on_element: Callable[[Node], None]) -> None:
        self.line = 1
        self.root: str | None = None
        self._on_element = on_element
        self._open: list[Node] = []
        self._depth = 0

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        depth = self._depth = self._depth + 1
        if depth == 1:
            if self.root is None:
                self.root = tag
            return
        node = Node(tag, attrib or {}, self.line)  # (lxml's empty mapping does not pickle)
        if depth > 2:
            self._open[-1].children.append(node)
        self._open.append(node)

    def end(self, tag: str) -> None:
        depth = self._depth
        self._depth = depth - 1
        if depth == 1:
            return
        node = self._open.pop()
        if depth == 2:
            self._on_element(node)

    def close(self) -> None:
        """Called by the parser at the end of the document."""


__all__ = ["Attributed", "Element", "Node", "Tagged", "TopLevelTarget"]
