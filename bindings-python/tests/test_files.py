"""Files against the sandbox: uploads signed over their meta, the B1 bill and statement with
their published SHA-1, a wrong digest and a truncated download leaving nothing behind."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

import wxpay
from conftest import Sandbox, control

B1_SHA1 = "9bb6cd819be348f17a9cbcedddc8eb62fefbd790"


def test_upload_an_image_from_bytes_and_a_path(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    r = client.upload("v3/merchant/media/upload", b"\x89PNG test", filename="photo.png")
    assert r.json()["media_id"].startswith("sandbox-media-")
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(b"%PDF-1.4 test")
    r = client.upload(
        "v3/global/merchant-storage/file/upload",
        pdf,
        meta={"filename": "contract.pdf", "digest": None},
        base_uri="https://apihk.mch.weixin.qq.com/",
    )
    assert r.json()["file_id"].startswith("sandbox-file-")
    r = asyncio.run(client.upload_async("v3/merchant/media/upload", pdf))
    assert r.status_code == 200


def test_a_file_too_big_or_a_wrong_meta_is_refused_before_sending(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(wxpay.InvalidArgumentError, match="at most 5242880 bytes") as info:
        client.upload("v3/merchant/media/upload", big)
    assert info.value.may_have_been_sent is False
    with pytest.raises(wxpay.InvalidArgumentError, match="filename"):
        client.upload("v3/merchant/media/upload", b"bytes without a name")
    with pytest.raises(wxpay.InvalidArgumentError, match="not the SHA-256"):
        client.upload("v3/merchant/media/upload", b"x", filename="x.png", meta={"sha256": "00"})
    with pytest.raises(wxpay.InvalidArgumentError, match="cannot read"):
        client.upload("v3/merchant/media/upload", tmp_path / "missing.png")


@pytest.mark.parametrize("tar_type", [None, "GZIP"])
def test_the_b1_bill_with_its_published_digest(sandbox: Sandbox, tmp_path: Path, tar_type: str) -> None:
    client = sandbox.client()
    out = tmp_path / "bill.csv"
    d = client.download_bill(out, bill_date="2019-02-01", tar_type=tar_type, bill_type="ALL")
    assert (d.sha1, d.bytes, d.checked, d.path) == (B1_SHA1, 14_686, True, out)
    assert (d.received < d.bytes) == (tar_type == "GZIP")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and hashlib.sha1(data).hexdigest() == B1_SHA1


def test_statements_hk_and_global_sync_and_asyncio(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    d = client.download_statement(tmp_path / "hk.csv", date="20190201")
    assert (d.sha1, d.checked) == (B1_SHA1, True)
    d = asyncio.run(client.download_statement_async(tmp_path / "global.csv", date="20190201", endpoint="global"))
    assert (d.sha1, d.checked) == (B1_SHA1, True)
    d = asyncio.run(client.download_bill_async(tmp_path / "f.csv", bill_date="2026-11-26", kind="fundflowbill"))
    assert d.checked and d.bytes > 0


def test_a_wrong_digest_or_a_truncated_body_leaves_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    out = tmp_path / "bill.csv"
    control(client, "POST", "faults", {"fault": "wrong_digest", "path": "/v3/bill/tradebill"})
    with pytest.raises(wxpay.VerifyError) as info:
        client.download_bill(out, bill_date="2026-11-26")
    assert info.value.verify_failure == "DIGEST_MISMATCH"
    control(client, "POST", "faults", {"fault": "truncated_body", "path": "/billdownload/"})
    with pytest.raises(wxpay.TransportError):
        client.download_bill(out, bill_date="2026-11-26")
    assert list(tmp_path.iterdir()) == []


def test_a_download_url_elsewhere_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    with pytest.raises(wxpay.InvalidArgumentError, match="refusing to send the merchant's signature"):
        client.download("https://evil.example/v3/billdownload/file?token=1", tmp_path / "x")
    d = client.download(
        "https://api.mch.weixin.qq.com/v3/billdownload/file?token=tradebill.2019-02-01", tmp_path / "x", sha1=B1_SHA1
    )
    assert d.checked and d.bytes == 14_686
