"""A TCP proxy between a workstation and PostgreSQL that cuts the connection after a
chosen number of bytes (either direction), with a reset, the way a township link dies."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class CuttingProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.cut_after: int | None = None  # bytes per connection; None = never
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            Link(self, client, upstream, self.cut_after).start()


class Link:
    def __init__(
        self,
        proxy: CuttingProxy,
        client: socket.socket,
        upstream: socket.socket,
        budget: int | None,
    ) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.budget = budget
        self.lock = threading.Lock()
        self.dead = False

    def start(self) -> None:
        threading.Thread(target=self._pump, args=(self.client, self.upstream), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.upstream, self.client), daemon=True).start()

    def _kill(self) -> None:
        with self.lock:
            if self.dead:
                return
            self.dead = True
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                # linger 0: close with a reset, as a dropped link looks to both ends
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                # wakes the other direction's thread blocked in recv (close alone would not)
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                with self.lock:
                    if self.dead:
                        return
                    if self.budget is not None:
                        if len(data) >= self.budget:
                            data = data[: self.budget]
                            self.budget = 0
                        else:
                            self.budget -= len(data)
                if data:
                    dst.sendall(data)
                if self.budget == 0:
                    self.proxy.cuts += 1
                    break
        except OSError:
            pass
        self._kill()
