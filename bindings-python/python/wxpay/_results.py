"""What the generated typed calls (``_calls.py``) stand on: the abstract caller ``Client``
implements, and the conversion of the core's typed result into the call's return type."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Mapping, Optional, Type, TypeVar

T = TypeVar("T")


class _Caller:
    """``Client`` implements these two: a catalogue call by name, its arguments (``None``
    values dropped), the core's typed result (``status``, ``request_id``, the call's fields,
    ``raw``) back."""

    def _call(self, name: str, args: Mapping[str, Any]) -> Dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    async def _call_async(self, name: str, args: Mapping[str, Any]) -> Dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


def _result(cls: Type[T], result: Mapping[str, Any]) -> T:
    """The call's result type from the core's typed result (fields the core checked)."""
    values: Dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name == "status_code":
            values[f.name] = result.get("status")
        else:
            values[f.name] = result.get(f.name)
    if values.get("raw") is None:
        values["raw"] = {}
    return cls(**values)


def _raw(result: Mapping[str, Any]) -> Dict[str, Any]:
    """The answer's JSON object as WeChat Pay sent it."""
    raw: Optional[Dict[str, Any]] = result.get("raw")
    return raw if isinstance(raw, dict) else {}
