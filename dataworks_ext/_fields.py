"""How a model field carries its wire name and its documentation (attrs metadata).

Every event and answer model declares its fields with :func:`field` (a ``doc`` and, when
the JSON name is not the camelCase of the attribute, a ``wire`` name); :func:`documented`
writes the ``Attributes:`` section of the class docstring from them, and :func:`wire_name`
reads the JSON name back.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["BIZ_ID_DOC", "documented", "extra_field", "field", "wire_name"]

BIZ_ID_DOC = "Id of this check process in DataWorks; ``None`` when the payload has none."
"""The documentation of every ``extension_biz_id`` field."""


def wire_name(attribute: attrs.Attribute[Any]) -> str:
    """The JSON name of a model field: its ``wire`` metadata, else its camelCase name.

    Example:
        >>> import attrs
        >>> from dataworks_ext.events import BackfillEvent, wire_name
        >>> [wire_name(a) for a in attrs.fields(BackfillEvent)][:3]
        ['name', 'rootNodeId', 'rootNodeProjectId']
    """
    explicit = attribute.metadata.get("wire")
    if explicit:
        return str(explicit)
    head, *rest = attribute.name.split("_")
    return head + "".join(part.title() for part in rest)


def field(doc: str, *, wire: str | None = None, **kwargs: Any) -> Any:
    """An attrs field documented by ``doc``, read from and written to ``wire`` when given.

    Example:
        >>> import attrs
        >>> from dataworks_ext._fields import field, wire_name
        >>> @attrs.frozen
        ... class Point:
        ...     x_value: int = field("The x.", wire="x")
        >>> wire_name(attrs.fields(Point).x_value), attrs.fields(Point).x_value.metadata["doc"]
        ('x', 'The x.')
    """
    metadata: dict[str, Any] = {"doc": doc}
    if wire:
        metadata["wire"] = wire
    return attrs.field(metadata=metadata, **kwargs)


def extra_field() -> Any:
    """The ``extra`` field of a model: payload fields it does not model, by wire name.

    Example:
        >>> import attrs
        >>> from dataworks_ext._fields import extra_field
        >>> @attrs.frozen
        ... class Model:
        ...     extra: dict[str, object] = extra_field()
        >>> Model().extra
        {}
    """
    return attrs.field(
        factory=dict,
        hash=False,
        repr=False,
        metadata={
            "doc": "Payload fields this SDK does not model, by wire name, exactly as received.",
            "wire": "*",
        },
    )


def documented(cls: type[Any]) -> type[Any]:
    """Append an ``Attributes:`` section built from the field metadata to the docstring.

    Example:
        >>> import attrs
        >>> from dataworks_ext._fields import documented, field
        >>> @documented
        ... @attrs.frozen
        ... class Model:
        ...     'A model.'
        ...     node_id: int = field("The node.")
        >>> Model.__doc__.splitlines()[-1].strip()
        'node_id: The node. (wire ``nodeId``)'
    """
    lines = ["", "    Attributes:"]
    for attribute in attrs.fields(cls):
        wire = wire_name(attribute)
        where = "other payload fields" if wire == "*" else f"wire ``{wire}``"
        lines.append(f"        {attribute.name}: {attribute.metadata['doc']} ({where})")
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + "\n".join(lines) + "\n"
    return cls
