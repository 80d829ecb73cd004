"""The web app against a hostile user (issue 9): it fetches no URL and stores no upload for
anyone (item 5), refuses to start with a login nobody could pass, and makes password guessing
slow (item 9). Real Gradio apps on loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import WEB_EXAMPLES, free_port

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

PROJECT = Path(__file__).resolve().parent.parent
LOGIN = ("reader", "s3cret")


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def network_calls(monkeypatch):
    """Every name lookup and connect made in this process, by any thread; one to a host off
    the loopback is recorded and refused, so nothing leaves the machine even before the fix."""
    calls: list[tuple[str, object]] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        calls.append(("getaddrinfo", host))
        if not _is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, "refused by the test")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded(real):
        def connect(sock, address):
            host = address[0] if isinstance(address, tuple) else None
            calls.append(("connect", host))
            if not _is_loopback(host):
                raise OSError("refused by the test")
            return real(sock, address)
        return connect

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))
    return calls


def launch(casefile, monkeypatch, **kwargs):
    from index.web import build_app, serve

    # uvloop resolves names in native code, out of the recorder's sight: serve on asyncio's
    # loop, whose lookups go through socket.getaddrinfo.
    monkeypatch.setitem(sys.modules, "uvloop", None)
    demo = build_app(casefile, examples=WEB_EXAMPLES)
    _, url, _ = serve(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True,
                      quiet=True, **kwargs)
    return demo, url.rstrip("/")


def test_file_route_fetches_no_url_and_uploads_are_refused(casefile, monkeypatch, network_calls):
    demo, url = launch(casefile, monkeypatch)
    try:
        with httpx.Client(timeout=30) as http:
            assert http.get(f"{url}/config").status_code == 200  # the app is up
            for target in ("https://casefile-test.invalid/x", "http://casefile-test.invalid/x",
                           "https://10.1.2.3/x", "HTTPS://casefile-test.invalid/x"):
                response = http.get(f"{url}/gradio_api/file={target}")
                assert response.status_code == 403, (target, response.text[:200])
                assert "no remote files" in response.json()["detail"]
            head = http.head(f"{url}/gradio_api/file=https://casefile-test.invalid/x")
            assert head.status_code == 403
            proxied = http.get(f"{url}/gradio_api/proxy=https://casefile-test.invalid/x")
            assert proxied.status_code == 403
            upload = http.post(f"{url}/gradio_api/upload",
                               files={"files": ("note.txt", b"x" * 4096, "text/plain")})
            assert upload.status_code == 403 and "note.txt" not in upload.text
            # Gradio's own static files are still served.
            page = http.get(f"{url}/")
            assert page.status_code == 200
    finally:
        demo.close()
    off_machine = [c for c in network_calls if not _is_loopback(c[1])]
    assert off_machine == []
    assert network_calls, "the recorder saw the test's own loopback calls"


def post_login(http: httpx.Client, url: str, password: str) -> httpx.Response:
    return http.post(f"{url}/login", data={"username": LOGIN[0], "password": password})


def test_failed_logins_back_off_per_client(casefile, monkeypatch):
    from gradio_client import Client

    demo, url = launch(casefile, monkeypatch, auth=LOGIN)
    try:
        with httpx.Client(timeout=30) as http, httpx.Client(
            timeout=30, transport=httpx.HTTPTransport(local_address="127.0.0.2")
        ) as neighbour:
            for _ in range(5):  # five free mistakes
                assert post_login(http, url, "guess").status_code == 400
            refused = post_login(http, url, LOGIN[1])  # even the right password must wait
            assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
            assert "try again in 1 s" in refused.json()["detail"]
            # Another address is not held back by this one's mistakes.
            assert post_login(neighbour, url, LOGIN[1]).status_code == 200
            time.sleep(1.1)
            assert post_login(http, url, "guess").status_code == 400
            longer = post_login(http, url, "guess")
            assert longer.status_code == 429 and longer.headers["retry-after"] == "2"
            time.sleep(2.1)
            assert post_login(http, url, LOGIN[1]).status_code == 200  # clears the record
            assert post_login(http, url, "guess").status_code == 400
            assert post_login(http, url, "guess").status_code == 400
        result = Client(f"{url}/", auth=LOGIN, verbose=False).predict(
            "How long can someone be imprisoned for an unlawful cross-border transfer?",
            api_name="/ask")
        assert result["status"] == "answered"
    finally:
        demo.close()


def test_a_login_nobody_could_pass_refuses_to_start(tmp_path):
    env = {**os.environ, "CASEFILE_LOGIN": "reader", "CASEFILE_STORE": str(tmp_path / "store")}
    env.pop("CASEFILE_CHROMA_HOST", None)
    started = subprocess.run([sys.executable, "app.py", "--port", str(free_port())], cwd=PROJECT,
                             env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 2
    assert started.stderr.strip().startswith("error: CASEFILE_LOGIN must be user:password")
    assert "Traceback" not in started.stderr
    assert not (tmp_path / "store").exists()  # refused before touching anything


@pytest.mark.parametrize("login", ["reader:", ":s3cret", "  :s3cret"])
def test_an_empty_user_or_password_refuses_to_start(tmp_path, monkeypatch, capsys, login):
    import app

    monkeypatch.setenv("CASEFILE_LOGIN", login)
    monkeypatch.setenv("CASEFILE_STORE", str(tmp_path / "store"))
    assert app.main(["--port", str(free_port())]) == 2
    assert "CASEFILE_LOGIN must be user:password" in capsys.readouterr().err
    assert not (tmp_path / "store").exists()
