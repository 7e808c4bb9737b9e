"""A NAIF-like mirror on 127.0.0.1 for download tests: real files, Range requests, injected faults.

The server sends Apache-style directory listings, honours ``Range: bytes=N-``
(so resumption is really exercised), and can cut a file's transfer half-way
or stall, once per path, as a flaky network would.
"""

from __future__ import annotations

import html
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Mirror:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cut_once: dict[str, float] = {}  # path -> fraction sent before the connection drops
        self.stall: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (path, Range header)
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                rel = self.path.split("?")[0].lstrip("/")
                mirror.requests.append((rel, self.headers.get("Range", "")))
                target = (mirror.root / rel).resolve() if rel else mirror.root
                if rel in mirror.stall:
                    time.sleep(5)
                if target.is_dir():
                    return self._listing(target, rel)
                if not target.is_file():
                    self.send_error(404, "Not Found")
                    return
                data = target.read_bytes()
                start = 0
                rng = self.headers.get("Range", "")
                if rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[6:-1])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                if rel in mirror.cut_once:
                    fraction = mirror.cut_once.pop(rel)
                    self.wfile.write(body[: int(len(body) * fraction)])
                    self.wfile.flush()
                    self.connection.shutdown(2)  # drop the connection mid-file
                    return
                self.wfile.write(body)

            def _listing(self, folder: Path, rel: str) -> None:
                rows = "".join(
                    f'<tr><td><a href="{html.escape(p.name)}{"/" if p.is_dir() else ""}">'
                    f"{html.escape(p.name)}</a></td></tr>\n"
                    for p in sorted(folder.iterdir())
                )
                page = (
                    f"<html><head><title>Index of /{rel}</title></head><body><h1>Index of /{rel}</h1>"
                    f'<table><tr><th><a href="?C=N;O=D">Name</a></th></tr>'
                    f'<tr><td><a href="/">Parent Directory</a></td></tr>\n{rows}</table></body></html>'
                )
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # clients that hang up mid-file (cancel, timeouts) are part of the tests

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> Mirror:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def build_naif_layout(root: Path, real: Path, generated_moons: Path) -> Path:
    """NAIF's directory layout over the real files in ``../shared`` (and our synthetic moons)."""
    links = {
        "generic_kernels/lsk/naif0012.tls": real / "naif0012.tls",
        "generic_kernels/pck/pck00011.tpc": real / "pck00011.tpc",
        "generic_kernels/spk/planets/de440s.bsp": real / "de440_2030.bsp",
        "JUNO/kernels/spk/jup388s.bsp": generated_moons,
        # The 2022 trajectory, named like NAIF's per-orbit reconstructed files.
        "JUNO/kernels/spk/spk_rec_220614_221109_220810.bsp": real / "spk_pre_220614_221109_220810_jm0450.bsp",
        "JUNO/kernels/fk/juno_v12.tf": real / "juno_v12.tf",
    }
    for rel, src in links.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(src, dest)
    (root / "JUNO/kernels/spk/aareadme.txt").write_text("Juno SPK files\n")
    return root
