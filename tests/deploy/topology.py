"""compose.yaml's topology as processes on 127.0.0.1: what tests/deploy/test_topology.py runs.

Debian's nginx with ``deploy/nginx.conf`` itself (ports, paths and upstreams rewritten for
the loopback), a self-signed certificate, and a webhook receiver that records what it gets.
"""

import datetime
import ipaddress
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.processes import HOST

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 (fullchain.pem, privkey.pem in `folder`); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "fullchain.pem"


def nginx_config(folder: Path, app_ports: list[int], http_port: int, https_port: int) -> Path:
    """deploy/nginx.conf for the loopback; every rewritten line must still be in the file."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    upstreams = "".join(f"server {HOST}:{port};\n        " for port in app_ports)
    temp = folder / "temp"
    temp.mkdir()  # nginx's workers run as the caller (`user root` when that is root)
    rewrites = {
        "pid /tmp/nginx.pid;": f"pid {folder / 'nginx.pid'};",
        "server app:8000 max_fails=3 fail_timeout=10s;\n        ": upstreams,
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl;": f"listen {HOST}:{https_port} ssl;",
        "/etc/nginx/tls/": f"{folder / 'tls'}/",
        "http {\n": (
            "http {\n"
            + "".join(
                f"    {kind}_temp_path {temp / kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
        ),
    }
    for old, new in rewrites.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    config = folder / "nginx.conf"
    config.write_text(text)
    return config


def nginx_command(folder: Path, config: Path) -> list[str]:
    main = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    return [NGINX, "-p", str(folder), "-c", str(config), "-e", "stderr", "-g", main]


@dataclass
class Receiver:
    """A webhook endpoint: every delivery's headers and body, in arrival order."""

    port: int = 0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    server = ThreadingHTTPServer((HOST, 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
