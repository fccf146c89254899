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


OnRecord = Callable[[Mapping[str, str], list[tuple[str | None, str | None]], int], bool]
"""Offered a top-level Record with only ``MetadataEntry`` children, before any node is
built: its attributes, the (key, value) of each entry and its line; True when it was taken
as it is, False for a :class:`Node` tree instead."""


class TopLevelTarget:
    """An lxml parser target that builds each child of the root element as a :class:`Node`
    tree and hands it to ``on_element`` when it ends. Whoever feeds the parser keeps
    :attr:`line` at the line being fed.

    With ``on_record``, a top-level Record whose children are all ``MetadataEntry`` (most
    of an export) is first offered to it as attributes and entries, and becomes nodes only
    when refused; a Record that turns out to have another child becomes nodes there and
    then."""

    def __init__(self, on_element: Callable[[Node], None], on_record: OnRecord | None = None):
        self.line = 1
        self.root: str | None = None
        self._on_element = on_element
        self._on_record = on_record
        self._open: list[Node] = []
        self._depth = 0
        self._record: Mapping[str, str] | None = None  # a Record offered, once complete
        self._record_line = 0
        self._entries: list[tuple[Mapping[str, str], int]] = []
        self._entry_open = False

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        depth = self._depth = self._depth + 1
        if depth == 1:
            if self.root is None:
                self.root = tag
            return
        if self._record is not None:
            if depth == 3 and tag == "MetadataEntry":
                self._entries.append((attrib, self.line))
                self._entry_open = True
                return
            self._as_nodes()
        elif depth == 2 and tag == "Record" and self._on_record is not None:
            self._record, self._record_line = attrib, self.line
            self._entries = []
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
        record = self._record
        if record is not None:
            if depth == 3:
                self._entry_open = False
                return
            self._record = None
            entries = [(entry.get("key"), entry.get("value")) for entry, _ in self._entries]
            assert self._on_record is not None
            if not self._on_record(record, entries, self._record_line):
                self._on_element(self._record_node(record))
            return
        node = self._open.pop()
        if depth == 2:
            self._on_element(node)

    def close(self) -> None:
        """Called by the parser at the end of the document."""

    def _record_node(self, record: Mapping[str, str]) -> Node:
        node = Node("Record", record or {}, self._record_line)
        node.children = [Node("MetadataEntry", entry or {}, line) for entry, line in self._entries]
        return node

    def _as_nodes(self) -> None:
        """The Record being offered has a child other than a metadata entry: from here on
        it is a node tree like any other element."""
        record = self._record
        assert record is not None
        self._record = None
        node = self._record_node(record)
        self._open.append(node)
        if self._entry_open:  # the start is inside the last entry, still open
            self._open.append(node.children[-1])
            self._entry_open = False


__all__ = ["Attributed", "Element", "Node", "OnRecord", "Tagged", "TopLevelTarget"]
