/*
 * accept-milter - the trivial milter of contrib/bench's configuration (b)
 *
 *	usage: accept-milter SOCKET	(e.g. unix:/tmp/x/milter.sock)
 *
 * Follows every step of a message (connect to end of message, body
 * included) and accepts it at the end, changing nothing: the cost of the
 * milter protocol alone, against which buzon-milter's own work is
 * measured. Runs in the foreground until SIGTERM (libmilter's signal
 * thread stops smfi_main). Not installed; built by contrib/bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

/* step - every callback but the last: go on */
static sfsistat
step(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	(void)sa;
	return step(ctx);
}

static sfsistat
on_envfrom(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return step(ctx);
}

static sfsistat
on_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return step(ctx);
}

static sfsistat
on_header(SMFICTX *ctx, char *name, char *value)
{
	(void)name;
	(void)value;
	return step(ctx);
}

static sfsistat
on_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	(void)p;
	(void)n;
	return step(ctx);
}

/* on_eom - the whole message was seen: accept it unchanged */
static sfsistat
on_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc;

	if (argc != 2) {
		fprintf(stderr, "usage: accept-milter SOCKET\n");
		return 2;
	}
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = (char *)"accept-milter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_connect = on_connect;
	desc.xxfi_envfrom = on_envfrom;
	desc.xxfi_envrcpt = on_envrcpt;
	desc.xxfi_header = on_header;
	desc.xxfi_eoh = step;
	desc.xxfi_body = on_body;
	desc.xxfi_eom = on_eom;
	if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE ||
	    smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "accept-milter: cannot listen on %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
