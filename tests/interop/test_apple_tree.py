"""The export reader's parser target: the trees it builds, with and without offering Records
first, against lxml's own tree of the same document."""

from __future__ import annotations

from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from healthstore.interop.apple.tree import Node, TopLevelTarget

Tree = tuple[str, dict[str, str], int, tuple[Any, ...]]

_TAGS = st.sampled_from(["Record", "MetadataEntry", "HeartRateVariabilityMetadataList", "X"])


@st.composite
def _elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_TAGS)
    attributes = draw(
        st.dictionaries(
            st.sampled_from(["key", "value", "type", "a"]),
            st.text("ab &<>\"'", max_size=4),
            max_size=3,
        )
    )
    written = "".join(f' {name}="{_escape(value)}"' for name, value in attributes.items())
    children = draw(st.lists(_elements(depth + 1), max_size=3)) if depth < 2 else []
    spacing = draw(st.sampled_from(["", "\n", "\n\n "]))
    if not children:
        return f"{spacing}<{tag}{written}/>"
    return f"{spacing}<{tag}{written}>{''.join(children)}{spacing}</{tag}>"


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _document(draw: st.DrawFn) -> str:
    body = "".join(draw(st.lists(_elements(), max_size=6)))
    return f"<HealthData>{body}\n</HealthData>\n"


documents = st.composite(_document)


def _from_node(node: Node) -> Tree:
    return (node.tag, dict(node.attrib), node.sourceline, tuple(map(_from_node, node.children)))


def _from_lxml(element: Any) -> Tree:
    return (
        element.tag,
        dict(element.attrib),
        element.sourceline,
        tuple(_from_lxml(child) for child in element),
    )


def _parse(xml: str, target: TopLevelTarget) -> None:
    # lxml's stubs type a target's tags as str | bytes; with a str source they are str
    parser = etree.XMLParser(target=cast(Any, target))
    for line in xml.encode().split(b"\n"):
        parser.feed(line + b"\n")
        target.line += 1
    parser.close()


@settings(max_examples=300, deadline=None)
@given(documents())
def test_the_target_builds_what_lxml_builds_whether_or_not_records_are_offered(
    xml: str,
) -> None:
    expected = [_from_lxml(child) for child in etree.fromstring(xml.encode())]

    plain: list[Tree] = []
    _parse(xml, TopLevelTarget(lambda node: plain.append(_from_node(node))))
    assert plain == expected

    refused: list[Tree] = []
    _parse(
        xml,
        TopLevelTarget(lambda node: refused.append(_from_node(node)), lambda *_: False),
    )
    assert refused == expected

    taken: list[Any] = []
    rest: list[Tree] = []

    def take(attrib: Any, entries: Any, line: int) -> bool:
        taken.append(("Record", dict(attrib), line, entries))
        return True

    _parse(xml, TopLevelTarget(lambda node: rest.append(_from_node(node)), take))
    is_offered = [
        tree[0] == "Record"
        and all(child[0] == "MetadataEntry" and not child[3] for child in tree[3])
        for tree in expected
    ]
    offered = [tree for tree, yes in zip(expected, is_offered, strict=True) if yes]
    assert [tree for tree, yes in zip(expected, is_offered, strict=True) if not yes] == rest
    assert taken == [
        (
            "Record",
            attrib,
            line,
            [(child[1].get("key"), child[1].get("value")) for child in children],
        )
        for _, attrib, line, children in offered
    ]
