#!/usr/bin/env python3
"""smtp-spread - send prepared messages over several SMTP servers at once

Usage: smtp-spread.py LIST PORTS THREADS DEADLINE RESULTS ATTEMPTS

LIST holds one "TOKEN FILE" per line: the messages to send, each once.
PORTS is a comma-separated list of SMTP ports on 127.0.0.1. THREADS
senders take the messages in LIST order; message i goes first to port
i mod len(PORTS), and each retry to the next port, as a client MTA with
two MX hosts of equal preference would do. A message is retried after
any 4xx reply, a refused or dropped connection or a timeout, half a
second later, until it got 250 or 5xx or DEADLINE seconds (from the
start) passed. Envelope: patron@empresa.test to buzon@imss.test.

RESULTS gets one line per message once it is done: "TOKEN CODE PORT
TRIES", CODE the final reply (250, a 5xx, or "none" past the deadline),
PORT the server that gave it. ATTEMPTS gets one line per try: "TIME
TOKEN PORT CODE" (CODE "conn" for a connection error). Both are flushed
line by line, so a test can follow the progress while this runs.
Exit status 0 once every message has its line in RESULTS.
"""

import smtplib
import sys
import threading
import time

FROM = "patron@empresa.test"
TO = "buzon@imss.test"


def main():
    listfile, ports, threads, deadline, results, attempts = sys.argv[1:7]
    ports = [int(p) for p in ports.split(",")]
    deadline = time.monotonic() + float(deadline)
    with open(listfile) as f:
        work = [line.split() for line in f if line.strip()]
    lock = threading.Lock()
    nxt = [0]
    res = open(results, "a", buffering=1)
    att = open(attempts, "a", buffering=1)

    def log_try(token, port, code):
        with lock:
            att.write("%.3f %s %d %s\n" % (time.time(), token, port, code))

    def try_once(port, data):
        """one SMTP transaction; the reply code, or 'conn'"""
        try:
            with smtplib.SMTP("127.0.0.1", port, "client.empresa.test",
                              timeout=60) as s:
                s.sendmail(FROM, [TO], data)
            return 250
        except smtplib.SMTPRecipientsRefused as e:
            return list(e.recipients.values())[0][0]
        except smtplib.SMTPResponseException as e:
            return e.smtp_code
        except (smtplib.SMTPException, OSError):
            return "conn"

    def sender():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(work):
                return
            token, path = work[i]
            with open(path, "rb") as f:
                data = f.read()
            tries = 0
            code, port = "none", ports[i % len(ports)]
            while time.monotonic() < deadline:
                port = ports[(i + tries) % len(ports)]
                tries += 1
                code = try_once(port, data)
                log_try(token, port, code)
                if code == 250 or (isinstance(code, int) and code >= 500):
                    break
                code = "none"
                time.sleep(0.5)
            with lock:
                res.write("%s %s %d %d\n" % (token, code, port, tries))

    pool = [threading.Thread(target=sender) for _ in range(int(threads))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
