"""The gunicorn worker used in production (gunicorn.conf.py): threads, with every client read bounded.

gunicorn's gthread worker hands a connection to a thread once its first bytes arrive, then reads the
rest of the request with a blocking socket that has no timeout: a client that sends half a request
and goes silent holds that thread until it disconnects. `BoundedThreadWorker` gives each connection's
socket a timeout (REQUEST_READ_TIMEOUT seconds, default 15) whenever gunicorn makes it blocking, so a
stalled client fails its read, the request is abandoned and the thread is free again.
"""

import errno
import os
import socket

from gunicorn.workers.gthread import TConn, ThreadWorker

DEFAULT_READ_TIMEOUT = 15.0


def read_timeout() -> float:
    """Seconds a client may stay silent in the middle of its request."""
    return float(os.environ.get("REQUEST_READ_TIMEOUT") or DEFAULT_READ_TIMEOUT)


class BoundedSocket(socket.socket):
    """A client socket on which "blocking" means "blocking for at most the read timeout"."""

    bounded_timeout = DEFAULT_READ_TIMEOUT

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(self.bounded_timeout)
        else:
            super().setblocking(False)

    # A client silent for longer than the timeout is treated as gone: the read ends as at a closed
    # connection, so gunicorn drops a half-sent header and Werkzeug refuses a half-sent body (400,
    # "client disconnected") before the app stores anything; no traceback is logged for it.
    def recv(self, *args, **kwargs) -> bytes:
        try:
            return super().recv(*args, **kwargs)
        except TimeoutError:
            return b""

    def recv_into(self, *args, **kwargs) -> int:
        try:
            return super().recv_into(*args, **kwargs)
        except TimeoutError:
            return 0


def bounded(client: socket.socket, timeout: float) -> socket.socket:
    """The same connection as a BoundedSocket (the file descriptor moves over; `client` is left empty)."""
    wrapped = BoundedSocket(client.family, client.type, client.proto, fileno=client.detach())
    wrapped.bounded_timeout = timeout
    return wrapped


class BoundedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker whose client sockets time out when a client stalls mid-request."""

    def accept(self, listener):
        """As gthread's own `accept`, with the client socket made a BoundedSocket first."""
        try:
            client_sock, client_addr = listener.accept()
            client_sock = bounded(client_sock, read_timeout())
            self.nr_conns += 1
            client_sock.setblocking(True)
            conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())
            self.enqueue_req(conn)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
