#!/usr/bin/env python3
#
# tls-proxy.py - a one-connection-at-a-time TLS front for a plain HTTP server
#
# Usage: tls-proxy.py CERT KEY BACKEND_PORT
#
# Listens on 127.0.0.1 (port chosen by the kernel), prints "PORT n" on
# standard output once listening, and relays each TLS connection to
# 127.0.0.1:BACKEND_PORT in clear. Used by tests/unit/test_efirma.c to put
# `openssl ocsp` (which speaks only HTTP) behind HTTPS. Exits after 60
# seconds so a crashed test leaves nothing behind.

import os
import select
import socket
import ssl
import sys
import threading


# Deadlines follow the test suite's one multiplier (slow valgrind runs).
SCALE = max(1, int(os.environ.get("BUZON_TEST_TIMEOUT_SCALE", "1")))


def relay(client, backend_port):
    try:
        back = socket.create_connection(("127.0.0.1", backend_port), timeout=10 * SCALE)
    except OSError:
        client.close()
        return
    socks = [client, back]
    try:
        while True:
            readable, _, _ = select.select(socks, [], [], 10)
            if not readable:
                break
            done = False
            for s in readable:
                data = s.recv(65536)
                if not data:
                    done = True
                    break
                (back if s is client else client).sendall(data)
            if done:
                break
    except (OSError, ssl.SSLError):
        pass
    client.close()
    back.close()


def main():
    cert, key, backend_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    print("PORT %d" % listener.getsockname()[1], flush=True)
    timer = threading.Timer(60 * SCALE, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    listener.settimeout(60 * SCALE)
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            continue
        relay(tls, backend_port)


if __name__ == "__main__":
    main()
