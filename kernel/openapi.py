"""What Litestar cannot infer for the OpenAPI document: an answer that comes in several formats.

A handler that returns `Dashboard | Response[bytes]` (JSON, or CSV with `?format=csv`) would be
documented as `oneOf: [Dashboard, {}]` in JSON only. `answers_in("text/csv")` as the handler's
`operation_class` documents the typed body alone, and every other format it answers in.
"""

from __future__ import annotations

from dataclasses import dataclass

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
