"""Small servers on 127.0.0.1 for tests and benches that need what the lab does not
run: `ChainServer` serves one of the lab's chains (pki/<label>.chain.pem) — accepting
only TLS 1.3, say, or with its certificate switched while it runs (renewed on the same
host and port); `Listener` is the accept loop under it, for other one-off servers."""
import os
import socket
import ssl
import threading


class Listener:
    """Accepts on 127.0.0.1:port (0: any free one) until close(), each connection
    handed to accepted() on the listening thread."""

    def __init__(self, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted(conn)

    def accepted(self, conn):
        raise NotImplementedError

    def close(self):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(5)
        self.sock.close()


class ChainServer(Listener):
    """Each connection is handshaken and held until the peer closes (a probe that
    stops early closes first)."""

    def __init__(self, pki, label, minimum=ssl.TLSVersion.TLSv1_2, port=0):
        super().__init__(port)
        self.pki, self.minimum = pki, minimum
        self.serve(label)
        self.start()

    def serve(self, label):
        """From the next connection on, the chain and key of `label`."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = self.minimum
        context.load_cert_chain(os.path.join(self.pki, f"{label}.chain.pem"),
                                os.path.join(self.pki, f"{label}.key.pem"))
        self.context = context

    def accepted(self, conn):
        threading.Thread(target=self.one, args=(conn, self.context), daemon=True).start()

    @staticmethod
    def one(conn, context):
        conn.settimeout(30)
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()
