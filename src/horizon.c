/*-------------------------------------------------------------------------
 *
 * horizon.c
 *	  clv_agg(customer_id, ordered_at, amount, horizon): average revenue per
 *	  customer in the first `horizon` after their first order, over the
 *	  customers observed for at least `horizon`.
 *
 * Definition: for customer i with first order at f_i, the window revenue
 * is the sum of the customer's amounts (orders and refunds) with
 * ordered_at < f_i + horizon (interval arithmetic, as timestamptz + interval
 * in the session TimeZone).  Observation ends at E, the latest order in the
 * group.  Customer i qualifies when f_i + horizon <= E.  The result is the
 * mean window revenue over qualifying customers, NULL when none qualifies.
 *
 * State (type clv_horizon_state): per customer the first order time f, the
 * window end w = f + horizon and the rows that fall before w, kept because
 * rows arrive in any order and an earlier first order moves the window
 * (rows at or after the new w are then dropped; rows at or after w are
 * never kept, as w only moves earlier).  For input in time order, only the
 * rows inside each window are ever stored.
 *
 * Expanded form: a ClvKeyDict of HorizonEntry plus a node pool of
 * HorizonNode linked per customer.  Flat form: header, entries (with the
 * node count of each customer in place of the list head), the nodes of
 * each customer in entry order, then the key arena.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "clv.h"

#define CLV_HORIZON_VERSION 1
#define CLV_HORIZON_MAGIC 0x434c5648	/* "CLVH" */
#define NO_NODE PG_UINT32_MAX
#define NO_TIME PG_INT64_MAX

/* Per-customer entry (32 bytes) */
typedef struct HorizonEntry
{
	int64		keyref;
	TimestampTz first;			/* first order, NO_TIME if none yet */
	TimestampTz wend;			/* first + horizon, NO_TIME if none yet */
	uint32		head;			/* expanded: first node; flat: node count */
	uint32		unused;
} HorizonEntry;

/* A kept row: time and amount at the state's scale (32 bytes) */
typedef struct HorizonNode
{
	TimestampTz t;
	uint32		next;
	uint32		unused;
	int64		hi;
	uint64		lo;
} HorizonNode;

typedef struct HorizonFlat
{
	int32		vl_len_;
	uint8		version;
	uint8		keykind;
	uint16		flags;			/* 1 = horizon set */
	uint32		nentries;
	int32		scale;
	int32		dscale;
	Interval	horizon;
	TimestampTz maxorder;		/* latest order; DT_NOBEGIN if none */
	uint64		nnodes;
	uint64		arenalen;
	/* HorizonEntry entries[nentries]; HorizonNode nodes[nnodes]; arena */
} HorizonFlat;

#define HORIZON_SET 0x0001

typedef struct HorizonState
{
	ExpandedObjectHeader hdr;
	int			magic;
	uint16		flags;
	int32		scale;
	int32		dscale;
	Interval	horizon;
	TimestampTz maxorder;
	ClvKeyDict	dict;			/* entries are HorizonEntry */
	HorizonNode *nodes;
	uint32		nnodes;			/* used slots (live + free) */
	uint32		capnodes;
	uint32		freelist;
	uint64		live;			/* live nodes */
} HorizonState;

typedef struct HorizonArgTypes
{
	Oid			keytype;
	ClvKeyKind	keykind;
	Oid			timetype;
	ClvAmountKind amountkind;
} HorizonArgTypes;

static Size HorizonGetFlatSize(ExpandedObjectHeader *eohptr);
static void HorizonFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods horizon_methods =
{
	HorizonGetFlatSize,
	HorizonFlattenInto
};

static inline int128
NodeValue(const HorizonNode *n)
{
	return (int128) (((uint128) (uint64) n->hi << 64) | (uint128) n->lo);
}

static inline void
NodeSetValue(HorizonNode *n, int128 v)
{
	n->hi = (int64) (v >> 64);
	n->lo = (uint64) v;
}

/* Create an empty expanded state */
static HorizonState *
HorizonCreate(MemoryContext parent, ClvKeyKind kind, uint32 capacity)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "clv_horizon_state", ALLOCSET_SMALL_SIZES);
	HorizonState *s = MemoryContextAllocZero(cxt, sizeof(HorizonState));

	EOH_init_header(&s->hdr, &horizon_methods, cxt);
	s->magic = CLV_HORIZON_MAGIC;
	s->maxorder = DT_NOBEGIN;
	s->freelist = NO_NODE;
	clv_keydict_init(&s->dict, cxt, kind, sizeof(HorizonEntry), capacity, "clv_agg");
	return s;
}

/* Window end of a first order time */
static TimestampTz
WindowEnd(HorizonState *s, TimestampTz first)
{
	TimestampTz w;

	w = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												TimestampTzGetDatum(first),
												PointerGetDatum(&s->horizon)));
	if (TIMESTAMP_NOT_FINITE(w))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("first order plus horizon is out of range")));
	return w;
}

/* Allocate a node */
static uint32
NodeAlloc(HorizonState *s)
{
	uint32		id;

	if (s->freelist != NO_NODE)
	{
		id = s->freelist;
		s->freelist = s->nodes[id].next;
		return id;
	}
	if (s->nnodes >= s->capnodes)
	{
		uint64		newcap = Max((uint64) s->capnodes * 2, 64);

		if (newcap >= NO_NODE)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many orders in one clv_agg horizon state")));
		clv_check_state_memory(clv_keydict_memory(&s->dict) + newcap * sizeof(HorizonNode), "clv_agg");
		if (s->nodes)
			s->nodes = repalloc_huge(s->nodes, newcap * sizeof(HorizonNode));
		else
			s->nodes = MemoryContextAllocHuge(s->hdr.eoh_context, newcap * sizeof(HorizonNode));
		s->capnodes = (uint32) newcap;
	}
	return s->nnodes++;
}

/* Raise the state's scale, rescaling every live node */
static void
HorizonRescale(HorizonState *s, int32 scale)
{
	uint32		i;

	if (scale <= s->scale)
		return;
	for (i = 0; i < s->dict.nentries; i++)
	{
		HorizonEntry *e = CLV_KEYDICT_ENTRY(&s->dict, i);
		uint32		n;

		for (n = e->head; n != NO_NODE; n = s->nodes[n].next)
		{
			ClvMoney	m = {NodeValue(&s->nodes[n]), s->scale, s->scale};

			clv_money_rescale(&m, scale);
			NodeSetValue(&s->nodes[n], m.value);
		}
		CHECK_FOR_INTERRUPTS();
	}
	s->scale = scale;
}

/* Record an order time for customer entry id: move the window, drop rows */
static void
HorizonSetFirst(HorizonState *s, uint32 id, TimestampTz t)
{
	HorizonEntry *e = CLV_KEYDICT_ENTRY(&s->dict, id);
	uint32	   *link;

	if (t > s->maxorder)
		s->maxorder = t;
	if (e->first != NO_TIME && t >= e->first)
		return;
	e->first = t;
	e->wend = WindowEnd(s, t);
	/* drop the rows now past the window */
	link = &e->head;
	while (*link != NO_NODE)
	{
		uint32		n = *link;

		if (s->nodes[n].t >= e->wend)
		{
			*link = s->nodes[n].next;
			s->nodes[n].next = s->freelist;
			s->freelist = n;
			s->live--;
		}
		else
			link = &s->nodes[n].next;
	}
}

/* Keep a row of customer entry id if it falls in the window */
static void
HorizonAddRow(HorizonState *s, uint32 id, TimestampTz t, const ClvMoney *m)
{
	HorizonEntry *e;
	uint32		n;
	ClvMoney	v = *m;

	if (v.scale > s->scale)
		HorizonRescale(s, v.scale);
	clv_money_rescale(&v, s->scale);
	if (v.dscale > s->dscale)
		s->dscale = v.dscale;
	e = CLV_KEYDICT_ENTRY(&s->dict, id);
	if (e->first != NO_TIME && t >= e->wend)
		return;
	n = NodeAlloc(s);
	e = CLV_KEYDICT_ENTRY(&s->dict, id);
	s->nodes[n].t = t;
	NodeSetValue(&s->nodes[n], v.value);
	s->nodes[n].next = e->head;
	e->head = n;
	s->live++;
}

/* Look up (inserting) a customer */
static uint32
HorizonLookup(HorizonState *s, const ClvKey *key)
{
	bool		found;
	uint32		id = clv_keydict_lookup(&s->dict, key, &found);

	if (!found)
	{
		HorizonEntry *e = CLV_KEYDICT_ENTRY(&s->dict, id);

		e->first = NO_TIME;
		e->wend = NO_TIME;
		e->head = NO_NODE;
	}
	return id;
}

/* Set or check the horizon */
static void
HorizonSetHorizon(HorizonState *s, const Interval *h)
{
	if (s->flags & HORIZON_SET)
	{
		if (s->horizon.month != h->month || s->horizon.day != h->day ||
			s->horizon.time != h->time)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("horizon must be the same for all rows of a group")));
		return;
	}
	if (h->month < 0 || h->day < 0 || h->time < 0 ||
		(h->month == 0 && h->day == 0 && h->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be positive"),
				 errdetail("The horizon was %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, PointerGetDatum(h))))));
	s->horizon = *h;
	s->flags |= HORIZON_SET;
}

/* ---- flat form ---- */

static Size
HorizonGetFlatSize(ExpandedObjectHeader *eohptr)
{
	HorizonState *s = (HorizonState *) eohptr;
	Size		sz = sizeof(HorizonFlat) + (Size) s->dict.nentries * sizeof(HorizonEntry) +
		(Size) s->live * sizeof(HorizonNode) + s->dict.arenalen;

	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("clv_horizon_state is too large to store as one value"),
				 errhint("Use a shorter horizon or group the input.")));
	return sz;
}

static void
HorizonFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	HorizonState *s = (HorizonState *) eohptr;
	HorizonFlat *f = (HorizonFlat *) result;
	HorizonEntry *fe = (HorizonEntry *) ((char *) f + sizeof(HorizonFlat));
	HorizonNode *fn = (HorizonNode *) (fe + s->dict.nentries);
	uint64		k = 0;
	uint32		i;

	memset(f, 0, sizeof(HorizonFlat));
	SET_VARSIZE(f, allocated_size);
	f->version = CLV_HORIZON_VERSION;
	f->keykind = s->dict.kind;
	f->flags = s->flags;
	f->nentries = s->dict.nentries;
	f->scale = s->scale;
	f->dscale = s->dscale;
	f->horizon = s->horizon;
	f->maxorder = s->maxorder;
	f->nnodes = s->live;
	f->arenalen = s->dict.arenalen;
	for (i = 0; i < s->dict.nentries; i++)
	{
		HorizonEntry *e = CLV_KEYDICT_ENTRY(&s->dict, i);
		uint32		cnt = 0;
		uint32		n;

		fe[i] = *e;
		for (n = e->head; n != NO_NODE; n = s->nodes[n].next)
		{
			fn[k] = s->nodes[n];
			fn[k].next = 0;
			k++;
			cnt++;
		}
		fe[i].head = cnt;
	}
	Assert(k == s->live);
	if (s->dict.arenalen > 0)
		memcpy((char *) (fn + k), s->dict.arena, s->dict.arenalen);
}

/* Validate a flat value's header */
static HorizonFlat *
HorizonFlatCheck(Datum d)
{
	HorizonFlat *f = (HorizonFlat *) PG_DETOAST_DATUM(d);

	if (VARSIZE(f) < sizeof(HorizonFlat) || f->version != CLV_HORIZON_VERSION ||
		VARSIZE(f) != sizeof(HorizonFlat) + (Size) f->nentries * sizeof(HorizonEntry) +
		f->nnodes * sizeof(HorizonNode) + f->arenalen)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid clv_horizon_state value")));
	return f;
}

/* The key of entry i of a flat value */
static void
FlatGetKey(HorizonFlat *f, uint32 i, ClvKey *key)
{
	HorizonEntry *fe = (HorizonEntry *) ((char *) f + sizeof(HorizonFlat));
	const char *arena = (const char *) ((HorizonNode *) (fe + f->nentries) + f->nnodes);

	clv_key_from_ref((ClvKeyKind) f->keykind, fe[i].keyref, arena, key);
}

/* Merge a flat value into a mutable state */
static void
HorizonMergeFlat(HorizonState *s, HorizonFlat *f)
{
	HorizonEntry *fe = (HorizonEntry *) ((char *) f + sizeof(HorizonFlat));
	HorizonNode *fn = (HorizonNode *) (fe + f->nentries);
	uint64		k = 0;
	uint32		i;

	if (f->keykind != CLV_KEY_NONE)
	{
		if (s->dict.kind == CLV_KEY_NONE && s->dict.nentries == 0)
			s->dict.kind = f->keykind;
		else if (s->dict.kind != f->keykind)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("cannot merge clv_horizon_state values with %s and %s customer keys",
							clv_key_kind_name(s->dict.kind), clv_key_kind_name(f->keykind))));
	}
	if (f->flags & HORIZON_SET)
		HorizonSetHorizon(s, &f->horizon);
	if (f->maxorder != DT_NOBEGIN && f->maxorder > s->maxorder)
		s->maxorder = f->maxorder;
	for (i = 0; i < f->nentries; i++)
	{
		ClvKey		key;
		uint32		id;
		uint32		c;

		FlatGetKey(f, i, &key);
		id = HorizonLookup(s, &key);
		if (fe[i].first != NO_TIME)
			HorizonSetFirst(s, id, fe[i].first);
		for (c = 0; c < fe[i].head; c++, k++)
		{
			ClvMoney	m = {NodeValue(&fn[k]), f->scale, f->dscale};

			HorizonAddRow(s, id, fn[k].t, &m);
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* Get the transition state as a mutable expanded object in aggcontext */
static HorizonState *
HorizonGetMutable(FunctionCallInfo fcinfo, MemoryContext aggcontext, ClvKeyKind kind)
{
	HorizonState *s;
	HorizonFlat *f;

	if (PG_ARGISNULL(0))
		return HorizonCreate(aggcontext, kind, 16);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		s = (HorizonState *) DatumGetEOHP(PG_GETARG_DATUM(0));
		if (s->magic != CLV_HORIZON_MAGIC)
			elog(ERROR, "expanded object is not a clv_horizon_state");
		if (MemoryContextGetParent(s->hdr.eoh_context) == aggcontext)
			return s;
	}
	/* a flat value (detoasting flattens any other expanded value) */
	f = HorizonFlatCheck(PG_GETARG_DATUM(0));
	s = HorizonCreate(aggcontext, (ClvKeyKind) f->keykind, Max(f->nentries, 16));
	HorizonMergeFlat(s, f);
	return s;
}

/*
 * clv_horizon_accum(state, customer_id, ordered_at, amount, horizon)
 */
PG_FUNCTION_INFO_V1(clv_horizon_accum);
Datum
clv_horizon_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	HorizonArgTypes *t;
	HorizonState *s;
	ClvKey		key;
	TimestampTz ts;
	ClvMoney	m;
	uint32		id;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate", "clv_horizon_accum"),
				 errhint("Use the aggregate clv_agg(customer_id, ordered_at, amount, horizon).")));

	t = (HorizonArgTypes *) fcinfo->flinfo->fn_extra;
	if (t == NULL)
	{
		t = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(HorizonArgTypes));
		t->keytype = clv_fn_arg_type(fcinfo->flinfo, 1);
		t->timetype = clv_fn_arg_type(fcinfo->flinfo, 2);
		t->keykind = clv_key_kind(t->keytype);
		t->amountkind = clv_amount_kind(clv_fn_arg_type(fcinfo->flinfo, 3));
		fcinfo->flinfo->fn_extra = t;
	}

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("horizon must not be null")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	s = HorizonGetMutable(fcinfo, aggcontext, t->keykind);
	HorizonSetHorizon(s, PG_GETARG_INTERVAL_P(4));
	ts = clv_time_from_datum(PG_GETARG_DATUM(2), t->timetype);
	clv_money_from_datum(PG_GETARG_DATUM(3), t->amountkind, &m);
	if (s->dict.kind == CLV_KEY_NONE && s->dict.nentries == 0)
		s->dict.kind = t->keykind;
	clv_key_from_datum(PG_GETARG_DATUM(1), t->keytype, t->keykind, &key);
	id = HorizonLookup(s, &key);
	if (clv_money_sign(&m) >= 0)
		HorizonSetFirst(s, id, ts);
	HorizonAddRow(s, id, ts, &m);
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
}

/* clv_horizon_merge(state, state): combine function */
PG_FUNCTION_INFO_V1(clv_horizon_merge);
Datum
clv_horizon_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	HorizonState *s;
	HorizonFlat *f;
	Datum		in;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate", "clv_horizon_merge"),
				 errhint("Use the aggregate clv_agg(customer_id, ordered_at, amount, horizon).")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	in = PG_GETARG_DATUM(1);
	f = HorizonFlatCheck(in);	/* detoasting flattens an expanded input */
	s = HorizonGetMutable(fcinfo, aggcontext, (ClvKeyKind) f->keykind);
	HorizonMergeFlat(s, f);
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
}

/* clv_horizon_final(state): mean window revenue of qualifying customers */
PG_FUNCTION_INFO_V1(clv_horizon_final);
Datum
clv_horizon_final(PG_FUNCTION_ARGS)
{
	HorizonState *s;
	ClvMoney	total;
	int64		qualifying = 0;
	uint32		i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		/* a flat value: expand it in the current context */
		HorizonFlat *f = HorizonFlatCheck(PG_GETARG_DATUM(0));

		s = HorizonCreate(CurrentMemoryContext, (ClvKeyKind) f->keykind, Max(f->nentries, 16));
		HorizonMergeFlat(s, f);
	}
	else
		s = (HorizonState *) DatumGetEOHP(PG_GETARG_DATUM(0));

	memset(&total, 0, sizeof(total));
	total.scale = s->scale;
	total.dscale = s->dscale;
	for (i = 0; i < s->dict.nentries; i++)
	{
		HorizonEntry *e = CLV_KEYDICT_ENTRY(&s->dict, i);
		uint32		n;

		if (e->first == NO_TIME || e->wend > s->maxorder)
			continue;
		qualifying++;
		for (n = e->head; n != NO_NODE; n = s->nodes[n].next)
		{
			if (__builtin_add_overflow(total.value, NodeValue(&s->nodes[n]), &total.value))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("amount out of range for clv")));
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	/* no customer observed for the whole horizon: NULL, like avg() of nothing */
	if (qualifying == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(clv_money_div_count(&total, qualifying));
}

/* ---- I/O ----
 * Binary: version, key kind (bytes), flags (int16), horizon (time int64,
 * day int32, month int32), scale, dscale (int32), maxorder (int64),
 * nentries (uint32), then per entry: key, first (int64), number of rows
 * (uint32), and per row: time (int64), amount (int64 high, int64 low).
 */

/* Order of two customers of a flat value by key (for HorizonSend) */
static int
HorizonKeyCmp(const void *a, const void *b, void *arg)
{
	HorizonFlat *f = (HorizonFlat *) arg;
	ClvKey		ka,
				kb;
	int			c;

	FlatGetKey(f, *(const uint32 *) a, &ka);
	FlatGetKey(f, *(const uint32 *) b, &kb);
	if (f->keykind == CLV_KEY_INT8)
		return (ka.ival > kb.ival) - (ka.ival < kb.ival);
	c = memcmp(ka.bytes, kb.bytes, Min(ka.len, kb.len));
	if (c != 0)
		return c;
	return (ka.len > kb.len) - (ka.len < kb.len);
}

/* Order of two kept rows by time, then amount (for HorizonSend) */
static int
HorizonNodeCmp(const void *a, const void *b)
{
	const HorizonNode *na = (const HorizonNode *) a;
	const HorizonNode *nb = (const HorizonNode *) b;
	int128		va = NodeValue(na);
	int128		vb = NodeValue(nb);

	if (na->t != nb->t)
		return na->t < nb->t ? -1 : 1;
	return (va > vb) - (va < vb);
}

/*
 * The binary form is canonical: customers in key order and each customer's
 * rows in (time, amount) order, so that it depends only on the content of
 * the state, not on the order rows and states arrived in.  Text output of
 * text input is then the same text, and equal states have equal forms.
 */
static bytea *
HorizonSend(HorizonFlat *f)
{
	StringInfoData buf;
	HorizonEntry *fe = (HorizonEntry *) ((char *) f + sizeof(HorizonFlat));
	HorizonNode *fn = (HorizonNode *) (fe + f->nentries);
	uint64	   *start;
	uint32	   *order;
	HorizonNode *rows = NULL;
	uint32		maxrows = 0;
	uint64		k = 0;
	uint32		i;

	start = palloc_extended(sizeof(uint64) * Max(f->nentries, 1), MCXT_ALLOC_HUGE);
	order = palloc_extended(sizeof(uint32) * Max(f->nentries, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < f->nentries; i++)
	{
		start[i] = k;
		order[i] = i;
		k += fe[i].head;
		maxrows = Max(maxrows, fe[i].head);
	}
	if (f->nentries > 1)
		qsort_arg(order, f->nentries, sizeof(uint32), HorizonKeyCmp, f);
	if (maxrows > 0)
		rows = palloc_extended(sizeof(HorizonNode) * maxrows, MCXT_ALLOC_HUGE);

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CLV_HORIZON_VERSION);
	pq_sendbyte(&buf, f->keykind);
	pq_sendint16(&buf, f->flags);
	pq_sendint64(&buf, f->horizon.time);
	pq_sendint32(&buf, f->horizon.day);
	pq_sendint32(&buf, f->horizon.month);
	pq_sendint32(&buf, f->scale);
	pq_sendint32(&buf, f->dscale);
	pq_sendint64(&buf, f->maxorder);
	pq_sendint32(&buf, f->nentries);
	for (i = 0; i < f->nentries; i++)
	{
		uint32		e = order[i];
		ClvKey		key;
		uint32		c;

		FlatGetKey(f, e, &key);
		clv_key_send(&buf, (ClvKeyKind) f->keykind, &key);
		pq_sendint64(&buf, fe[e].first);
		pq_sendint32(&buf, fe[e].head);
		if (fe[e].head > 0)
		{
			memcpy(rows, fn + start[e], sizeof(HorizonNode) * fe[e].head);
			if (fe[e].head > 1)
				qsort(rows, fe[e].head, sizeof(HorizonNode), HorizonNodeCmp);
		}
		for (c = 0; c < fe[e].head; c++)
		{
			pq_sendint64(&buf, rows[c].t);
			pq_sendint64(&buf, rows[c].hi);
			pq_sendint64(&buf, (int64) rows[c].lo);
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(start);
	pfree(order);
	if (rows)
		pfree(rows);
	return pq_endtypsend(&buf);
}

/* Report a malformed external value */
pg_noreturn static void
HorizonBad(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external clv_horizon_state value"),
			 errdetail("%s", detail)));
}

static Datum
HorizonRecv(StringInfo buf)
{
	int			version;
	int			kind;
	uint16		flags;
	Interval	h;
	int32		scale,
				dscale;
	TimestampTz maxorder;
	uint32		n,
				i;
	MemoryContext tmp,
				old;
	HorizonState *s;
	Datum		result;
	TimestampTz seen_max = DT_NOBEGIN;

	clv_recv_need(buf, 1, "clv_horizon_state");
	version = pq_getmsgbyte(buf);
	if (version != CLV_HORIZON_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported clv_horizon_state version %d", version)));
	clv_recv_need(buf, 1 + 2 + 16 + 8 + 8 + 4, "clv_horizon_state");
	kind = pq_getmsgbyte(buf);
	if (kind > CLV_KEY_TEXT)
		HorizonBad("Unknown customer key kind.");
	flags = (uint16) pq_getmsgint(buf, 2);
	if (flags & ~HORIZON_SET)
		HorizonBad("Unknown flags.");
	h.time = pq_getmsgint64(buf);
	h.day = pq_getmsgint(buf, 4);
	h.month = pq_getmsgint(buf, 4);
	scale = pq_getmsgint(buf, 4);
	dscale = pq_getmsgint(buf, 4);
	if (scale < 0 || scale > CLV_MAX_SCALE || dscale < scale || dscale > 0x3FFF)
		HorizonBad("Invalid scale.");
	maxorder = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if ((kind == CLV_KEY_NONE && n != 0) || (!(flags & HORIZON_SET) && n != 0))
		HorizonBad("Customers without a key kind or horizon.");
	if ((uint64) n * 20 > (uint64) (buf->len - buf->cursor))
		HorizonBad("The number of customers does not match the data.");

	tmp = AllocSetContextCreate(CurrentMemoryContext, "clv_horizon_state recv", ALLOCSET_DEFAULT_SIZES);
	s = HorizonCreate(tmp, (ClvKeyKind) kind, Max(n, 16));
	if (flags & HORIZON_SET)
		HorizonSetHorizon(s, &h);
	s->scale = scale;
	s->dscale = dscale;
	for (i = 0; i < n; i++)
	{
		ClvKey		key;
		bool		found;
		uint32		id,
					cnt,
					c;
		TimestampTz first;

		clv_key_recv(buf, (ClvKeyKind) kind, &key);
		clv_recv_need(buf, 12, "clv_horizon_state");
		first = pq_getmsgint64(buf);
		cnt = pq_getmsgint(buf, 4);
		if (first != NO_TIME && TIMESTAMP_NOT_FINITE(first))
			HorizonBad("Invalid first order time.");
		if ((uint64) cnt * 24 > (uint64) (buf->len - buf->cursor))
			HorizonBad("The number of rows does not match the data.");
		id = clv_keydict_lookup(&s->dict, &key, &found);
		if (found)
			HorizonBad("Duplicate customer key.");
		{
			HorizonEntry *e = CLV_KEYDICT_ENTRY(&s->dict, id);

			e->first = NO_TIME;
			e->wend = NO_TIME;
			e->head = NO_NODE;
		}
		if (first != NO_TIME)
		{
			HorizonSetFirst(s, id, first);
			seen_max = Max(seen_max, first);
		}
		for (c = 0; c < cnt; c++)
		{
			ClvMoney	m;
			int64		hi,
						lo;
			TimestampTz t = pq_getmsgint64(buf);
			HorizonEntry *e;

			hi = pq_getmsgint64(buf);
			lo = pq_getmsgint64(buf);
			m.value = (int128) (((uint128) (uint64) hi << 64) | (uint128) (uint64) lo);
			m.scale = scale;
			m.dscale = dscale;
			e = CLV_KEYDICT_ENTRY(&s->dict, id);
			if (TIMESTAMP_NOT_FINITE(t) || (e->first != NO_TIME && t >= e->wend))
				HorizonBad("A row lies outside its customer's window.");
			HorizonAddRow(s, id, t, &m);
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (n > 0 && (TIMESTAMP_NOT_FINITE(maxorder) ? seen_max != DT_NOBEGIN : maxorder < seen_max))
		HorizonBad("Invalid end of observation.");
	s->maxorder = maxorder;
	old = MemoryContextSwitchTo(MemoryContextGetParent(tmp));
	{
		Size		sz = HorizonGetFlatSize(&s->hdr);

		result = PointerGetDatum(palloc(sz));
		HorizonFlattenInto(&s->hdr, DatumGetPointer(result), sz);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return result;
}

PG_FUNCTION_INFO_V1(clv_horizon_state_send);
Datum
clv_horizon_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(HorizonSend(HorizonFlatCheck(PG_GETARG_DATUM(0))));
}

PG_FUNCTION_INFO_V1(clv_horizon_state_recv);
Datum
clv_horizon_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Datum		result = HorizonRecv(buf);

	clv_recv_finish(buf, "clv_horizon_state");
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(clv_horizon_state_out);
Datum
clv_horizon_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(clv_text_encode("clv_horizon_state",
									  HorizonSend(HorizonFlatCheck(PG_GETARG_DATUM(0)))));
}

PG_FUNCTION_INFO_V1(clv_horizon_state_in);
Datum
clv_horizon_state_in(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	Datum		result;

	clv_text_decode("clv_horizon_state", PG_GETARG_CSTRING(0), &buf);
	result = HorizonRecv(&buf);
	clv_recv_finish(&buf, "clv_horizon_state");
	PG_RETURN_DATUM(result);
}
