"""A NAIF-like mirror on 127.0.0.1 for download tests: real files, Range requests, injected faults.

The server sends Apache-style directory listings (with each file's size, as
Apache shows it), honours ``Range: bytes=N-`` (so resumption is really
exercised), and can misbehave per path the way servers and networks do:
cut a transfer half-way or stall (once), serve other bytes than the file
(an HTML error page, random bytes), handle Range wrongly (ignore it, answer
416 to everything), trickle bytes slowly, or redirect elsewhere.
"""

from __future__ import annotations

import html
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def apache_size(n: int) -> str:
    """A size as Apache's fancy index shows it (apr_strfsize): bytes, then 5.1K, 31M ..."""
    if n < 973:
        return str(n)
    value = float(n)
    for unit in "KMGT":
        value /= 1024
        if value < 973 or unit == "T":
            return f"{value:.1f}{unit}" if value < 9.95 else f"{value:.0f}{unit}"
    return str(n)  # pragma: no cover


class Mirror:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cut_once: dict[str, float] = {}  # path -> fraction sent before the connection drops
        self.stall: set[str] = set()
        self.body: dict[str, bytes] = {}  # path -> bytes served instead of the file (the listing keeps its size)
        self.published: dict[str, str] = {}  # path -> size text the listing shows instead of the real one
        # path -> how Range is mishandled: "ignore-206" (206, whole file, Content-Range from 0),
        # "no-content-range" (206, the right bytes, no Content-Range), "ignore-200" (200, whole file),
        # "416" (416 to every Range request, with the file's true size)
        self.range_mode: dict[str, str] = {}
        self.trickle: dict[str, tuple[int, float]] = {}  # path -> (bytes per step, seconds between steps)
        self.redirect: dict[str, str] = {}  # path -> Location
        self.slow_headers: dict[str, float] = {}  # path -> seconds between the bytes of the response's head
        self.requests: list[tuple[str, str]] = []  # (path, Range header)
        self.closed = threading.Event()
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                rel = self.path.split("?")[0].lstrip("/")
                mirror.requests.append((rel, self.headers.get("Range", "")))
                if rel in mirror.slow_headers:
                    head = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-Padding: " + b"x" * 400 + b"\r\n\r\n"
                    for i in range(len(head)):
                        if mirror.closed.is_set():
                            return
                        self.wfile.write(head[i : i + 1])
                        self.wfile.flush()
                        time.sleep(mirror.slow_headers[rel])
                    self.wfile.write(b"data")
                    return
                if rel in mirror.redirect:
                    self.send_response(302)
                    self.send_header("Location", mirror.redirect[rel])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                target = (mirror.root / rel).resolve() if rel else mirror.root
                if rel in mirror.stall:
                    time.sleep(5)
                if target.is_dir():
                    return self._listing(target, rel)
                if not target.is_file():
                    self.send_error(404, "Not Found")
                    return
                data = mirror.body.get(rel, target.read_bytes())
                mode = mirror.range_mode.get(rel, "")
                start = 0
                rng = self.headers.get("Range", "")
                if rng.startswith("bytes=") and rng.endswith("-") and mode != "ignore-200":
                    start = int(rng[6:-1])
                    if start >= len(data) or mode == "416":
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    if mode == "ignore-206":
                        start = 0
                    if mode != "no-content-range":
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
                self._send(rel, body)

            def _send(self, rel: str, body: bytes) -> None:
                if rel in mirror.trickle:
                    step, interval = mirror.trickle[rel]
                    for i in range(0, len(body), step):
                        if mirror.closed.is_set():
                            return
                        self.wfile.write(body[i : i + step])
                        self.wfile.flush()
                        time.sleep(interval)
                    return
                self.wfile.write(body)

            def _listing(self, folder: Path, rel: str) -> None:
                def size(p: Path) -> str:
                    if p.is_dir():
                        return "-"
                    key = f"{rel}{p.name}"
                    return mirror.published.get(key) or apache_size(p.stat().st_size)

                rows = "".join(
                    f'<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td>'
                    f'<td><a href="{html.escape(p.name)}{"/" if p.is_dir() else ""}">{html.escape(p.name)}</a></td>'
                    f'<td align="right">2024-01-26 10:02  </td><td align="right">{size(p)}</td>'
                    f"<td>&nbsp;</td></tr>\n"
                    for p in sorted(folder.iterdir())
                )
                page = (
                    f"<html><head><title>Index of /{rel}</title></head><body><h1>Index of /{rel}</h1>"
                    f'<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=S;O=A">Size</a></th></tr>'
                    f'<tr><td><a href="/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td></tr>\n'
                    f"{rows}</table></body></html>"
                )
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self._send(rel, body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # clients that hang up mid-file (cancel, timeouts) are part of the tests

        self.server = Server(("127.0.0.1", 0), Handler)
        # A short poll interval: shutdown() waits for it, once per test.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self) -> Mirror:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()  # trickling transfers stop
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


TINY_SPK = "JUNO/kernels/spk/spk_rec_231115_240315_240320.bsp"
TINY_FK = """KPL/FK

A stand-in for the Juno frames kernel, written by the download tests.

\\begindata

   FRAME_PERIJOVE_TEST = -61999
   FRAME_-61999_NAME   = 'PERIJOVE_TEST'
   FRAME_-61999_CLASS  = 4
   FRAME_-61999_CLASS_ID = -61999
   FRAME_-61999_CENTER = -61
   TKFRAME_-61999_RELATIVE = 'J2000'
   TKFRAME_-61999_SPEC = 'ANGLES'
   TKFRAME_-61999_UNITS = 'DEGREES'
   TKFRAME_-61999_AXES = ( 1, 2, 3 )
   TKFRAME_-61999_ANGLES = ( 0.0, 0.0, 0.0 )

\\begintext
"""


def build_tiny_layout(root: Path, kernels: Path) -> Path:
    """NAIF's layout over the embedded kernels (``kernels``), so tests need nothing from ``../shared``.

    The per-orbit trajectory file is named to cover the default window (2023-12-01 .. 2024-02-29).
    """
    copies = {
        "generic_kernels/lsk/naif0012.tls": kernels / "leapseconds.tls",
        "generic_kernels/pck/pck00011.tpc": kernels / "perijove_synthetic.tpc",
        "generic_kernels/spk/planets/de440s.bsp": kernels / "perijove_planets.bsp",
        "JUNO/kernels/spk/jup388s.bsp": kernels / "perijove_planets.bsp",
        TINY_SPK: kernels / "perijove_juno.bsp",
    }
    for rel, src in copies.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(src.read_bytes())
    fk = root / "JUNO/kernels/fk/juno_v12.tf"
    fk.parent.mkdir(parents=True, exist_ok=True)
    fk.write_text(TINY_FK)
    (root / "JUNO/kernels/spk/aareadme.txt").write_text("Juno SPK files\n")
    return root
