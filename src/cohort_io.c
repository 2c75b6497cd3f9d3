/*-------------------------------------------------------------------------
 *
 * cohort_io.c
 *	  The binary and text forms of clv_cohort_state: version 2 (canonical
 *	  order), and version 1 of clv 0.2.0, still read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "libpq/pqformat.h"
#include "miscadmin.h"

#include "cohort_state.h"

/* ----------------------------------------------------------------
 * Binary form (network byte order; the text form is "clv_cohort_state:"
 * and base64 of it)
 *
 *	int32	version (2; 1 is the form of clv 0.2.0, still read)
 *	int32	flags (0)
 *	int32	period (ClvPeriod)
 *	int32	length of the time zone name, then its bytes
 *	int32	key kind (ClvKeyKind; 0 = no customer yet)
 *	int32	scale, int32 dscale
 *	int32	hasrows (0/1), int32 last period (0 without rows)
 * then in version 2:
 *	int32	number of customer-periods, then each in canonical order:
 *			key (clv_key_send), int64 period, int64 orders, revenue
 *			(clv_send_int128)
 * and in version 1:
 *	int32	number of customers, then each key (clv_key_send)
 *	int32	number of customer-periods, then each, in any order:
 *			int32 customer (0-based, in the order above), int32 period,
 *			int64 orders, int64 revenue high half, int64 revenue low half
 * ----------------------------------------------------------------
 */

/* The header of a binary form, checked */
typedef struct CohortWireHead
{
	int32		version;
	CohortHead	head;
	char		tzname[TZ_STRLEN_MAX];
	int32		count;			/* entries (2), customers (1) */
	int32		minperiod;		/* bounds of a valid period index */
	int32		maxperiod;
} CohortWireHead;

/* Report a malformed binary value (22P03) */
pg_noreturn static void
BadBinary(const char *detail)
{
	clv_bad_external(COHORT_TYPNAME, detail);
}

/* Read and check the header of a binary form, up to its first count */
static void
ReadHead(StringInfo buf, CohortWireHead *w)
{
	int32		period,
				tzlen,
				kind,
				hasrows;
	CohortHead *h = &w->head;

	clv_recv_need(buf, 4, COHORT_TYPNAME);
	w->version = pq_getmsgint(buf, 4);
	if (w->version != COHORT_VERSION && w->version != COHORT_VERSION_V1)
		BadBinary("Unsupported format version.");
	clv_recv_need(buf, 12, COHORT_TYPNAME);
	if (pq_getmsgint(buf, 4) != 0)
		BadBinary("Unknown flags are set.");
	period = pq_getmsgint(buf, 4);
	if (period < CLV_PERIOD_FIRST || period > CLV_PERIOD_LAST)
		BadBinary("The period is invalid.");
	h->period = (ClvPeriod) period;
	tzlen = pq_getmsgint(buf, 4);
	if (tzlen <= 0 || tzlen >= TZ_STRLEN_MAX || tzlen > buf->len - buf->cursor)
		BadBinary("The time zone name is invalid.");
	memcpy(w->tzname, pq_getmsgbytes(buf, tzlen), tzlen);
	w->tzname[tzlen] = '\0';
	if (strlen(w->tzname) != (size_t) tzlen)
		BadBinary("The time zone name is invalid.");
	h->tzname = w->tzname;

	clv_recv_need(buf, 24, COHORT_TYPNAME);
	kind = pq_getmsgint(buf, 4);
	h->scale = pq_getmsgint(buf, 4);
	h->dscale = pq_getmsgint(buf, 4);
	hasrows = pq_getmsgint(buf, 4);
	h->lastperiod = pq_getmsgint(buf, 4);
	w->count = pq_getmsgint(buf, 4);
	clv_period_bounds(h->period, &w->minperiod, &w->maxperiod);
	if (hasrows && (h->lastperiod < w->minperiod || h->lastperiod > w->maxperiod))
		BadBinary("The last period is out of range.");
	if (kind < CLV_KEY_NONE || kind > CLV_KEY_TEXT ||
		(kind == CLV_KEY_NONE && w->count != 0))
		BadBinary("The customer key kind is invalid.");
	h->keykind = (ClvKeyKind) kind;
	if (h->scale < 0 || h->scale > CLV_MAX_SCALE || h->dscale < h->scale || h->dscale > 0x3FFF)
		BadBinary("The revenue scale is invalid.");
	if ((hasrows != 0 && hasrows != 1) || w->count < 0 || (w->count > 0 && !hasrows) ||
		(!hasrows && h->lastperiod != 0) || w->count > (buf->len - buf->cursor) / 4)
		BadBinary("The row counts are invalid.");
	h->hasrows = hasrows;
	/* the zone must be one timezone() knows (22023 otherwise) */
	clv_zone_check(w->tzname);
}

/* Read and check the fields of an entry (the key and period are read) */
static void
RecvFields(StringInfo buf, void *entry, void *arg)
{
	const CohortWireHead *w = (const CohortWireHead *) arg;
	CohortEntry *e = (CohortEntry *) entry;

	clv_recv_need(buf, 24, COHORT_TYPNAME);
	e->orders = pq_getmsgint64(buf);
	e->revenue = clv_recv_int128(buf);
	if (e->orders < 0 || e->period < w->minperiod || e->period > w->maxperiod ||
		e->period > w->head.lastperiod)
		BadBinary("A customer-period is invalid.");
}

static void
SendFields(StringInfo buf, const void *entry, void *arg)
{
	const CohortEntry *e = (const CohortEntry *) entry;

	pq_sendint64(buf, e->orders);
	clv_send_int128(buf, e->revenue);
}

/* Order of two keys of kind "kind" (for the check of version 1 keys) */
static int
CompareKeys(const void *a, const void *b, void *arg)
{
	return clv_key_cmp(*(const ClvKeyKind *) arg, (const ClvKey *) a, (const ClvKey *) b);
}

/*
 * The rest of a version 1 form (clv 0.2.0), converted to a flat value: the
 * customer-periods, with each customer's key once in an arena, are sorted
 * into canonical order; none may appear twice.
 */
static Datum
RecvV1(StringInfo buf, CohortWireHead *w)
{
	int32		ncust = w->count;
	int32		npairs;
	int32		i;
	ClvKey	   *keys;
	ClvKey	   *sorted;
	int64	   *keyrefs;
	char	   *arena = NULL;
	uint64		arenalen = 0;
	CohortEntry *entries;
	ClvFlatTab	t;
	Datum		result;

	keys = palloc_extended(sizeof(ClvKey) * Max(ncust, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < ncust; i++)
	{
		clv_key_recv(buf, w->head.keykind, &keys[i]);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	sorted = palloc_extended(sizeof(ClvKey) * Max(ncust, 1), MCXT_ALLOC_HUGE);
	memcpy(sorted, keys, sizeof(ClvKey) * ncust);
	qsort_arg(sorted, ncust, sizeof(ClvKey), CompareKeys, &w->head.keykind);
	for (i = 1; i < ncust; i++)
		if (clv_key_cmp(w->head.keykind, &sorted[i - 1], &sorted[i]) == 0)
			BadBinary("A customer appears twice.");
	pfree(sorted);

	/* each customer's key reference: the key, or its offset in the arena */
	keyrefs = palloc_extended(sizeof(int64) * Max(ncust, 1), MCXT_ALLOC_HUGE);
	if (w->head.keykind != CLV_KEY_INT8 && ncust > 0)
	{
		uint64		need = 0;

		for (i = 0; i < ncust; i++)
			need += clv_key_arena_bytes(w->head.keykind, keys[i].len);
		arena = palloc_extended(need, MCXT_ALLOC_HUGE);
	}
	for (i = 0; i < ncust; i++)
		keyrefs[i] = w->head.keykind == CLV_KEY_INT8 ? keys[i].ival :
			clv_key_arena_put(arena, &arenalen, &keys[i]);

	clv_recv_need(buf, 4, COHORT_TYPNAME);
	npairs = pq_getmsgint(buf, 4);
	if (npairs < 0 || (npairs > 0 && ncust == 0) || npairs > (buf->len - buf->cursor) / 32)
		BadBinary("The number of customer-periods is invalid.");
	entries = palloc_extended(sizeof(CohortEntry) * Max(npairs, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < npairs; i++)
	{
		int32		cust = pq_getmsgint(buf, 4);
		int32		p = pq_getmsgint(buf, 4);
		CohortEntry *e = &entries[i];

		e->period = p;
		e->orders = pq_getmsgint64(buf);
		e->revenue = clv_recv_int128(buf);
		if (cust < 0 || cust >= ncust || e->orders < 0 || p > w->head.lastperiod ||
			p < w->minperiod || p > w->maxperiod)
			BadBinary("A customer-period is invalid.");
		e->keyref = keyrefs[cust];
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	clv_flat_init(&t, &clv_cohort_spec, w->head.keykind, npairs, (char *) entries,
				  arena, arenalen);
	clv_flat_sort(&t);
	if (clv_flat_has_duplicates(&t))
		BadBinary("A customer-period appears twice.");
	result = clv_cohort_flat_build(&w->head, &t);
	pfree(entries);
	pfree(keyrefs);
	if (arena)
		pfree(arena);
	pfree(keys);
	return result;
}

/* Read and check a binary form of either version: a new flat value */
Datum
clv_cohort_recv(StringInfo buf)
{
	CohortWireHead w;
	ClvFlatTab	t;
	Datum		result;

	ReadHead(buf, &w);
	if (w.version == COHORT_VERSION_V1)
		return RecvV1(buf, &w);

	/* each entry takes at least 36 bytes: reject absurd counts early */
	if ((uint64) w.count * 36 > (uint64) (buf->len - buf->cursor))
		BadBinary("The number of customer-periods is invalid.");
	clv_flat_recv(buf, &clv_cohort_spec, w.head.keykind, w.count, RecvFields, &w, &t);
	result = clv_cohort_flat_build(&w.head, &t);
	pfree(t.entries);
	if (t.arena)
		pfree(t.arena);
	return result;
}

/* The binary form of a state datum */
static bytea *
CohortSend(Datum d)
{
	StringInfoData buf;
	CohortView	v;
	int			tzlen;

	clv_cohort_view(d, &v);
	tzlen = strlen(v.head.tzname);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, COHORT_VERSION);
	pq_sendint32(&buf, 0);
	pq_sendint32(&buf, (int32) v.head.period);
	pq_sendint32(&buf, tzlen);
	pq_sendbytes(&buf, v.head.tzname, tzlen);
	pq_sendint32(&buf, (int32) v.head.keykind);
	pq_sendint32(&buf, v.head.scale);
	pq_sendint32(&buf, v.head.dscale);
	pq_sendint32(&buf, v.head.hasrows ? 1 : 0);
	pq_sendint32(&buf, v.head.hasrows ? v.head.lastperiod : 0);
	pq_sendint32(&buf, (int32) v.flat.nentries);
	clv_flat_send(&buf, &v.flat, SendFields, NULL);
	return pq_endtypsend(&buf);
}

/* Text input: "clv_cohort_state:<base64 of the binary form>" */
PG_FUNCTION_INFO_V1(clv_cohort_state_in);
Datum
clv_cohort_state_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(clv_state_in(COHORT_TYPNAME, PG_GETARG_CSTRING(0), clv_cohort_recv));
}

/* Text output */
PG_FUNCTION_INFO_V1(clv_cohort_state_out);
Datum
clv_cohort_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(clv_state_out(COHORT_TYPNAME, PG_GETARG_DATUM(0), CohortSend));
}

/* Binary input */
PG_FUNCTION_INFO_V1(clv_cohort_state_recv);
Datum
clv_cohort_state_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(clv_state_recv(COHORT_TYPNAME, (StringInfo) PG_GETARG_POINTER(0), clv_cohort_recv));
}

/* Binary output */
PG_FUNCTION_INFO_V1(clv_cohort_state_send);
Datum
clv_cohort_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(CohortSend(PG_GETARG_DATUM(0)));
}

