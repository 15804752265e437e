#!/usr/bin/python3
# smtp-load.py - the SMTP client load of contrib/bench
#
#	usage: smtp-load.py PORT SESSIONS FROM TO FILE...
#
# Sends every FILE once (one transaction each, in order of the arguments,
# shared among SESSIONS concurrent SMTP sessions to 127.0.0.1:PORT; each
# session keeps its connection for all its messages, as an MTA's smtp
# client does with connection caching) and prints one line of figures:
#	sent N accepted A tempfail T rejected R errors E elapsed S
#	start T0 end T1 p50 MS p99 MS
# elapsed, start and end in seconds (wall clock, time.time()); p50/p99 the
# per-transaction latency (MAIL FROM to the reply to the final dot) in
# milliseconds. With SESSIONS 1 it is the single-session latency. The same
# client for every configuration: only the server side changes.
import smtplib
import sys
import threading
import time


def main():
    port, sessions, sender, rcpt = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    messages = []
    for name in sys.argv[5:]:
        with open(name, 'rb') as f:
            messages.append(f.read())
    lock = threading.Lock()
    state = {'next': 0, 'accepted': 0, 'tempfail': 0, 'rejected': 0, 'errors': 0}
    latencies = []

    def take():
        with lock:
            i = state['next']
            if i >= len(messages):
                return None
            state['next'] = i + 1
            return messages[i]

    def count(what, ms=None):
        with lock:
            state[what] += 1
            if ms is not None:
                latencies.append(ms)

    def session():
        s = None
        while True:
            msg = take()
            if msg is None:
                break
            try:
                if s is None:
                    s = smtplib.SMTP('127.0.0.1', port, local_hostname='client.empresa.test',
                                     timeout=300)
                    s.ehlo()
                t = time.monotonic()
                s.sendmail(sender, [rcpt], msg)
                count('accepted', (time.monotonic() - t) * 1000)
            except smtplib.SMTPResponseException as e:
                count('tempfail' if 400 <= e.smtp_code < 500 else 'rejected')
                sys.stderr.write('smtp-load: %d %s\n' % (e.smtp_code, e.smtp_error[:200]))
            except smtplib.SMTPRecipientsRefused as e:
                codes = [c for c, _ in e.recipients.values()]
                count('tempfail' if all(400 <= c < 500 for c in codes) else 'rejected')
            except (OSError, smtplib.SMTPException) as e:
                count('errors')
                sys.stderr.write('smtp-load: %s\n' % e)
                s = None
        if s is not None:
            try:
                s.quit()
            except (OSError, smtplib.SMTPException):
                pass

    threads = [threading.Thread(target=session) for _ in range(sessions)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t1 = time.time()
    latencies.sort()

    def quantile(q):
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    print('sent %d accepted %d tempfail %d rejected %d errors %d elapsed %.3f '
          'start %.3f end %.3f p50 %.2f p99 %.2f' %
          (len(messages), state['accepted'], state['tempfail'], state['rejected'],
           state['errors'], t1 - t0, t0, t1, quantile(0.50), quantile(0.99)))
    return 0 if state['accepted'] == len(messages) else 1


if __name__ == '__main__':
    sys.exit(main())
