"""What Litestar cannot infer for the OpenAPI document: an answer that comes in several formats,
and a body a handler reads itself.

A handler that returns `Dashboard | Response[bytes]` (JSON, or CSV with `?format=csv`) would be
documented as `oneOf: [Dashboard, {}]` in JSON only. `answers_in("text/csv")` as the handler's
`operation_class` documents the typed body alone, and every other format it answers in.
A handler that reads its body from `request` (JSON or a multipart form with a file) documents it
with `struct_schema`: the body's msgspec Struct as an inline schema.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, Reference, Schema


def answers_in(*media_types: str, binary: bool = False) -> type[Operation]:
    """An `operation_class` for a handler whose success answer also comes as each of `media_types`
    (text, or bytes when `binary`), besides what its return annotation says."""
    file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY if binary else None)

    @dataclass
    class SeveralFormats(Operation):
        def __post_init__(self) -> None:
            for status, response in (self.responses or {}).items():
                content = getattr(response, "content", None)
                if not status.startswith("2") or content is None:
                    continue
                for body in content.values():
                    body.schema = _without_untyped_alternative(body.schema)
                for media_type in media_types:
                    content.setdefault(media_type, OpenAPIMediaType(schema=file))

    return SeveralFormats


def _without_untyped_alternative(schema: Schema | Reference | None) -> Schema | Reference | None:
    """`X` for Litestar's `oneOf: [X, {}]` (the `{}` is the `Response[bytes]` of another format)."""
    if isinstance(schema, Schema) and schema.one_of:
        typed = [option for option in schema.one_of if option != Schema()]
        if len(typed) == 1:
            return typed[0]
    return schema


#: JSON Schema keywords -> `Schema` fields (`maxLength` -> `max_length`).
_SCHEMA_FIELDS = {f.metadata.get("alias", f.name): f.name for f in dataclasses.fields(Schema)}
_SCHEMA_LISTS = frozenset({"all_of", "any_of", "one_of", "prefix_items"})
_SCHEMA_VALUES = frozenset({"items", "contains", "schema_not", "additional_properties"})


def struct_schema(struct: type[msgspec.Struct]) -> Schema:
    """A msgspec Struct's JSON Schema (msgspec's own, with its constraints, examples and
    `additionalProperties: false` for one that refuses unknown fields) as an inline OpenAPI `Schema`.

    Only for a flat Struct (no other Struct inside: `TypeError`, so that a change shows here).
    """
    document = msgspec.json.schema(struct)
    definitions: dict[str, Any] = document.get("$defs", {})
    if set(definitions) != {struct.__name__}:
        raise TypeError(f"{struct.__name__} holds other structs: document it with a component")
    return _schema(definitions[struct.__name__])


def _schema(node: dict[str, Any]) -> Schema:
    fields: dict[str, Any] = {}
    for keyword, value in node.items():
        name = _SCHEMA_FIELDS.get(keyword)
        if name is None:
            raise TypeError(f"JSON Schema keyword {keyword!r} has no OpenAPI field")
        fields[name] = _field_value(name, value)
    return Schema(**fields)


def _field_value(name: str, value: Any) -> Any:
    if name == "type":
        return OpenAPIType(value) if isinstance(value, str) else [OpenAPIType(v) for v in value]
    if name == "format":
        return OpenAPIFormat(value)
    if name == "properties":
        return {key: _schema(item) for key, item in value.items()}
    if name in _SCHEMA_LISTS:
        return [_schema(item) for item in value]
    if name in _SCHEMA_VALUES and isinstance(value, dict):
        return _schema(value)
    return value
