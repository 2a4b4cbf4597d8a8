#!/usr/bin/env python3
"""Build the wxpay-cli wheel: the release `wxpay` binary as a script (pip puts it on PATH, as
ruff's and uv's wheels do) plus the small `wxpay_cli` module that finds it.

    scripts/cli-wheel.py BINARY VERSION OUT_DIR

A wheel is a zip with a fixed layout (PEP 427 / 491): no build backend is needed for a binary
that cargo already built. Entries are written in a fixed order with a fixed date, so the same
binary gives the same wheel byte for byte.
"""

import base64
import hashlib
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = "py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64"
DATE = (2020, 1, 1, 0, 0, 0)


def digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main() -> None:
    binary, version, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    name = "wxpay_cli"
    dist_info = f"{name}-{version}.dist-info"
    readme = (ROOT / "cli/python/README.md").read_text()
    metadata = "\n".join([
        "Metadata-Version: 2.4",
        "Name: wxpay-cli",
        f"Version: {version}",
        "Summary: The wxpay command line: WeChat Pay APIv3 from the shell, and `wxpay sandbox` for testing a checkout",
        "Author: wxpay developers",
        "License-Expression: MIT OR Apache-2.0",
        "License-File: LICENSE-MIT",
        "License-File: LICENSE-APACHE",
        "Project-URL: Homepage, https://github.com/wxpay/wxpay",
        "Keywords: wechat,wechatpay,weixin,payment,apiv3,sandbox",
        "Classifier: Environment :: Console",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Topic :: Office/Business :: Financial :: Point-Of-Sale",
        "Requires-Python: >=3.9",
        "Description-Content-Type: text/markdown",
        "",
        readme,
    ])
    wheel = f"Wheel-Version: 1.0\nGenerator: wxpay scripts/cli-wheel.py\nRoot-Is-Purelib: false\nTag: {TAG.split('.')[0]}\n"
    wheel += "".join(f"Tag: py3-none-{plat}\n" for plat in TAG.split("-", 2)[2].split(".")[1:])
    module_version = (ROOT / "cli/python/wxpay_cli/__init__.py").read_text()
    if f'__version__ = "{version}"' not in module_version:
        sys.exit(f"cli/python/wxpay_cli/__init__.py's __version__ is not {version}")
    entries = []  # (archive name, bytes, executable)
    for module in sorted((ROOT / "cli/python/wxpay_cli").iterdir()):
        if module.suffix in (".py", ".typed"):
            entries.append((f"{name}/{module.name}", module.read_bytes(), False))
    entries.append((f"{name}-{version}.data/scripts/wxpay", binary.read_bytes(), True))
    for lic in ("LICENSE-MIT", "LICENSE-APACHE"):
        entries.append((f"{dist_info}/licenses/{lic}", (ROOT / lic).read_bytes(), False))
    entries.append((f"{dist_info}/METADATA", metadata.encode(), False))
    entries.append((f"{dist_info}/WHEEL", wheel.encode(), False))
    record = "".join(f"{n},{digest(d)},{len(d)}\n" for n, d, _ in entries) + f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode(), False))

    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}-{version}-{TAG}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for n, data, executable in entries:
            info = zipfile.ZipInfo(n, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            zf.writestr(info, data)
    print(path)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    os.umask(0o022)
    main()
