"""Uploads and downloads (bills, statements): the core streams, checks and signs; this module
only turns Python arguments into the core's JSON and the outcome into a ``Download``."""

from __future__ import annotations

import json as _json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from ._errors import InvalidArgumentError

FileLike = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]


@dataclass(frozen=True)
class Download:
    """A finished download: written to ``path`` only once complete and checked."""

    path: Path
    status: int
    request_id: Optional[str]
    bytes: int
    """Bytes written (after decompression)."""
    received: int
    """Bytes received (before decompression)."""
    sha1: str
    checked: bool
    """Whether a digest (a bill's ``hash_value``, a statement's ``Wechatpay-Statement-Sha1``) was checked."""


def download_result(path: Path, body: bytes) -> Download:
    d: Dict[str, Any] = _json.loads(body)
    return Download(path, d["status"], d.get("request_id"), d["bytes"], d["received"], d["sha1"], d["checked"])


def upload_args(
    file: FileLike,
    meta: Optional[Mapping[str, Any]],
    filename: Optional[str],
    content_type: Optional[str],
    options: Mapping[str, Any],
) -> Tuple[Dict[str, Any], Optional[str], Optional[bytes]]:
    """The upload's options, and the file: its path or its bytes."""
    o: Dict[str, Any] = dict(options)
    if meta is not None:
        if not isinstance(meta, Mapping):
            raise InvalidArgumentError(f"meta must be a mapping, got {type(meta).__name__}", may_have_been_sent=False)
        o["meta"] = dict(meta)
    if filename is not None:
        o["filename"] = filename
    if content_type is not None:
        o["content_type"] = content_type
    if isinstance(file, (bytes, bytearray, memoryview)):
        return o, None, bytes(file)
    if isinstance(file, (str, os.PathLike)):
        return o, os.fspath(file), None
    raise InvalidArgumentError(
        f"file must be a path or bytes, got {type(file).__name__}", may_have_been_sent=False
    )


def url_spec(url: str, sha1: Optional[str], gunzip: bool, max_bytes: Optional[int]) -> str:
    spec: Dict[str, Any] = {"url": url, "gunzip": gunzip}
    if sha1 is not None:
        spec["hash_type"] = "SHA1"
        spec["hash_value"] = sha1
    if max_bytes is not None:
        spec["max_bytes"] = max_bytes
    return _json.dumps(spec)


def bill_spec(kind: str, bill_date: str, tar_type: Optional[str], max_bytes: Optional[int], query: Mapping[str, Any]) -> str:
    q: Dict[str, Any] = {"bill_date": bill_date, **query}
    if tar_type is not None:
        q["tar_type"] = tar_type
    spec: Dict[str, Any] = {"bill": kind, "query": q}
    if max_bytes is not None:
        spec["max_bytes"] = max_bytes
    return _json.dumps(spec)


def statement_spec(
    endpoint: str, date: str, mchid: Optional[str], gzip: bool, max_bytes: Optional[int], query: Mapping[str, Any]
) -> str:
    q: Dict[str, Any] = {"date": date, **query}
    if mchid is not None:
        q["mchid"] = mchid
    spec: Dict[str, Any] = {"statement": endpoint, "query": q, "gzip": gzip}
    if max_bytes is not None:
        spec["max_bytes"] = max_bytes
    return _json.dumps(spec)
