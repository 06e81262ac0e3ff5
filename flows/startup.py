"""What ``newsetl run`` starts ahead of need, so that it overlaps other work on the other core.

**Prefect's temporary API server.** Without ``PREFECT_API_URL`` Prefect starts a temporary
server (a uvicorn subprocess serving ``prefect.server.api.server:create_app`` on SQLite under
``PREFECT_HOME``) at the flow's first API call, and the run waits for it doing nothing: about
5 s on a warm machine. Launching the same subprocess first lets it boot on the other core while
this process imports Prefect and Great Expectations, and spares this
process the import of Prefect's server package (about 3 s and 80 MB), which it only needed for
Prefect's launcher.

The command and environment are Prefect 3.8's own (``SubprocessASGIServer._run_uvicorn_command``
in ``prefect/server/api/server.py``; Prefect is pinned): the server runs in ephemeral mode, no
UI, no background services.

**The language detectors** (``warm_up_language_models``): lingua builds them in native code,
on about 1.6 cores for 2 s. The flow starts this once its scan has found work, while it reads
the first batch. Started with the imports (as before), it slowed them by 3 s: two cores cannot
hold the imports, the server's boot and the build at once, and a run with nothing new paid for
models it never used.

Nothing here imports Prefect, Great Expectations or pandas.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

_POLL_SECONDS = 0.05


class PrefectServerFailed(RuntimeError):
    """The temporary server exited or did not answer in time."""


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _startup_timeout() -> float:
    return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "20"))


def wait_for_prefect_api(api_url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Poll the health check of the Prefect server ``process`` serves at ``api_url`` until it
    answers (True) or ``timeout`` seconds have passed (False); the server exiting first raises
    ``PrefectServerFailed``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = process.poll()
        if status is not None:
            raise PrefectServerFailed(f"Prefect's server exited with code {status}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(_POLL_SECONDS)
    return False


class TemporaryPrefectServer:
    """One temporary Prefect API server for this process and the workers it starts.

    Its port is bound here and the listening socket handed to uvicorn (``--fd``), so the API URL
    is final from the start: worker processes launched before the server answers (see
    ``flows.runtime.start_worker_forkserver``) can be given it, and no other program can take
    the port between choosing it and binding it. Requests that come early wait in the socket's
    backlog.
    """

    def __init__(self) -> None:
        listener = _listening_socket()
        self.port = int(listener.getsockname()[1])
        try:
            self.process = self._launch(listener.fileno())
        finally:
            listener.close()  # the server holds its own copy
        # Registered before Prefect is imported, so it runs after Prefect's own exit handlers
        # (atexit is last in, first out) and the server outlives their final API calls.
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self, fd: int) -> subprocess.Popen[bytes]:
        spec = importlib.util.find_spec("prefect")
        assert spec is not None and spec.origin is not None, "prefect is not installed"
        app_dir = Path(spec.origin).parent.parent
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(app_dir),
            "--factory",
            "prefect.server.api.server:create_app",
            "--fd",
            str(fd),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ]
        env = {
            **os.environ,
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        env.pop("PREFECT_API_URL", None)
        return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, pass_fds=(fd,))

    def wait_until_ready(self) -> str:
        """Block until the server answers its health check; its API URL."""
        if wait_for_prefect_api(self.api_url, self.process, _startup_timeout()):
            return self.api_url
        self.stop()
        raise PrefectServerFailed(
            f"Prefect's temporary server did not answer within {_startup_timeout():.0f} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


#: One short and one long line per language newsetl expects: enough to make the language
#: module build the lingua detectors a news batch needs (high accuracy below 60 characters,
#: low accuracy above).
_WARM_UP_LINES = (
    "Leave a review",
    "The foreign ministers met in Baku on Monday to discuss the peace treaty and the border.",
    "Die Außenminister trafen sich am Montag in Baku, um über den Friedensvertrag zu sprechen.",
    "Les ministres se sont réunis lundi à Bakou pour discuter du traité de paix.",
    "Dışişleri bakanları pazartesi günü Bakü'de barış anlaşmasını görüştü.",
    "Xarici işlər nazirləri bazar ertəsi Bakıda sülh müqaviləsini müzakirə ediblər.",
    "Bakıda görüş",
    "Министры иностранных дел встретились в Баку в понедельник, чтобы обсудить мирный договор.",
    "Новости дня",
    "Міністри закордонних справ зустрілися в Баку, щоб обговорити мирний договір і кордон.",
    "Сыртқы істер министрлері дүйсенбіде Бакуде бейбіт келісімді талқылады.",
    "Արտաքին գործերի նախարարները երկուշաբթի հանդիպեցին Բաքվում։",
    "საგარეო საქმეთა მინისტრები ორშაბათს ბაქოში შეხვდნენ.",
    "وزیران امور خارجه روز دوشنبه در باکو دیدار کردند تا درباره پیمان صلح گفتگو کنند.",
)


def warm_up_language_models() -> threading.Thread:
    """Build the language detectors in a thread while the caller goes on (reads files).

    lingua loads its models in native code that mostly runs without the GIL, so this overlaps
    a second or two that the first batch would otherwise wait for. Results are unaffected: the
    detectors are the ones the first batch would build (a detector is built once, under a lock,
    so a batch that needs one mid-build waits for it), and nothing is remembered.
    """

    def build() -> None:
        from transforms.language import detect_languages

        detect_languages(_WARM_UP_LINES, remember=False)

    thread = threading.Thread(target=build, name="newsetl-warm-up", daemon=True)
    thread.start()
    return thread
