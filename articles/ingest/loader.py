"""The YAML loader of seed files: libyaml's safe loader, reading what PyYAML's safe loader
reads with less work per node (``tests/ingest/test_seed_files.py`` checks the two agree).

This is the one module that reaches below PyYAML's public API (its constructor's and
resolver's internals), because the standard constructor's detour through generators is most
of a seed file's load time (docs/PERFORMANCE.md). It was checked against the PyYAML versions in
``CHECKED_PYYAML``; ``tests/project/test_architecture.py`` fails, saying so, under any other.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Hashable
from typing import Any

import yaml

# The PyYAML releases (major, minor) whose loader internals this module was checked against.
CHECKED_PYYAML = ((6, 0),)

_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{name}" for name in ("str", "map", "seq"))
_INT = "tag:yaml.org,2002:int"
# Longer decimals go through the checked constructor: Python refuses to read an integer of
# more than 4,300 digits (sys.int_info.str_digits_check_threshold), as a ValueError.
_INLINE_DIGITS = 4300
_SCALAR = yaml.ScalarNode
# Keys that PyYAML's flatten_mapping rewrites: merge keys (<<) and value keys (=).
_MERGE_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class SeedLoader(yaml.CSafeLoader):
    """libyaml's safe loader, building plain mappings, lists and strings in one pass.

    PyYAML's constructor builds every node through generators so that it can make
    self-referencing structures; seed files have none, and the detour costs much of the
    load time. Plain strings and decimal integers are read inline; everything else that
    is not a plain map or list (other numbers, dates, booleans, and any tag, which the safe
    constructors refuse) goes through the standard safe constructor (whose scalar constructors
    fail on a malformed value as a YAML error at its line: ``_checked``), and a mapping with
    merge keys (<<) through PyYAML's own flattening. Aliases still share one object, as with
    SafeLoader; ``tests/ingest/test_seed_files.py`` checks it reads what PyYAML's safe loader reads.
    """

    def construct_document(self, node: yaml.Node) -> Any:
        try:
            return self._build(node)
        finally:
            self.constructed_objects = {}

    def _build(self, node: yaml.Node) -> Any:
        # Plain strings, most of the nodes, are read inline: no call per key or value.
        kind, tag = type(node), node.tag
        if kind is _SCALAR:
            if tag == _STR:
                return node.value
            value = node.value
            if (
                tag == _INT
                and value.isascii()
                and value.isdigit()
                and value[0] != "0"
                and len(value) <= _INLINE_DIGITS
            ):
                return int(value)  # what construct_yaml_int makes of a plain decimal
            return self.construct_object(node)
        if node in self.constructed_objects:  # an alias
            return self.constructed_objects[node]
        if kind is yaml.MappingNode and tag == _MAP:
            mapping: dict[Any, Any] = {}
            self.constructed_objects[node] = mapping
            self._fill(mapping, node)
            return mapping
        if kind is yaml.SequenceNode and tag == _SEQ:
            sequence: list[Any] = []
            self.constructed_objects[node] = sequence
            for item in node.value:
                if type(item) is _SCALAR and item.tag == _STR:
                    sequence.append(item.value)
                else:
                    sequence.append(self._build(item))
            return sequence
        return self.construct_object(node, deep=True)

    def _fill(self, mapping: dict[Any, Any], node: yaml.MappingNode, merged: bool = False) -> None:
        """The mapping's pairs; a key given twice is refused (PyYAML keeps the last one
        silently), except where a merge key (<<) brings it in: the mapping's own wins."""
        for key_node, value_node in node.value:
            key_tag = key_node.tag
            if type(key_node) is _SCALAR and key_tag == _STR:
                key = key_node.value
            else:
                if key_tag in _MERGE_KEYS:
                    # Merge keys (<<) are rare: only then does the mapping need flattening
                    # (PyYAML's own step), after which it is read again from the start.
                    mapping.clear()
                    self._fill(mapping, yaml.MappingNode(_MAP, _own_pairs(node)))
                    self.flatten_mapping(node)
                    mapping.clear()
                    return self._fill(mapping, node, merged=True)
                key = self._build(key_node)
                if not isinstance(key, Hashable):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key is a list or mapping", key_node.start_mark
                    )
            if not merged and key in mapping and _same_key(mapping, key):
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {_shown(key)} is given twice", key_node.start_mark
                )
            if type(value_node) is _SCALAR and value_node.tag == _STR:
                mapping[key] = value_node.value
            else:
                mapping[key] = self._build(value_node)
        return None

    # Seed files use no path resolvers: skip the per-node bookkeeping for them.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        """The tag of an untagged node, as PyYAML's resolver gives it, with less work per
        scalar (libyaml calls this for every one): the implicit resolvers are looked up by
        the value's first character in a table built once, the tags of short plain values
        (every key, and values such as ``true`` or ``article``) are remembered, and path
        resolvers (which seed files never use) are not consulted."""
        if kind is _SCALAR:
            if not implicit[0]:
                return _STR  # quoted
            tag = _KNOWN_TAGS.get(value)
            if tag is None:
                tag = _STR
                for candidate, pattern in _IMPLICIT_RESOLVERS.get(value[:1], ()):
                    if pattern.match(value):
                        tag = candidate
                        break
                if len(value) <= 40 and len(_KNOWN_TAGS) < 10_000:
                    _KNOWN_TAGS[value] = tag
            return tag
        return _MAP if kind is yaml.MappingNode else _SEQ


def _own_pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """A mapping's pairs but its merge keys: the keys it gives itself."""
    return [(key, value) for key, value in node.value if key.tag not in _MERGE_KEYS]


def _same_key(mapping: dict[Any, Any], key: Any) -> bool:
    """Whether ``mapping`` has this very key, of the same type: YAML's ``1`` and ``true`` are
    two keys, though Python's dict takes them for one."""
    return isinstance(key, str) or any(type(k) is type(key) and k == key for k in mapping)


def _shown(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."


def _binary(loader: SeedLoader, node: yaml.ScalarNode) -> bytes:
    """``!!binary``: base64, strictly. PyYAML's constructor drops any character outside the
    alphabet, so ``!!binary '***'`` was read as nothing at all."""
    text = "".join(loader.construct_scalar(node).split())
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise yaml.constructor.ConstructorError(
            None, None, f"not valid base64: {node.value!r:.80}", node.start_mark
        ) from None


def _checked(construct: Any, what: str) -> Any:
    """PyYAML's safe constructor of a scalar type, failing on a malformed value as a YAML
    error at the value (``not a valid date: '2020-13-45'``, with its line) instead of the
    Python exception it raises there: ValueError (``2020-13-45``, ``0000-01-01``, ``!!int
    abc``), KeyError (``!!bool maybe``), IndexError (``!!int ''``) or AttributeError
    (``!!timestamp soon``, which its pattern does not match). A valid value reads the same."""

    def construct_checked(loader: SeedLoader, node: yaml.ScalarNode) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, OverflowError, LookupError, AttributeError):
            raise yaml.constructor.ConstructorError(
                None, None, f"not a valid {what}: {node.value!r:.80}", node.start_mark
            ) from None

    return construct_checked


# Every path to these constructors goes through them: a plain scalar (``2020-13-45`` is a
# timestamp in YAML 1.1), a tagged one, a key, or one inside a !!set or !!omap. (!!binary has
# its own, above; !!null and !!str cannot fail.)
for _name, _what in (
    ("timestamp", "date"),
    ("int", "integer"),
    ("float", "number"),
    ("bool", "boolean"),
):
    _tag = f"tag:yaml.org,2002:{_name}"
    SeedLoader.add_constructor(_tag, _checked(SeedLoader.yaml_constructors[_tag], _what))
SeedLoader.add_constructor("tag:yaml.org,2002:binary", _binary)

# The implicit resolvers of PyYAML's safe loader (YAML 1.1: bool, int, float, null, timestamp,
# merge, value) by the first character they apply to ("" for the empty value). PyYAML keys
# resolvers that apply to any first character under None; its safe loader has none.
_IMPLICIT_RESOLVERS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: tuple(resolvers) for first, resolvers in SeedLoader.yaml_implicit_resolvers.items()
}
# The tag of each short plain value seen, bounded: keys and common values repeat in every file.
_KNOWN_TAGS: dict[str, str] = {}
if None in _IMPLICIT_RESOLVERS:
    raise ImportError("PyYAML's safe loader has a resolver for any value: update SeedLoader")
