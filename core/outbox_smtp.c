/*
 * outbox_smtp - hand queued mail to the MTA over one persistent SMTP session
 *
 * The transport of SubmissionServer (inet:PORT@HOST or inet6:PORT@HOST):
 * libcurl's SMTP client with one easy handle kept for the worker's life,
 * so several messages travel over one connection (MAIL FROM:<>, RCPT TO,
 * DATA each; libcurl keeps the connection between transfers, checks that
 * it is still alive before reusing it, dot-stuffs the data and ends it
 * with CRLF.CRLF). A transfer that fails on a reused connection before
 * the server answered anything (the MTA closed an idle session, was
 * restarted) is tried once more on a fresh connection; any other failure
 * (no connection, a 4xx or 5xx reply, the OutboxTimeout) is returned to
 * the outbox, which keeps the row and retries it later: nothing is lost.
 * After a failed transfer libcurl closes the connection, so the next
 * message starts clean.
 *
 * No process per message and no setgid helper: it works under systemd's
 * NoNewPrivileges=yes, where Postfix's sendmail(1) cannot run postdrop.
 * Failure: bz_outbox_smtp_send returns -1 with a one-line diagnostic.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buzon/buf.h"
#include "buzon/outbox.h"
#include "buzon/xalloc.h"

struct bz_outbox_smtp {
	CURL	*curl;
	char	*url;
	int	 timeout;
	char	 errbuf[CURL_ERROR_SIZE];	/* libcurl's own, bounded text */
};

/* the message being read by libcurl */
struct reader {
	const char	*p;
	size_t		 left;
};

/* bz_outbox_smtp_url - smtp:// URL of an inet:/inet6: server; NULL and err */
char *
bz_outbox_smtp_url(const char *server, struct bz_buf *err)
{
	const char *rest, *at, *host;
	struct bz_buf url = BZ_BUF_INIT;
	char helo[256];
	long port;
	char *end;
	int v6;

	if (server == NULL || server[0] == '\0') {
		bz_buf_puts(err, "SubmissionServer is empty");
		return NULL;
	}
	if (strncmp(server, "inet:", 5) == 0) {
		rest = server + 5;
		v6 = 0;
	} else if (strncmp(server, "inet6:", 6) == 0) {
		rest = server + 6;
		v6 = 1;
	} else {
		bz_buf_printf(err, "SubmissionServer %s: expected inet:port@host or "
		    "inet6:port@host", server);
		return NULL;
	}
	errno = 0;
	port = strtol(rest, &end, 10);
	at = end;
	if (errno != 0 || end == rest || *at != '@' || port < 1 || port > 65535 ||
	    at[1] == '\0') {
		bz_buf_printf(err, "SubmissionServer %s: expected inet:port@host with "
		    "a port 1-65535", server);
		return NULL;
	}
	host = at + 1;
	if (strpbrk(host, "/?#@ \t") != NULL) {
		bz_buf_printf(err, "SubmissionServer %s: bad host", server);
		return NULL;
	}
	/* The path of an smtp:// URL is the name libcurl says in EHLO. */
	if (gethostname(helo, sizeof(helo)) != 0 || helo[0] == '\0' ||
	    strpbrk(helo, "/?#@ \t") != NULL)
		strcpy(helo, "localhost");
	helo[sizeof(helo) - 1] = '\0';
	if (v6 && host[0] != '[')
		bz_buf_printf(&url, "smtp://[%s]:%ld/%s", host, port, helo);
	else
		bz_buf_printf(&url, "smtp://%s:%ld/%s", host, port, helo);
	return bz_buf_steal(&url);
}

/* read_message - libcurl's read callback: the next piece of the message */
static size_t
read_message(char *buf, size_t size, size_t nitems, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nitems;

	if (n > r->left)
		n = r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

/* bz_outbox_smtp_new - a client for SERVER; NULL and err when unusable */
struct bz_outbox_smtp *
bz_outbox_smtp_new(const char *server, int timeout, struct bz_buf *err)
{
	struct bz_outbox_smtp *s;
	char *url;

	if ((url = bz_outbox_smtp_url(server, err)) == NULL)
		return NULL;
	/* Thread-safe since libcurl 7.84; the daemon calls it before smfi_main. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		bz_buf_puts(err, "outbox: libcurl initialisation failed");
		free(url);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->url = url;
	s->timeout = timeout > 0 ? timeout : 1;
	if ((s->curl = curl_easy_init()) == NULL) {
		bz_buf_puts(err, "outbox: libcurl handle could not be created");
		bz_outbox_smtp_free(s);
		return NULL;
	}
	return s;
}

/* bz_outbox_smtp_free - close the session (NULL is fine) */
void
bz_outbox_smtp_free(struct bz_outbox_smtp *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL) {
		curl_easy_cleanup(s->curl);
		curl_global_cleanup();
	}
	free(s->url);
	free(s);
}

/* transfer - one MAIL/RCPT/DATA; CURLE_OK or libcurl's code */
static CURLcode
transfer(struct bz_outbox_smtp *s, struct curl_slist *rcpts, struct reader *r,
    int fresh)
{
	CURL *c = s->curl;

	curl_easy_reset(c);	/* keeps the connection cache */
	s->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(s->timeout < 30 ? s->timeout : 30));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)s->timeout);
	/* no CURLOPT_MAIL_FROM: the null reverse-path, MAIL FROM:<> */
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(c, CURLOPT_READDATA, r);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->left);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, (long)fresh);
	return curl_easy_perform(c);
}

/* bz_outbox_smtp_send - one message to one recipient; 0 accepted, -1 not */
int
bz_outbox_smtp_send(struct bz_outbox_smtp *s, const char *rcpt, const void *msg,
    size_t len, struct bz_buf *diag)
{
	struct bz_buf crlf = BZ_BUF_INIT, to = BZ_BUF_INIT;
	struct curl_slist *rcpts;
	struct reader r;
	long code = 0, connects = 0;
	CURLcode rc;

	bz_buf_reset(diag);
	/* SMTP wants CRLF; libcurl would double a CR already there. */
	bz_buf_append_crlf(&crlf, msg, len);
	bz_buf_printf(&to, "<%s>", rcpt);
	if ((rcpts = curl_slist_append(NULL, bz_buf_str(&to))) == NULL) {
		bz_buf_puts(diag, "SMTP: out of memory");
		bz_buf_free(&to);
		bz_buf_free(&crlf);
		return -1;
	}

	r.p = crlf.data ? crlf.data : "";
	r.left = crlf.len;
	rc = transfer(s, rcpts, &r, 0);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &connects);
	/* A reused connection the MTA had closed: once more, on a new one. */
	if (rc != CURLE_OK && connects == 0 && (code == 0 || code == 421)) {
		r.p = crlf.data ? crlf.data : "";
		r.left = crlf.len;
		rc = transfer(s, rcpts, &r, 1);
		code = 0;
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	}
	if (rc != CURLE_OK) {
		bz_buf_printf(diag, "SMTP to %s: %s", s->url,
		    s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc));
		if (code > 0)
			bz_buf_printf(diag, " (last reply %ld)", code);
	}
	curl_slist_free_all(rcpts);
	bz_buf_free(&to);
	bz_buf_free(&crlf);
	return rc == CURLE_OK ? 0 : -1;
}
