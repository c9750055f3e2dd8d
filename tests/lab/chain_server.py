"""A TLS server on 127.0.0.1 serving one of the lab's chains (pki/<label>.chain.pem),
for tests and benches that need a server the lab does not run: one that accepts only
TLS 1.3, or one whose certificate is switched while it runs (renewed on the same host
and port). Each connection is handshaken and held until the peer closes (a probe
that stops early closes first)."""
import os
import socket
import ssl
import threading


class ChainServer:
    def __init__(self, pki, label, minimum=ssl.TLSVersion.TLSv1_2, port=0):
        self.pki, self.minimum = pki, minimum
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.serve(label)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def serve(self, label):
        """From the next connection on, the chain and key of `label`."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = self.minimum
        context.load_cert_chain(os.path.join(self.pki, f"{label}.chain.pem"),
                                os.path.join(self.pki, f"{label}.key.pem"))
        self.context = context

    def loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
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

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()
