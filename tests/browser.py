"""A tiny W3C WebDriver client for headless Chromium, standard library only.

It starts Debian's ``chromedriver`` on a free local port, opens one session that drives
``/usr/bin/chromium`` headless with a fresh profile, and talks JSON over HTTP with ``urllib``.
Besides the W3C commands (navigate, execute script, screenshot) it reads ChromeDriver's log
endpoint: the ``browser`` log (console messages, failed loads) and the ``performance`` log (the
DevTools ``Network.*`` events, i.e. every request the page made).

Install Chromium with ``scripts/ensure-chromium``; ``CHROMIUM`` and ``CHROMEDRIVER`` override
the binaries' paths.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

#: Headless, no sandbox (root on CI), and nothing that phones home: without the
#: background-networking flags Chromium's own connections fail on a closed network. The
#: resolver rule makes every host name unresolvable, so a page that fetches anything from the
#: network fails loudly here exactly as it would offline.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1280,1000",
    "--remote-debugging-pipe",  # ChromeDriver talks to Chromium over a pipe, not a port
)


class WebDriverError(RuntimeError):
    pass


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium and chromedriver are there."""
    for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return (
                f"{name} not found at {path}: run scripts/ensure-chromium "
                "(Debian packages chromium and chromium-driver) or set CHROMIUM/CHROMEDRIVER"
            )
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(url: str, method: str, body: object | None, timeout: float) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            value = json.loads(error.read()).get("value", {})
            detail = f"{value.get('error')}: {value.get('message')}"
        except (ValueError, AttributeError):
            detail = str(error)
        raise WebDriverError(f"{method} {url} -> {error.code} {detail}") from None
    return payload.get("value") if isinstance(payload, dict) else payload


@dataclass(frozen=True)
class LogEntry:
    level: str
    source: str
    message: str


class Browser:
    """One WebDriver session; use :func:`open_browser`."""

    def __init__(self, base_url: str, session_id: str) -> None:
        self._url = f"{base_url}/session/{session_id}"

    def _call(self, method: str, path: str, body: object | None = None) -> Any:
        return _request(f"{self._url}{path}", method, body, timeout=30)

    def get(self, url: str) -> None:
        """Navigate and wait for the page's load event (W3C 'normal' page load strategy)."""
        self._call("POST", "/url", {"url": url})

    @property
    def title(self) -> str:
        return str(self._call("GET", "/title"))

    def execute(self, script: str, *args: object) -> Any:
        """Run ``script`` as a function body in the page (``return`` gives the value)."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page (the window is grown to the page's height, capped)."""
        height = int(self.execute("return document.documentElement.scrollHeight"))
        self._call("POST", "/window/rect", {"width": 1280, "height": min(max(height, 600), 12000)})
        png = base64.b64decode(self._call("GET", "/screenshot"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        return path

    def log(self, kind: str) -> list[LogEntry]:
        """Drain ChromeDriver's ``browser`` or ``performance`` log."""
        entries = self._call("POST", "/se/log", {"type": kind}) or []
        return [
            LogEntry(str(e.get("level")), str(e.get("source", "")), str(e.get("message")))
            for e in entries
        ]

    def network_events(self) -> list[dict[str, Any]]:
        """The DevTools ``Network.*`` events recorded since the last call."""
        events = []
        for entry in self.log("performance"):
            message = json.loads(entry.message).get("message", {})
            if str(message.get("method", "")).startswith("Network."):
                events.append(message)
        return events


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise WebDriverError(f"chromedriver exited ({process.returncode}); see {log_path}")
        with contextlib.suppress(OSError, ValueError):
            status = _request(f"{base_url}/status", "GET", None, timeout=2)
            if isinstance(status, dict) and status.get("ready"):
                return
        time.sleep(0.05)
    raise WebDriverError(f"chromedriver did not become ready in 15 s; see {log_path}")


@contextlib.contextmanager
def open_browser() -> Iterator[Browser]:
    """Start chromedriver and one headless Chromium session with a new empty profile."""
    workdir = Path(tempfile.mkdtemp(prefix="newsetl-chromium-"))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "chromedriver.log"
    process = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}", f"--log-path={log_path}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(base_url, process, log_path)
        capabilities = {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [*CHROMIUM_ARGS, f"--user-data-dir={workdir / 'profile'}"],
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        }
        created = _request(
            f"{base_url}/session",
            "POST",
            {"capabilities": {"alwaysMatch": capabilities}},
            timeout=60,
        )
        session_id = str(created["sessionId"])
    except WebDriverError as error:
        _stop(process)
        tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
        shutil.rmtree(workdir, ignore_errors=True)
        raise WebDriverError(
            f"could not start Chromium: {error}\nchromedriver log:\n{tail}"
        ) from None
    try:
        yield Browser(base_url, session_id)
    finally:
        with contextlib.suppress(OSError, WebDriverError):
            _request(f"{base_url}/session/{session_id}", "DELETE", None, timeout=15)
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the chromedriver we started (it ends the Chromium of a deleted session)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
