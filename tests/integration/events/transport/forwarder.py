"""A bootstrap address that refuses connections until told to forward them to the real broker.

Kafka clients only bootstrap through the address they are given and then talk to the broker's
advertised listener, so making the bootstrap unreachable and reachable again is how a test stands for
"the broker is down, then back" without stopping the broker every other test shares.
"""

from __future__ import annotations

import socket
import threading

CHUNK = 65536


class Forwarder:
    """Holds a port bound but not listening (connections are refused) until :meth:`start`."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self._target = (host, int(port))
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> None:
        self._listener.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            upstream = socket.create_connection(self._target)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy until either side closes, then close both so the other direction ends too."""
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        source.close()
        sink.close()
