"""Platform certificates from Python: a client with only the APIv3 key (no ``certs``) downloads
them, survives a rotation under 64 concurrent asyncio calls and the switch to the public key,
lists its keys, and says why a download failed. Its own sandbox: the modes are global to one."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator

import pytest

import wxpay
from conftest import Sandbox, _start, control


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    yield from _start(strict=False)


def auto_client(sb: Sandbox, name: str, **overrides: Any) -> wxpay.Client:
    """A client of its own (the user agent keeps it apart from the process's shared clients)."""
    kwargs: Dict[str, Any] = sb.client_kwargs(auto_certificates=True, user_agent=name, **overrides)
    del kwargs["certs"]
    return wxpay.Client(**kwargs)


def test_only_the_apiv3_key_then_rotation_under_64_concurrent_calls(sb: Sandbox) -> None:
    admin = sb.client()
    control(admin, "POST", "certificates", {"mode": "certificate"})
    try:
        client = auto_client(sb, "rotation")
        assert client.certificates()["keys"] == []
        client.close_transaction("py-auto-1")
        listed = client.certificates()
        assert [(k["id"], k["kind"], k["source"]) for k in listed["keys"]] == [
            ("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "certificate", "downloaded")
        ]
        assert isinstance(listed["last_download"]["at"], int) and listed["last_download"]["error"] is None

        new_serial = control(admin, "POST", "certificates", {"action": "rotate"})["serials"][-1]

        async def many() -> None:
            await asyncio.gather(*(client.close_transaction_async(f"py-rot-{i}") for i in range(64)))

        asyncio.run(many())
        assert new_serial in [k["id"] for k in client.certificates()["keys"]]
        assert client.encrypt_field("x").serial == new_serial
        assert control(admin, "GET", "certificates")["downloads"] == 2
    finally:
        control(admin, "POST", "certificates", {"mode": "public_key"})


def test_public_key_switch_and_failures_are_reported(sb: Sandbox) -> None:
    admin = sb.client()
    control(admin, "POST", "certificates", {"mode": "public_key_only"})
    try:
        # The public key configured next to automatic certificates: the 404 is not a failure.
        migrating = wxpay.Client(**sb.client_kwargs(auto_certificates=True, user_agent="migrating"))
        migrating.close_transaction("py-switched")
        assert migrating.certificates()["last_download"]["public_key_only"] is True
        # Without it, the 404 says what to configure.
        with pytest.raises(wxpay.ConfigError, match="public key") as info:
            auto_client(sb, "no-key").close_transaction("py-no-key")
        assert "RESOURCE_NOT_EXISTS" in str(info.value)
    finally:
        control(admin, "POST", "certificates", {"mode": "certificate"})
    try:
        wrong = auto_client(sb, "wrong-key", apiv3_key="0123456789abcdef0123456789ABCDEF")
        with pytest.raises(wxpay.DecodeError, match="wrong APIv3 key"):
            wrong.close_transaction("py-wrong-key")
        assert "wrong APIv3 key" in wrong.certificates()["last_download"]["error"]
    finally:
        control(admin, "POST", "certificates", {"mode": "public_key"})


def test_configuration_mistakes() -> None:
    with pytest.raises(wxpay.ConfigError, match="apiv3_key"):
        wxpay.Client(mchid="1", serial="S", private_key="x", auto_certificates=True)
    with pytest.raises(wxpay.ConfigError, match="certs"):
        wxpay.Client(mchid="1", serial="S", private_key="x")
    with pytest.raises(wxpay.ConfigError, match="certificate_refresh"):
        wxpay.Client(mchid="1", serial="S", private_key="x", auto_certificates=True,
                     apiv3_key="0123456789abcdef0123456789ABCDEF", certificate_refresh=5)
