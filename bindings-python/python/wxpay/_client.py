"""The idiomatic Python API over ``wxpay._native``: it translates types, the core does the rest."""

from __future__ import annotations

import json as _json
import logging
import os
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypedDict,
    Union,
)

from . import _native
from ._errors import InvalidArgumentError
from ._files import Download, FileLike, bill_spec, download_result, statement_spec, upload_args, url_spec
from ._calls import _Calls
from ._notify import EncryptedField, HeadersLike, Notification, header_pairs, raw_body

PathLike = Union[str, "os.PathLike[str]"]
KeySource = Union[str, "os.PathLike[str]"]

__all__ = ["Client", "Chain", "Response", "Headers", "catalogue"]


def catalogue() -> Dict[str, Any]:
    """The catalogue of typed calls: ``{"version", "calls": [{name, summary, doc, lead,
    families, endpoints, args, success, returns}]}`` — what ``Client.call`` takes by name and
    the typed methods are generated from."""
    result: Dict[str, Any] = _json.loads(_native.catalogue())
    return result

#: Every call's events: DEBUG when an attempt is sent and when it ends, WARNING when an attempt
#: failed and is retried, DEBUG when the call ends. Each record carries the event as a dict in
#: ``record.wxpay_event`` (kind, call, method, path, attempt, status, request_id, duration_ms,
#: outcome, api_code, will_retry, retry_in_ms) for handlers that feed metrics or tracing. No
#: record holds a body, a header other than Request-ID, or key material.
logger = logging.getLogger("wxpay")


def _log_event(warning: bool, summary: str, event_json: str) -> None:
    # Called by the native module, on the calling thread or a runtime thread.
    logger.log(logging.WARNING if warning else logging.DEBUG, "%s", summary, extra={"wxpay_event": _json.loads(event_json)})


_native._set_event_hook(_log_event)


def _events() -> int:
    """What the ``wxpay`` logger takes now: 2 every event, 1 retries only, 0 nothing (then the
    call never takes the GIL for an event)."""
    if logger.isEnabledFor(logging.DEBUG):
        return 2
    return 1 if logger.isEnabledFor(logging.WARNING) else 0


class Headers(Mapping[str, str]):
    """Response headers: a read-only, case-insensitive mapping. A header received more than
    once has its values joined with ``", "`` (RFC 9110's combination; the same rule in every
    wxpay language)."""

    def __init__(self, pairs: Sequence[Tuple[str, str]]) -> None:
        self._pairs = list(pairs)
        self._map: Dict[str, str] = {}
        for name, value in self._pairs:
            self._map.setdefault(name.lower(), value)

    def __getitem__(self, name: str) -> str:
        return self._map[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def get_all(self, name: str) -> List[str]:
        """The header's value as a list (one item: repeated headers are already combined),
        empty when absent."""
        return [v for k, v in self._pairs if k.lower() == name.lower()]

    def __repr__(self) -> str:
        return f"Headers({self._map!r})"


class Response:
    """A verified 2xx answer from WeChat Pay."""

    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @classmethod
    def _from_native(cls, r: "_native.NativeResponse") -> "Response":
        return cls(r.status, Headers(r.headers), r.body)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def request_id(self) -> Optional[str]:
        return self.headers.get("request-id")

    def json(self) -> Any:
        """The body parsed as JSON (``None`` for an empty body, as a 204 has)."""
        return _json.loads(self.content) if self.content else None

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}] request_id={self.request_id!r}>"


def _key(value: Any, field: str) -> Any:
    """Key material: PEM text stays as it is; a ``pathlib.Path`` becomes a ``file://`` path."""
    if isinstance(value, os.PathLike):
        return "file://" + str(Path(os.fspath(value)).resolve())
    return value


def _options(options: Optional[Mapping[str, Any]], kwargs: Mapping[str, Any]) -> str:
    merged: Dict[str, Any] = dict(options or {})
    merged.update(kwargs)
    try:
        return _json.dumps(merged, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(
            f"options cannot be encoded as JSON: {e}", may_have_been_sent=False
        ) from None


class Chain:
    """A point in the URI chain: ``client.v3.transactions.id._transaction_id_.close``.

    Attribute access and ``[...]`` extend it; ``get/post/put/patch/delete`` send (blocking, the
    GIL released) and their ``*_async`` twins return awaitables. Segment names are normalised as
    the PHP SDK does (``_transaction_id_`` → ``{transaction_id}``, ``camelCase`` → ``camel-case``).
    Options are keyword arguments with the PHP SDK's names: ``base_uri``, placeholder values
    (``transaction_id=…``), ``json``, ``body``, ``query``, ``headers``.
    """

    __slots__ = ("_client", "_segments", "_template")

    def __init__(self, client: "Client", segments: Tuple[str, ...]) -> None:
        self._client = client
        self._segments = segments
        self._template: Optional[str] = None

    def __getattr__(self, name: str) -> "Chain":
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Chain(self._client, self._segments + (name,))

    def __getitem__(self, segment: str) -> "Chain":
        if not isinstance(segment, str):
            raise InvalidArgumentError(
                f"a chain segment must be a str, got {type(segment).__name__}",
                may_have_been_sent=False,
            )
        return Chain(self._client, self._segments + (segment,))

    def chain(self, segment: str) -> "Chain":
        return self[segment]

    @property
    def template(self) -> str:
        """The URI template this chain point stands for."""
        if self._template is None:
            self._template = _native.chain_template(list(self._segments))
        return self._template

    def __repr__(self) -> str:
        return f"<wxpay.Chain {self.template!r}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{self.template!r} is a point of the URI chain, not a method: send with "
            ".get/.post/.put/.patch/.delete (or their _async twins)"
        )

    def get(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return self._client.request("GET", self.template, options, **kwargs)

    def post(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return self._client.request("POST", self.template, options, **kwargs)

    def put(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return self._client.request("PUT", self.template, options, **kwargs)

    def patch(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return self._client.request("PATCH", self.template, options, **kwargs)

    def delete(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return self._client.request("DELETE", self.template, options, **kwargs)

    async def get_async(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return await self._client.request_async("GET", self.template, options, **kwargs)

    async def post_async(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return await self._client.request_async("POST", self.template, options, **kwargs)

    async def put_async(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return await self._client.request_async("PUT", self.template, options, **kwargs)

    async def patch_async(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return await self._client.request_async("PATCH", self.template, options, **kwargs)

    async def delete_async(self, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Response:
        return await self._client.request_async("DELETE", self.template, options, **kwargs)


class Client(_Calls):
    """A WeChat Pay APIv3 client. Thread-safe; share one per process (it survives ``os.fork()``:
    a child gets its own connections).

    ``private_key`` and each value of ``certs`` are PEM text, a ``"file://…"`` path or a
    ``pathlib.Path``. With ``auto_certificates=True`` (and ``apiv3_key``) the platform
    certificates are downloaded and kept current, and ``certs`` holds only what you configure by
    hand (a ``PUB_KEY_ID_…`` public key), if anything; ``certificate_refresh`` is in seconds
    (default a day). ``timeout`` and ``connect_timeout`` are seconds. ``apiv3_key`` (the
    32-character APIv3 key, text, ``"file://…"`` or a ``pathlib.Path``) is needed to decrypt
    notifications.
    """

    def __init__(
        self,
        mchid: Union[str, int],
        serial: str,
        private_key: KeySource,
        certs: Optional[Mapping[str, KeySource]] = None,
        *,
        base_uri: Optional[str] = None,
        ca_certs: Optional[Union[KeySource, Sequence[KeySource]]] = None,
        resolve: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        retries: Optional[int] = None,
        user_agent: Optional[str] = None,
        insecure_http: Optional[bool] = None,
        apiv3_key: Optional[KeySource] = None,
        auto_certificates: Optional[bool] = None,
        certificate_refresh: Optional[float] = None,
        certificate_endpoint: Optional[str] = None,
        proxy: Optional[str] = None,
        no_proxy: Optional[Union[str, Sequence[str]]] = None,
        proxy_from_env: Optional[bool] = None,
    ) -> None:
        config: Dict[str, Any] = {
            "mchid": str(mchid) if isinstance(mchid, int) and not isinstance(mchid, bool) else mchid,
            "serial": serial,
            "private_key": _key(private_key, "private_key"),
        }
        if certs is not None:
            config["certs"] = {k: _key(v, f"certs.{k}") for k, v in certs.items()} if isinstance(certs, Mapping) else certs
        if ca_certs is not None:
            items = [ca_certs] if isinstance(ca_certs, (str, os.PathLike)) else list(ca_certs)
            config["ca_certs"] = [_key(c, "ca_certs") for c in items]
        if apiv3_key is not None:
            config["apiv3_key"] = _key(apiv3_key, "apiv3_key")
        # Seconds go to the core as given: it checks them (and names `timeout`) like every language.
        for name, value in (
            ("timeout", timeout),
            ("connect_timeout", connect_timeout),
            ("base_uri", base_uri),
            ("resolve", resolve),
            ("retries", retries),
            ("user_agent", user_agent),
            ("insecure_http", insecure_http),
            ("auto_certificates", auto_certificates),
            ("certificate_refresh", certificate_refresh),
            ("certificate_endpoint", certificate_endpoint),
            ("proxy", proxy),
            ("no_proxy", list(no_proxy) if no_proxy is not None and not isinstance(no_proxy, str) else no_proxy),
            ("proxy_from_env", proxy_from_env),
        ):
            if value is not None:
                config[name] = value
        self._native = _new_native(config)

    @classmethod
    def from_config(cls, config: Union[Mapping[str, Any], PathLike]) -> "Client":
        """From the core's configuration schema: a mapping, or the path of a JSON file (whose
        relative ``file://`` paths resolve against its folder)."""
        self = cls.__new__(cls)
        if isinstance(config, Mapping):
            self._native = _new_native(dict(config))
        else:
            self._native = _native.NativeClient.from_file(os.fspath(config))
        return self

    # --- the three call styles -------------------------------------------------------------

    def __getattr__(self, name: str) -> Chain:
        if name.startswith("_"):
            raise AttributeError(name)
        return Chain(self, (name,))

    def __getitem__(self, template: str) -> Chain:
        return Chain(self, ()).__getitem__(template)

    def chain(self, template: str) -> Chain:
        return self[template]

    # --- generic requests ------------------------------------------------------------------

    def request(
        self, method: str, template: str, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any
    ) -> Response:
        """Send and wait (the GIL is released meanwhile)."""
        return Response._from_native(self._native.request(method, template, _options(options, kwargs), _events()))

    async def request_async(
        self, method: str, template: str, options: Optional[Mapping[str, Any]] = None, /, **kwargs: Any
    ) -> Response:
        """Send on the library's runtime; await the verified answer."""
        return Response._from_native(await self._native.request_async(method, template, _options(options, kwargs), _events()))

    # --- typed calls (the methods themselves are generated: _calls.py) ----------------------

    def _call(self, name: str, args: Mapping[str, Any]) -> Dict[str, Any]:
        native = self._native.call(name, _call_args(args), None, _events())
        return _call_result(native)

    async def _call_async(self, name: str, args: Mapping[str, Any]) -> Dict[str, Any]:
        native = await self._native.call_async(name, _call_args(args), None, _events())
        return _call_result(native)

    def call(self, name: str, args: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
        """Any typed call of the catalogue by name (``wxpay.catalogue()`` lists them), e.g.
        ``client.call("query_out_trade_no", out_trade_no="shop-1")``. Returns the core's typed
        result: ``status``, ``request_id``, the call's fields and ``raw`` (the whole answer)."""
        return self._call(name, _merged(args, kwargs))

    async def call_async(self, name: str, args: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
        """``call`` on the library's runtime (asyncio)."""
        return await self._call_async(name, _merged(args, kwargs))

    def prepare_call(
        self,
        name: str,
        args: Optional[Mapping[str, Any]] = None,
        *,
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> Dict[str, Any]:
        """The exact request ``call`` would send (method, url, headers, body), signed at
        ``timestamp`` with ``nonce``; nothing is sent."""
        result: Dict[str, Any] = _json.loads(self._native.prepare_call(name, _call_args(args or {}), timestamp, nonce))
        return result

    # --- files -------------------------------------------------------------------------------

    def upload(
        self,
        template: str,
        file: FileLike,
        *,
        meta: Optional[Mapping[str, Any]] = None,
        filename: Optional[str] = None,
        content_type: Optional[str] = None,
        **options: Any,
    ) -> Response:
        """Upload ``file`` (a path or bytes; bytes need ``filename``) to ``template``, e.g.
        ``v3/merchant/media/upload``: multipart ``meta`` then the file, the signature over the
        meta as sent. ``meta`` (default ``{"filename": …, "sha256": …}``): the file's SHA-256
        is written into every field given as ``None`` (``{"digest": None}``), or into
        ``sha256``. ``options``: ``base_uri`` and placeholder values. A file over the endpoint's
        limit is an ``InvalidArgumentError`` and nothing is sent. Returns the verified answer."""
        args, data = _upload_call(template, file, meta, filename, content_type, options)
        return Response._from_native(self._native.call("upload", args, data, _events()))

    async def upload_async(
        self,
        template: str,
        file: FileLike,
        *,
        meta: Optional[Mapping[str, Any]] = None,
        filename: Optional[str] = None,
        content_type: Optional[str] = None,
        **options: Any,
    ) -> Response:
        args, data = _upload_call(template, file, meta, filename, content_type, options)
        return Response._from_native(await self._native.call_async("upload", args, data, _events()))

    def download(
        self, url: str, path: PathLike, *, sha1: Optional[str] = None, gunzip: bool = False, max_bytes: Optional[int] = None
    ) -> Download:
        """Download a ``download_url`` WeChat Pay gave into ``path`` (streamed; the signature goes
        only to WeChat Pay's hosts), gunzipped when asked, its SHA-1 checked against ``sha1``
        (a mismatch: ``VerifyError`` ``DIGEST_MISMATCH``, nothing left behind)."""
        return self._download(url_spec(url, sha1, gunzip, max_bytes), path)

    async def download_async(
        self, url: str, path: PathLike, *, sha1: Optional[str] = None, gunzip: bool = False, max_bytes: Optional[int] = None
    ) -> Download:
        return await self._download_async(url_spec(url, sha1, gunzip, max_bytes), path)

    def download_bill(
        self,
        path: PathLike,
        *,
        bill_date: str,
        kind: str = "tradebill",
        tar_type: Optional[str] = None,
        max_bytes: Optional[int] = None,
        **query: Any,
    ) -> Download:
        """The mainland bill (``kind`` ``"tradebill"`` or ``"fundflowbill"``) of ``bill_date``
        (``YYYY-MM-DD``) into ``path``: the signed first answer, then the file, its SHA-1
        checked over the decompressed bytes (``tar_type="GZIP"`` asks for gzip). ``query``:
        ``bill_type``, ``account_type``, ``sub_mchid``."""
        return self._download(bill_spec(kind, bill_date, tar_type, max_bytes, query), path)

    async def download_bill_async(
        self,
        path: PathLike,
        *,
        bill_date: str,
        kind: str = "tradebill",
        tar_type: Optional[str] = None,
        max_bytes: Optional[int] = None,
        **query: Any,
    ) -> Download:
        return await self._download_async(bill_spec(kind, bill_date, tar_type, max_bytes, query), path)

    def download_statement(
        self,
        path: PathLike,
        *,
        date: str,
        endpoint: str = "hk",
        mchid: Optional[str] = None,
        gzip: bool = True,
        max_bytes: Optional[int] = None,
        **query: Any,
    ) -> Download:
        """The HK (``endpoint="hk"``, ``…/hk/v3/statements``) or Global (``"global"``) statement
        of ``date`` (``YYYYMMDD``) into ``path``, verified through ``Wechatpay-Statement-Sha1``
        (the signature over ``{"sha1": …}``, then the CSV's SHA-1). ``mchid`` defaults to the
        client's; ``query``: ``sp_mchid``, ``sub_mchid``."""
        return self._download(statement_spec(endpoint, date, mchid, gzip, max_bytes, query), path)

    async def download_statement_async(
        self,
        path: PathLike,
        *,
        date: str,
        endpoint: str = "hk",
        mchid: Optional[str] = None,
        gzip: bool = True,
        max_bytes: Optional[int] = None,
        **query: Any,
    ) -> Download:
        return await self._download_async(statement_spec(endpoint, date, mchid, gzip, max_bytes, query), path)

    def _download(self, spec: str, path: PathLike) -> Download:
        p = Path(path)
        return download_result(p, self._native.download(spec, os.fspath(p), _events()).body)

    async def _download_async(self, spec: str, path: PathLike) -> Download:
        p = Path(path)
        return download_result(p, (await self._native.download_async(spec, os.fspath(p), _events())).body)

    # --- utilities ---------------------------------------------------------------------------

    def sign(
        self,
        method: str,
        url: str,
        body: Union[bytes, str] = b"",
        *,
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> str:
        """The ``Authorization`` value for ``method`` on the absolute ``url`` with ``body``."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self._native.sign(method, url, data, timestamp, nonce)

    def verify(
        self,
        *,
        timestamp: Optional[str],
        nonce: Optional[str],
        signature: Optional[str],
        serial: Optional[str],
        body: Union[bytes, str],
        now: Optional[int] = None,
    ) -> None:
        """Check a WeChat Pay signature (an answer's or a callback's); raises ``VerifyError``."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self._native.verify(timestamp, nonce, signature, serial, data, now)

    # --- notifications and sensitive fields ---------------------------------------------------

    def parse_notification(
        self, headers: HeadersLike, body: Union[bytes, bytearray, memoryview, str], *, now: Optional[int] = None
    ) -> Notification:
        """Verify and decrypt a notification WeChat Pay sent to ``notify_url``.

        ``headers``: the received headers, all of them (``request.headers`` of Flask, Django or
        FastAPI, or raw pairs); ``body``: the **raw body bytes** (Flask ``request.get_data()``,
        Django ``request.body``, FastAPI ``await request.body()``), never parsed JSON.
        Raises ``VerifyError`` (``verify_failure`` ``SIGNTEST`` for a WeChat Pay probe) or
        ``DecodeError`` (``"wrong APIv3 key or tampered"`` when the resource does not decrypt);
        answer with ``wxpay.notification_answer(error)``. CPU only, no I/O: safe to call from
        async code.
        """
        text = self._native.parse_notification(header_pairs(headers), raw_body(body), now)
        return Notification._from_json(_json.loads(text))

    def certificates(self) -> Dict[str, Any]:
        """The keys this client verifies with (``id``, ``kind``, ``not_before``, ``not_after``,
        ``source``: ``"configured"`` or ``"downloaded"``) and the state of certificate downloads
        (``last_download``: ``at``, ``attempted_at``, ``public_key_only``, ``error``)."""
        result: Dict[str, Any] = _json.loads(self._native.certificates())
        return result

    def encrypt_field(self, plaintext: str) -> EncryptedField:
        """Encrypt a sensitive field (a name, an ID number…) with WeChat Pay's public key.
        Send ``serial`` as ``Wechatpay-Serial``; or let the request option
        ``encrypt=["/json/pointer", …]`` encrypt fields of ``json`` and set the header."""
        ciphertext, serial = self._native.encrypt_field(plaintext)
        return EncryptedField(ciphertext, serial)

    def decrypt_field(self, ciphertext: str) -> str:
        """Decrypt a field WeChat Pay encrypted for the merchant (with the merchant key)."""
        return self._native.decrypt_field(ciphertext)

    def prepare(
        self,
        method: str,
        template: str,
        options: Optional[Mapping[str, Any]] = None,
        /,
        *,
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Dry run: the exact request ``request`` would send, signed at ``timestamp`` with
        ``nonce`` (``method``, ``url``, ``canonical_url``, ``headers``, ``body``,
        ``authorization``…). Nothing is sent."""
        text = self._native.prepare(method, template, _options(options, kwargs), timestamp, nonce)
        result: Dict[str, Any] = _json.loads(text)
        return result

    # --- payment parameters for the front end -------------------------------------------------

    def jsapi_pay_params(
        self,
        prepay_id: str,
        *,
        appid: str,
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> "JsapiPayParams":
        """What the page hands to ``WeixinJSBridge.invoke('getBrandWCPayRequest', …)`` or a mini
        program to ``wx.requestPayment``, signed with the merchant key; nothing is sent.

        ``prepay_id`` is ``create_jsapi``'s answer (the id alone), ``appid`` the app id the order
        was created with (``sub_appid`` when the payer pays in the sub-merchant's app).
        ``timestamp`` and ``nonce`` default to now and a fresh random nonce (give them only in
        tests). The answer's keys are exactly the front end's: ``appId``, ``timeStamp``,
        ``nonceStr``, ``package``, ``signType``, ``paySign``; ``json.dumps`` it as it is.
        """
        args = {"appid": appid, "prepay_id": prepay_id, "timestamp": timestamp, "nonce": nonce}
        result: JsapiPayParams = _json.loads(self._native.pay_params("jsapi", _call_args(args)))
        return result

    def app_pay_params(
        self,
        prepay_id: str,
        *,
        appid: str,
        partnerid: Optional[str] = None,
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> "AppPayParams":
        """What the app hands to the WeChat OpenSDK's ``PayReq``, signed with the merchant key;
        nothing is sent.

        ``prepay_id`` is ``create_app``'s answer, ``appid`` the app's id, ``partnerid`` the
        merchant id (default the client's mchid; the ``sub_mchid`` in service-provider mode).
        The answer's keys are exactly the SDK's: ``appid``, ``partnerid``, ``prepayid``,
        ``package`` (``Sign=WXPay``), ``noncestr``, ``timestamp``, ``sign``.
        """
        args = {"appid": appid, "prepay_id": prepay_id, "partnerid": partnerid, "timestamp": timestamp, "nonce": nonce}
        result: AppPayParams = _json.loads(self._native.pay_params("app", _call_args(args)))
        return result

    def __repr__(self) -> str:
        return "<wxpay.Client>"


class JsapiPayParams(TypedDict):
    """The JSAPI / mini program pay parameters, keyed as the front end takes them."""

    appId: str
    timeStamp: str
    nonceStr: str
    package: str
    signType: str
    paySign: str


class AppPayParams(TypedDict):
    """The APP pay parameters, keyed as the OpenSDK's ``PayReq`` takes them."""

    appid: str
    partnerid: str
    prepayid: str
    package: str
    noncestr: str
    timestamp: str
    sign: str


def _merged(args: Optional[Mapping[str, Any]], kwargs: Mapping[str, Any]) -> Mapping[str, Any]:
    if args is None:
        return kwargs
    if not isinstance(args, Mapping):
        raise InvalidArgumentError(
            f"the arguments of a call must be an object (a mapping), got {type(args).__name__}", may_have_been_sent=False
        )
    return {**args, **kwargs}


def _call_args(args: Mapping[str, Any]) -> str:
    """A typed call's arguments as JSON (``None`` values left out: the default applies)."""
    if not isinstance(args, Mapping):
        raise InvalidArgumentError(
            f"the arguments of a call must be an object (a mapping), got {type(args).__name__}", may_have_been_sent=False
        )
    return _options({k: v for k, v in args.items() if v is not None}, {})


def _call_result(native: "_native.NativeResponse") -> Dict[str, Any]:
    text = native.result
    result: Dict[str, Any] = _json.loads(text) if text else {"status": native.status, "raw": {}}
    return result


def _upload_call(
    template: str,
    file: FileLike,
    meta: Optional[Mapping[str, Any]],
    filename: Optional[str],
    content_type: Optional[str],
    options: Mapping[str, Any],
) -> Tuple[str, Optional[bytes]]:
    """``upload``'s catalogue arguments as JSON and the file's bytes (None: it is at ``path``)."""
    upload_options, path, data = upload_args(file, meta, filename, content_type, options)
    args: Dict[str, Any] = {"template": template, "options": upload_options}
    if path is not None:
        args["path"] = path
    return _json.dumps(args, ensure_ascii=False), data


def _config_error(message: str) -> Exception:
    from ._errors import ConfigError

    return ConfigError(message, may_have_been_sent=False)


def _new_native(config: Mapping[str, Any]) -> "_native.NativeClient":
    try:
        text = _json.dumps(config, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise _config_error(f"configuration cannot be encoded as JSON: {e}") from None
    return _native.NativeClient(text)
