"""HTTP on a raw socket: requests no HTTP client would send (malformed lines, bad headers, odd methods).

For the server tests: the server must answer them like a static host (400, 405, ...), so they are sent as bytes.
"""

from __future__ import annotations

import socket


def raw_request(url: str, data: bytes, *, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` as it is to the server at ``url``; the status, headers and body of its answer."""
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        want = int(headers.get("content-length", "0"))
        while len(body) < want:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), headers, body


def get(path: bytes, *headers: bytes, method: bytes = b"GET") -> bytes:
    return b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n" % (
        method, path, b"".join(h + b"\r\n" for h in headers)
    )
