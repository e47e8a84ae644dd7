"""A minimal LSP client over a subprocess's stdio: enough to time a language server the way an editor drives it.

A reader thread parses the `Content-Length` frames and stamps each message with `time.perf_counter()` the moment it
is complete, so a latency measured with this client is the server's, not the client's event loop's. Requests the
server sends (workspace/configuration, client/registerCapability, progress tokens) are answered at once.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class LspError(RuntimeError):
    pass


class LspClient:
    def __init__(self, command: list[str], cwd: str | Path, settings: dict | None = None,
                 stderr_path: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.started = time.perf_counter()
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=env)
        self.settings = settings
        self._next_id = 0
        self._write_lock = threading.Lock()
        self._responses: dict[int, tuple[threading.Event, list]] = {}
        self.notifications: queue.Queue[tuple[float, dict]] = queue.Queue()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    # --- wire ---------------------------------------------------------------------------------------------------

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        with self._write_lock:
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read_loop(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return  # the server exited
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            body = stream.read(length)
            received = time.perf_counter()
            message = json.loads(body)
            if "method" in message and "id" in message:
                self._answer(message)
            elif "id" in message:
                slot = self._responses.get(message["id"])
                if slot:
                    slot[1].append((received, message))
                    slot[0].set()
            else:
                self.notifications.put((received, message))

    def _answer(self, request: dict) -> None:
        method = request["method"]
        result: Any = None
        if method == "workspace/configuration":
            items = request.get("params", {}).get("items", [])
            result = [self.settings.get(item.get("section"), None) if self.settings else None for item in items]
        self._send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    # --- API ----------------------------------------------------------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = 60) -> tuple[float, Any]:
        """Send a request; return (seconds until the response arrived, result)."""
        self._next_id += 1
        request_id = self._next_id
        event: threading.Event = threading.Event()
        self._responses[request_id] = (event, [])
        sent = time.perf_counter()
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        if not event.wait(timeout):
            raise LspError(f"no response to {method} within {timeout} s")
        received, message = self._responses.pop(request_id)[1][0]
        if "error" in message:
            raise LspError(f"{method} failed: {message['error']}")
        return received - sent, message.get("result")

    def notify(self, method: str, params: Any) -> float:
        """Send a notification; return the perf_counter() just before it was written."""
        sent = time.perf_counter()
        self._send({"jsonrpc": "2.0", "method": method, "params": params})
        return sent

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float) -> tuple[float, dict]:
        """The first notification matching ``predicate`` (earlier ones are dropped): (arrival time, message)."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise LspError("timed out waiting for a notification")
            try:
                received, message = self.notifications.get(timeout=left)
            except queue.Empty:
                raise LspError("timed out waiting for a notification") from None
            if predicate(message):
                return received, message

    def drain(self) -> None:
        while not self.notifications.empty():
            self.notifications.get_nowait()

    def initialize(self, root: Path, capabilities: dict, options: Any = None, timeout: float = 60) -> dict:
        uri = root.resolve().as_uri()
        _, result = self.request("initialize", {
            "processId": None, "rootUri": uri, "rootPath": str(root),
            "workspaceFolders": [{"uri": uri, "name": root.name}],
            "capabilities": capabilities, "initializationOptions": options,
        }, timeout)
        self.notify("initialized", {})
        return result

    def shutdown(self) -> None:
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=10)
                self.notify("exit", None)
                self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a server that will not stop politely is stopped below
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self._stderr is not subprocess.DEVNULL:
                self._stderr.close()


def vm_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (peak) of a process, in KiB, from /proc (Linux only)."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                values[name] = int(value.split()[0])
    return values


# Push-only client capabilities, like Neovim 0.7: no textDocument.diagnostic, so the server must publish.
PUSH_CAPABILITIES = {
    "textDocument": {
        "synchronization": {"didSave": True, "dynamicRegistration": False},
        "publishDiagnostics": {"relatedInformation": True},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
    },
    "workspace": {"configuration": True, "workspaceFolders": True},
    "window": {"workDoneProgress": True},
}
# Pull-capable client capabilities (VS Code, newer Neovim): diagnostics are requested with textDocument/diagnostic.
PULL_CAPABILITIES = {
    **PUSH_CAPABILITIES,
    "textDocument": {**PUSH_CAPABILITIES["textDocument"], "diagnostic": {"dynamicRegistration": False}},
}
