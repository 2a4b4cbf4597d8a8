#!/usr/bin/env python3
"""A read-only npm registry on loopback serving the tarballs of a folder, so make test-dist
runs `npm install wxpay` / `npx @wxpay/cli` verbatim, resolving optional dependencies the way
the real registry does (npm_config_registry=http://127.0.0.1:PORT/).

    scripts/npm-registry.py DIR PORT_FILE [NODE_MODULES]

Serves GET /<name> (the packument: every version found in DIR's *.tgz, dist-tags.latest, the
tarball's URL, sha1 shasum and sha512 integrity) and GET /-/<file>.tgz. Anything else is 404, so
a package not in DIR fails the install as an unpublished one would — unless NODE_MODULES (a
project's installed node_modules, e.g. bindings-node's after `npm ci`) holds it: the
dependencies of our packages (@types/node…) are then packed from there, so nothing leaves
loopback. Writes the port it listens on to PORT_FILE once ready.
"""

import base64
import hashlib
import http.server
import io
import json
import sys
import tarfile
import threading
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Optional


def pack(folder: Path) -> bytes:
    """An npm tarball (package/… in a gzip tar) of an installed package's folder."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if "node_modules" in rel.parts or not path.is_file():
                continue
            tar.add(path, arcname=f"package/{rel.as_posix()}", recursive=False)
    return buf.getvalue()


class Registry:
    def __init__(self, folder: Path, node_modules: Optional[Path]) -> None:
        self.packages: Dict[str, Dict[str, Any]] = {}  # name → version → manifest
        self.tarballs: Dict[str, bytes] = {}  # file name → tarball
        self.node_modules = node_modules
        self.lock = threading.Lock()
        for tgz in sorted(folder.glob("*.tgz")):
            self.add(tgz.read_bytes())

    def add(self, data: bytes) -> None:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = tar.extractfile("package/package.json")
            if member is None:
                raise ValueError("an npm tarball without package/package.json")
            manifest = json.load(member)
        name, version = manifest["name"], manifest["version"]
        file = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
        manifest["dist"] = {
            "shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
            "_file": file,
        }
        self.packages.setdefault(name, {})[version] = manifest
        self.tarballs[file] = data

    def packument(self, name: str, base: str) -> Optional[Dict[str, Any]]:
        with self.lock:
            if name not in self.packages and self.node_modules is not None:
                installed = self.node_modules / name
                if (installed / "package.json").is_file() and ".." not in Path(name).parts:
                    self.add(pack(installed))
            if name not in self.packages:
                return None
            versions = {}
            for version, manifest in self.packages[name].items():
                m = dict(manifest)
                d = dict(m["dist"])
                d["tarball"] = f"{base}/-/{d.pop('_file')}"
                m["dist"] = d
                versions[version] = m
        latest = max(versions, key=lambda v: [int(p) if p.isdigit() else 0 for p in v.split("-")[0].split(".")])
        return {"name": name, "dist-tags": {"latest": latest}, "versions": versions}


def main() -> None:
    folder, port_file = Path(sys.argv[1]), Path(sys.argv[2])
    registry = Registry(folder, Path(sys.argv[3]) if len(sys.argv) > 3 else None)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            if path.startswith("/-/") and path[3:] in registry.tarballs:
                return self.send(200, registry.tarballs[path[3:]], "application/octet-stream")
            port = self.server.server_address[1]  # type: ignore[index]
            doc = registry.packument(path.lstrip("/"), f"http://127.0.0.1:{port!s}")
            if doc is not None:
                return self.send(200, json.dumps(doc).encode(), "application/json")
            self.send(404, b'{"error":"not_found"}', "application/json")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main()
