/*-------------------------------------------------------------------------
 * clv_fuzz.c
 *	  Bounded mutation fuzzer of the text and binary input functions of
 *	  clv's custom types, run against a live server through libpq.
 *
 * The input functions need a backend (palloc, ereport), so instead of an
 * in-process libFuzzer target this client drives the real functions the way
 * a client or a dump/restore would: each mutated value is sent as a query
 * parameter of the type, in binary format (the server calls the type's
 * receive function on the raw bytes) or in text format (the input
 * function).  A value the server accepts is then used: the per-type probe
 * query calls the output and send functions and the type's accessors and
 * combine functions on it, so a value that passes validation but is not
 * internally consistent is caught too.
 *
 * Seeds: the query given with -s returns rows (type name, probe query with
 * one parameter $1 of that type, seed value in text form).  The fuzzer
 * fetches each seed's binary form from the server, then until the time is
 * up picks a seed, applies 1-4 random mutations (bit flips, interesting
 * bytes and 16/32/64-bit integers at random offsets, truncation, extension,
 * deletion, duplication, splicing with another seed of the same type) and
 * sends it in binary form, or as "<prefix>:<base64>" text (sometimes with
 * the text itself damaged).
 *
 * Every error must carry a specific SQLSTATE: XX000 (internal error),
 * XX001/XX002 (corruption), 08P01 (protocol violation, e.g. pq_getmsg* on
 * truncated input), a lost connection (a backend crash) and a statement
 * that does not end within 30 s of its statement_timeout (2 s: a loop that
 * never checks for interrupts) are failures.  A statement cancelled by the
 * timeout (57014) is fine: a valid state can describe a huge cohort table
 * (e.g. orders in 2000 and in 294276 AD), and the cancellation worked.
 * Each failing input is written to the crash directory as
 * "<type> <text|binary> <hex bytes>" lines and printed; the fuzzer
 * reconnects after a crash and goes on.  Exit status: 0 no failure, 1
 * failures, 2 setup error.
 *
 *	  clv_fuzz -d CONNINFO -s SEEDQUERY -t SECONDS [-r SEED] [-o CRASHFILE]
 *
 * Repeatable with -r: the same seed and the same server give the same
 * sequence of inputs (up to timing).
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/select.h>

#include "libpq-fe.h"

#define MAX_SEEDS 256
#define MAX_LEN (1 << 20)
#define Min(a, b) ((a) < (b) ? (a) : (b))

typedef struct Seed
{
	char	   *typname;
	unsigned int typoid;
	char	   *probe;
	char	   *stmt;			/* prepared statement name */
	unsigned char *bin;
	int			binlen;
} Seed;

static Seed seeds[MAX_SEEDS];
static int	nseeds;
static const char *conninfo;
static const char *crashfile;
static PGconn *conn;
static uint64_t rng;

static long n_exec,
			n_ok,
			n_err,
			n_fail,
			n_crash,
			n_timeout;

/* xorshift64*: a small repeatable generator */
static uint64_t
Rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static int
RandBelow(int n)
{
	return n <= 0 ? 0 : (int) (Rand() % (uint64_t) n);
}

/* connect and set the per-statement limits */
static int
Connect(void)
{
	PGresult   *r;

	if (conn)
		PQfinish(conn);
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
		return 0;
	r = PQexec(conn, "SET statement_timeout = '2s'; SET client_min_messages = error; SET TimeZone = 'UTC'");
	PQclear(r);
	return 1;
}

/* wait for the server to accept connections again (after a crash) */
static int
Reconnect(void)
{
	int			i;

	for (i = 0; i < 120; i++)
	{
		if (Connect())
			return 1;
		sleep(1);
	}
	return 0;
}

static int
Prepare(Seed *s)
{
	PGresult   *r;
	unsigned int oid = s->typoid;
	int			ok;

	r = PQprepare(conn, s->stmt, s->probe, 1, &oid);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "clv_fuzz: cannot prepare the probe of %s: %s", s->typname, PQerrorMessage(conn));
	PQclear(r);
	return ok;
}

static int
PrepareAll(void)
{
	int			i;

	for (i = 0; i < nseeds; i++)
	{
		int			j,
					done = 0;

		/* one statement per type: seeds of a type share the first one's */
		for (j = 0; j < i; j++)
			if (strcmp(seeds[j].typname, seeds[i].typname) == 0)
			{
				seeds[i].stmt = seeds[j].stmt;
				done = 1;
				break;
			}
		if (!done && !Prepare(&seeds[i]))
			return 0;
	}
	return 1;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
Base64(const unsigned char *p, int len, const char *prefix)
{
	size_t		plen = strlen(prefix);
	char	   *out = malloc(plen + 2 + (len + 2) / 3 * 4 + 1);
	char	   *o = out;
	int			i;

	memcpy(o, prefix, plen);
	o += plen;
	*o++ = ':';
	for (i = 0; i < len; i += 3)
	{
		uint32_t	v = p[i] << 16;

		if (i + 1 < len)
			v |= p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64chars[(v >> 18) & 63];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64chars[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static void
PutInt(unsigned char *buf, int len, int pos, uint64_t v, int width)
{
	int			k;

	for (k = 0; k < width && pos + k < len; k++)
		buf[pos + k] = (unsigned char) (v >> (8 * (width - 1 - k)));
}

static const uint64_t interesting[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xffffffffffffffffULL, 16, 38, 39, 1000, 0xfffffff0ULL
};

/* apply one random mutation to buf[0..*len), capacity MAX_LEN */
static void
Mutate(unsigned char *buf, int *len, const Seed *self)
{
	int			n = *len;
	int			op = RandBelow(11);
	int			pos = RandBelow(n > 0 ? n : 1);

	switch (op)
	{
		case 0:					/* bit flip */
			if (n > 0)
				buf[pos] ^= (unsigned char) (1 << RandBelow(8));
			break;
		case 1:					/* random byte */
			if (n > 0)
				buf[pos] = (unsigned char) Rand();
			break;
		case 2:					/* interesting byte */
			if (n > 0)
				buf[pos] = (unsigned char) interesting[RandBelow(6)];
			break;
		case 3:					/* interesting 16/32/64-bit value */
		case 4:
			{
				int			widths[] = {2, 4, 8};

				PutInt(buf, n, pos, interesting[RandBelow(sizeof(interesting) / sizeof(interesting[0]))],
					   widths[RandBelow(3)]);
			}
			break;
		case 5:					/* truncate */
			*len = RandBelow(n + 1);
			break;
		case 6:					/* append random bytes */
			{
				int			k = 1 + RandBelow(64);

				if (n + k < MAX_LEN)
				{
					while (k-- > 0)
						buf[n++] = (unsigned char) Rand();
					*len = n;
				}
			}
			break;
		case 7:					/* delete a range */
			if (n > 0)
			{
				int			k = 1 + RandBelow(Min(32, n - pos));

				memmove(buf + pos, buf + pos + k, n - pos - k);
				*len = n - k;
			}
			break;
		case 8:					/* duplicate a range (e.g. a customer entry) */
			if (n > 0)
			{
				int			k = 1 + RandBelow(Min(64, n - pos));

				if (n + k < MAX_LEN)
				{
					memmove(buf + pos + k, buf + pos, n - pos);
					*len = n + k;
				}
			}
			break;
		case 9:					/* splice: head of this, tail of another seed of the type */
			{
				const Seed *o = &seeds[RandBelow(nseeds)];

				if (strcmp(o->typname, self->typname) == 0 && o->binlen > 0)
				{
					int			from = RandBelow(o->binlen);
					int			k = o->binlen - from;

					if (pos + k < MAX_LEN)
					{
						memcpy(buf + pos, o->bin + from, k);
						*len = pos + k;
					}
				}
			}
			break;
		case 10:				/* the value after a 4-byte count set huge */
			PutInt(buf, n, pos, 0x7fffffff - RandBelow(4), 4);
			break;
	}
}

static char *
Hex(const unsigned char *p, int len)
{
	char	   *out = malloc(2 * len + 1);
	int			i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * len] = '\0';
	return out;
}

static void
Report(const Seed *s, int binary, const unsigned char *p, int len, const char *why)
{
	char	   *hex = Hex(p, len);
	FILE	   *f;

	n_fail++;
	printf("FAIL %s %s %s: %s\n", s->typname, binary ? "binary" : "text", why, hex);
	fflush(stdout);
	if (crashfile && (f = fopen(crashfile, "a")) != NULL)
	{
		fprintf(f, "%s %s %s\n", s->typname, binary ? "binary" : "text", hex);
		fclose(f);
	}
	free(hex);
}

/*
 * PQexecPrepared with a client-side limit: the server's statement_timeout
 * (2 s) must end every statement; if no answer has come 30 s after it,
 * the statement ignores cancellation.  Returns NULL then (the caller
 * reports the input and stops: the backend is still busy).
 */
static PGresult *
ExecWithWatchdog(const Seed *s, const char **val, int *len, int *fmt)
{
	PGresult   *r,
			   *last = NULL;
	time_t		start = time(NULL);

	if (!PQsendQueryPrepared(conn, s->stmt, 1, val, len, fmt, 0))
		return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
	for (;;)
	{
		while (PQisBusy(conn))
		{
			fd_set		rfds;
			struct timeval tv = {1, 0};
			int			sock = PQsocket(conn);

			if (sock < 0)
				break;
			FD_ZERO(&rfds);
			FD_SET(sock, &rfds);
			if (select(sock + 1, &rfds, NULL, NULL, &tv) < 0)
				continue;
			if (!PQconsumeInput(conn))
				break;
			if (difftime(time(NULL), start) > 32)
			{
				if (last)
					PQclear(last);
				return NULL;
			}
		}
		r = PQgetResult(conn);
		if (r == NULL)
			break;
		if (last)
			PQclear(last);
		last = r;
	}
	return last ? last : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
}

/* run one input; returns 0 when the connection was lost and not regained */
static int
RunOne(const Seed *s, int binary, const unsigned char *p, int len)
{
	PGresult   *r;
	const char *val = (const char *) p;
	int			fmt = binary ? 1 : 0;
	ExecStatusType st;

	n_exec++;
	r = ExecWithWatchdog(s, &val, &len, &fmt);
	if (r == NULL)
	{
		Report(s, binary, p, len, "no answer 30 s after statement_timeout (2 s): a loop without CHECK_FOR_INTERRUPTS?");
		return 0;
	}
	st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		n_ok++;
	else if (PQstatus(conn) != CONNECTION_OK)
	{
		n_crash++;
		Report(s, binary, p, len, "connection lost (backend crash?)");
		PQclear(r);
		if (!Reconnect() || !PrepareAll())
			return 0;
		return 1;
	}
	else
	{
		const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		n_err++;
		if (code && strcmp(code, "57014") == 0)
			n_timeout++;
		if (code == NULL || strcmp(code, "XX000") == 0 || strcmp(code, "XX001") == 0 ||
			strcmp(code, "XX002") == 0 || strcmp(code, "08P01") == 0)
		{
			char		why[512];

			snprintf(why, sizeof(why), "SQLSTATE %s: %s", code ? code : "(none)",
					 PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "");
			Report(s, binary, p, len, why);
		}
	}
	PQclear(r);
	return 1;
}

static void
Usage(void)
{
	fprintf(stderr, "usage: clv_fuzz -d CONNINFO -s SEEDQUERY -t SECONDS [-r SEED] [-o CRASHFILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *seedquery = NULL;
	double		seconds = 10;
	int			c,
				i;
	PGresult   *r;
	time_t		start;
	unsigned char *buf = malloc(MAX_LEN + 64);
	long		per_type_ok[MAX_SEEDS] = {0};

	rng = 0x9E3779B97F4A7C15ULL;
	conninfo = "";
	while ((c = getopt(argc, argv, "d:s:t:r:o:")) != -1)
	{
		switch (c)
		{
			case 'd':
				conninfo = optarg;
				break;
			case 's':
				seedquery = optarg;
				break;
			case 't':
				seconds = atof(optarg);
				break;
			case 'r':
				rng = strtoull(optarg, NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
				break;
			case 'o':
				crashfile = optarg;
				break;
			default:
				Usage();
		}
	}
	if (!seedquery)
		Usage();
	if (!Connect())
	{
		fprintf(stderr, "clv_fuzz: %s", PQerrorMessage(conn));
		return 2;
	}

	/* the seeds, and their binary forms */
	r = PQexec(conn, seedquery);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 3)
	{
		fprintf(stderr, "clv_fuzz: seed query failed: %s", PQerrorMessage(conn));
		return 2;
	}
	for (i = 0; i < PQntuples(r) && nseeds < MAX_SEEDS; i++)
	{
		Seed	   *s = &seeds[nseeds];
		PGresult   *b;
		char		q[512];
		const char *val = PQgetvalue(r, i, 2);
		char		name[32];

		s->typname = strdup(PQgetvalue(r, i, 0));
		s->probe = strdup(PQgetvalue(r, i, 1));
		snprintf(q, sizeof(q), "SELECT $1::text::%s", s->typname);
		b = PQexecParams(conn, q, 1, NULL, &val, NULL, NULL, 1);
		if (PQresultStatus(b) != PGRES_TUPLES_OK || PQntuples(b) != 1)
		{
			fprintf(stderr, "clv_fuzz: seed %d of %s is not valid: %s", i, s->typname, PQerrorMessage(conn));
			return 2;
		}
		s->typoid = PQftype(b, 0);
		s->binlen = PQgetlength(b, 0, 0);
		s->bin = malloc(s->binlen + 1);
		memcpy(s->bin, PQgetvalue(b, 0, 0), s->binlen);
		snprintf(name, sizeof(name), "probe_%d", nseeds);
		s->stmt = strdup(name);
		PQclear(b);
		nseeds++;
	}
	PQclear(r);
	if (nseeds == 0)
	{
		fprintf(stderr, "clv_fuzz: no seeds\n");
		return 2;
	}
	if (!PrepareAll())
		return 2;

	/* every seed as is must pass its probe */
	for (i = 0; i < nseeds; i++)
	{
		long		before = n_ok;

		if (!RunOne(&seeds[i], 1, seeds[i].bin, seeds[i].binlen))
			return 1;
		if (n_ok == before)
		{
			fprintf(stderr, "clv_fuzz: the probe of %s fails on its own seed %d: %s", seeds[i].typname, i,
					PQerrorMessage(conn));
			return 2;
		}
	}

	start = time(NULL);
	while (difftime(time(NULL), start) < seconds)
	{
		int			k;

		for (k = 0; k < 200; k++)
		{
			int			si = RandBelow(nseeds);
			const Seed *s = &seeds[si];
			int			len = s->binlen;
			int			nmut = 1 + RandBelow(4);
			int			binary = RandBelow(2);
			long		before = n_ok;

			memcpy(buf, s->bin, len);
			while (nmut-- > 0)
				Mutate(buf, &len, s);
			if (binary)
			{
				if (!RunOne(s, 1, buf, len))
					goto lost;
			}
			else
			{
				char	   *txt = Base64(buf, len, s->typname);
				int			tlen = strlen(txt);

				/* sometimes damage the text itself */
				if (RandBelow(8) == 0 && tlen > 0)
				{
					int			pos = RandBelow(tlen);

					switch (RandBelow(4))
					{
						case 0:
							txt[pos] = "=:!\x7f A/+"[RandBelow(8)];
							break;
						case 1:
							txt[pos] = '\0';
							break;
						case 2:
							txt[RandBelow(strlen(s->typname) + 1)] ^= 0x20;
							break;
						case 3:
							if (pos > 0)
								txt[pos] = (char) (0x80 | Rand());
							break;
					}
				}
				tlen = strlen(txt);
				if (!RunOne(s, 0, (unsigned char *) txt, tlen))
				{
					free(txt);
					goto lost;
				}
				free(txt);
			}
			if (n_ok > before)
				per_type_ok[si]++;
		}
	}
	printf("clv_fuzz: %ld inputs in %.0f s (%ld accepted, %ld rejected with a specific SQLSTATE, %ld cancelled by statement_timeout), %ld failures, %ld crashes\n",
		   n_exec, difftime(time(NULL), start), n_ok, n_err - (n_fail - n_crash) - n_timeout, n_timeout, n_fail, n_crash);
	{
		int			j;

		for (j = 0; j < nseeds; j++)
		{
			int			first = 1;
			long		acc = 0;

			for (i = 0; i < j; i++)
				if (strcmp(seeds[i].typname, seeds[j].typname) == 0)
					first = 0;
			if (!first)
				continue;
			for (i = 0; i < nseeds; i++)
				if (strcmp(seeds[i].typname, seeds[j].typname) == 0)
					acc += per_type_ok[i];
			printf("clv_fuzz:   %s: %ld mutated values accepted and probed\n", seeds[j].typname, acc);
		}
	}
	PQfinish(conn);
	return n_fail > 0 ? 1 : 0;

lost:
	printf("clv_fuzz: the server did not come back after a crash\n");
	return 1;
}
