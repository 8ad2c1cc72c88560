"""Smoke test of an installed hotjar-client (a wheel or an sdist build) in a fresh venv.

Run as ``python tests/smoke.py`` with only hotjar-client installed (no pytest, no pandas):
`make wheel`, `make sdist` and the release workflow run it on every wheel they build, and
tests/python/test_smoke.py runs it against the development build. It checks that:

- the native module loads (the abi3 extension links on this platform);
- a client talks to the bundled offline fake (`FakeHotjar`) over loopback: token, surveys,
  responses as dicts and as an Arrow table;
- the TLS stack works in this build: the client sends a real TLS ClientHello (rustls with the
  ring crypto provider makes its key shares) to a loopback socket that is not a TLS server,
  and reports the broken handshake as a `TransportError`.
"""

from __future__ import annotations

import socket
import sys
import threading

import hotjar_client as hj
from hotjar_client.testing import FakeHotjar

TLS_HANDSHAKE_RECORD = 0x16


def check_fake() -> str:
    with FakeHotjar(seed=1, responses_per_survey=[250, 0]) as fake, fake.client() as client:
        client.test_connection()
        surveys = client.list_surveys()
        assert [str(s["id"]) for s in surveys] == [str(i) for i in fake.survey_ids], surveys
        survey_id = fake.survey_ids[0]
        rows = client.responses(survey_id)
        assert rows == fake.responses(survey_id), "responses differ from the fake's"
        assert len(rows) == 250, len(rows)
        table = client.responses_table(survey_id)
        assert table.num_rows == 250, table.num_rows
        assert table.to_pydict()["response_id"] == [r["id"] for r in rows]
    return f"{len(surveys)} surveys, {len(rows)} responses, table of {table.num_columns} columns"


def check_tls() -> str:
    """A TLS ClientHello reaches a plain socket; the failed handshake is a TransportError."""
    received: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            received.append(conn.recv(5))
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        with hj.Client(
            "smoke-id",
            "smoke-secret",
            site_id=1,
            base_url=f"https://127.0.0.1:{port}",
            max_retries=0,
            timeout=10,
        ) as client:
            try:
                client.test_connection()
            except hj.TransportError as exc:
                error = str(exc)
            else:
                raise AssertionError("a non-TLS server passed the TLS handshake")
    finally:
        server.join(10)
        listener.close()
    assert received and received[0][:1] == bytes([TLS_HANDSHAKE_RECORD]), received
    return f"ClientHello sent, handshake refused: {error.splitlines()[0][:100]}"


def main() -> int:
    print(f"hotjar-client {hj.__version__} from {hj.__file__}")
    print(f"python {sys.version.split()[0]} on {sys.platform}")
    print(f"fake: {check_fake()}")
    print(f"tls: {check_tls()}")
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
