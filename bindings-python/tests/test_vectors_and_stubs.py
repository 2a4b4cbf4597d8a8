"""Shared vectors (byte-identical with the core's), the verification utility, and the stubs."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict

import pytest

import wxpay
from conftest import FIXTURES, ROOT, VECTORS

SIGNING = json.loads((VECTORS / "signing.json").read_text())
VERIFICATION = json.loads((VECTORS / "verification.json").read_text())


def vector_client() -> wxpay.Client:
    c = SIGNING["config"]
    return wxpay.Client(
        mchid=c["mchid"],
        serial=c["serial"],
        private_key=FIXTURES / "merchant_key.pem",
        certs={k: FIXTURES / "platform_pub.pem" for k in c["certs"]},
    )


@pytest.mark.parametrize("v", SIGNING["requests"], ids=lambda v: v["name"])
def test_signing_vectors(v: Dict[str, Any]) -> None:
    c = vector_client()
    p = c.prepare(v["method"], v["template"], v["options"], timestamp=v["timestamp"], nonce=v["nonce"])
    assert p["url"] == v["url"]
    assert p["canonical_url"] == v["canonical_url"]
    assert p["body"] == v["body"]
    assert p["authorization"] == v["authorization"]
    assert c.sign(v["method"], v["url"], v["body"], timestamp=v["timestamp"], nonce=v["nonce"]) == v["authorization"]


@pytest.mark.parametrize("case", VERIFICATION["cases"], ids=lambda c: c["name"])
def test_verification_vectors(case: Dict[str, Any]) -> None:
    c = vector_client()
    call = lambda: c.verify(  # noqa: E731
        timestamp=case["timestamp"],
        nonce=case["nonce"],
        signature=case["signature"],
        serial=case["serial"],
        body=case["body"],
        now=case["now"],
    )
    if case["expect"] == "ok":
        call()
    else:
        with pytest.raises(wxpay.VerifyError) as info:
            call()
        assert info.value.verify_failure == case["expect"]


def test_stubs_match_the_compiled_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "wxpay._native", "--ignore-missing-stub"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_type_checks_strictly() -> None:
    pkg = ROOT / "bindings-python" / "python" / "wxpay"
    example = ROOT / "bindings-python" / "examples" / "close_order.py"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(pkg), str(example)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
