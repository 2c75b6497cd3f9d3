/*-------------------------------------------------------------------------
 *
 * btyd_orders.c
 *	  btyd_data(customer_id, ordered_at, amount, observation_end
 *	  [, time_unit]): the inputs of the model fits from raw orders, in one
 *	  pass over all customers (no GROUP BY), on the per-customer state
 *	  engine (custtab.h).
 *
 * The result is a btyd_data pair (BTYD_KIND_ORDERS, models.h): the
 * (frequency, recency, T) of every customer, which bgnbd_fit, mbgnbd_fit
 * and pareto_nbd_fit read, and the (frequency, monetary value) of the
 * repeat buyers with a positive monetary value, which gamma_gamma_fit
 * reads, both collapsed into distinct entries with customer counts and
 * recording the time unit and observation end (every fit passes them on
 * to its model).  The summaries are clv_rfm's, with the same definitions
 * (rfm.c: purchase days, refunds, monetary value), computed with the same
 * arithmetic, so the fits equal those of the clv_rfm path exactly:
 *	 bgnbd_fit(btyd_data(customer_id, ordered_at, amount, E, u))
 *	 = bgnbd_fit(btyd_data(frequency, recency, t), u, E) over
 *	   SELECT (clv_rfm(ordered_at, amount, E, u)).* ... GROUP BY customer_id
 * (and the same for the other fits; sql/btyd_orders.sql checks it).
 *
 * State (internal): one engine table of (customer, day) entries, the
 * sub-key being the calendar day (DateADT, session TimeZone) of a row on
 * or before the observation_end day, holding the exact net amount of the
 * customer's rows of that day and whether one of them is an order (amount
 * >= 0).  This is all a summary needs: the purchase days are the days with
 * an order, and monetary_value sums every amount from the first repeat
 * purchase day on.  Rows arrive in any order; the final function
 * summarises each customer from the entries in two passes and writes the
 * customers in canonical key order (OrdersCustomers).  The state merges
 * exactly (amounts add, order flags OR), so the aggregate has combine,
 * serialize and deserialize functions and runs in parallel plans.
 *
 * Parallel plans.  A partial state arrives serialized in canonical
 * (customer, day) order, and stays so: deserialize keeps it as a sorted
 * run (a flat table, OrdersState.runs), combine collects the runs (at
 * most ORDERS_MAX_RUNS: beyond, the two smallest are merged into one), and
 * the final functions summarise the customers in one pass over the runs
 * merged on the fly (RunsNext: the smallest (customer, day) of the runs'
 * heads, entries of equal keys merged).  A merge of partial states
 * thus costs one sequential pass, where inserting every entry into a hash
 * table again cost more than the whole serial aggregate.  The result is
 * the same as from a table.
 *
 * Per-customer rows.  btyd_summaries (the same state and transition,
 * another final function) writes every customer's summary, not collapsed,
 * into a bytea that btyd_summary_rows returns as one row per customer:
 * clv_predictions' rows from the same pass, without a GROUP BY.  Both final
 * functions summarise the customers with OrdersCustomers.
 *
 * Roll-up.  The result does not roll up (btyd_data_combine refuses pairs):
 * a customer's summary needs every purchase day of the customer, which a
 * result no longer holds.  Stored per-period states could roll up (the
 * (customer, day) entries merge exactly), but their size is that of the
 * distinct (customer, day) pairs of the orders, so this aggregate keeps its
 * state internal and is fed the orders of the whole period at once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/uuid.h"

#include "clv.h"
#include "custtab.h"
#include "models.h"
#include "money.h"
#include "stateio.h"

#define ORDERS_USE "btyd_data(customer_id, ordered_at, amount, observation_end)"

/* A (customer, day) entry: the day's net amount, exact, and its orders */
typedef struct DayEntry
{
	int64		keyref;
	int64		day;			/* sub-key: DateADT */
	int64		hi;				/* net amount: int128 value, in two halves */
	uint64		lo;
	int32		scale;
	int32		dscale;
	int32		orders;			/* 1 if a row of the day is an order */
	int32		unused;
} DayEntry;

/* What a row adds to its entry */
typedef struct DayPayload
{
	int64		hi;
	uint64		lo;
	int32		scale;
	int32		dscale;
	int32		orders;
	int32		unused;
} DayPayload;

/*
 * An exact amount kept in an entry as its parts (the int128 value in two
 * halves, and its scale) += the amount (xhi, xlo, xscale); the display
 * scale is the caller's
 */
static inline void
PartsAdd(int64 *hi, uint64 *lo, int32 *scale, int64 xhi, uint64 xlo, int32 xscale)
{
	ClvMoney	acc;
	ClvMoney	x;

	acc.value = clv_int128_join(*hi, *lo);
	acc.scale = *scale;
	acc.dscale = 0;
	x.value = clv_int128_join(xhi, xlo);
	x.scale = xscale;
	x.dscale = 0;
	clv_money_add(&acc, &x);
	*hi = clv_int128_hi(acc.value);
	*lo = clv_int128_lo(acc.value);
	*scale = acc.scale;
}

/* Add amount (hi, lo, scale, dscale) and an order flag to an entry */
static inline void
DayAdd(DayEntry *e, bool isnew, int64 hi, uint64 lo, int32 scale, int32 dscale, int32 orders)
{
	if (isnew)
	{
		e->hi = hi;
		e->lo = lo;
		e->scale = scale;
		e->dscale = dscale;
	}
	else
	{
		PartsAdd(&e->hi, &e->lo, &e->scale, hi, lo, scale);
		e->dscale = Max(e->dscale, dscale);
	}
	e->orders |= orders;
}

static void
DayMerge(void *dst, const void *src)
{
	const DayEntry *s = (const DayEntry *) src;

	DayAdd((DayEntry *) dst, false, s->hi, s->lo, s->scale, s->dscale, s->orders);
}

static const ClvEntrySpec day_spec = {
	.typname = "btyd_data",
	.memname = "btyd_data",
	.entrysize = sizeof(DayEntry),
	.subkeyed = true,
	.init = NULL,
	.merge = DayMerge,
};

StaticAssertDecl(sizeof(DayEntry) % 8 == 0, "entries are a multiple of 8 bytes");

/*
 * Sorted runs a state keeps: one with this many merges its two smallest
 * before it takes another (each entry of the final pass compares the heads
 * of the runs)
 */
#define ORDERS_MAX_RUNS 3

/* The aggregate state */
typedef struct OrdersState
{
	ClvCustTab	days;
	Size		memory;			/* bytes of the table */
	TimestampTz obs_end;		/* observation_end as given */
	int32		obs_day;		/* its calendar day */
	int32		unit_days;		/* 1 or 7 */
	ClvTimeUnit unit;

	/*
	 * Or, when nruns > 0: the entries are those of sorted runs (flat tables
	 * in canonical order, allocated in the aggregate context; days empty),
	 * deserialized partial states, entries of one key possibly in several
	 * runs
	 */
	int			nruns;
	ClvFlatTab	runs[ORDERS_MAX_RUNS];
} OrdersState;

static void
ApplyRow(void *arg, void *entry, bool isnew, const void *payload)
{
	const DayPayload *p = (const DayPayload *) payload;

	DayAdd((DayEntry *) entry, isnew, p->hi, p->lo, p->scale, p->dscale, p->orders);
}

/* The time unit of summaries in units of 1 or 7 days */
static inline ClvTimeUnit
UnitOfDays(int32 unit_days)
{
	return (unit_days == 7) ? CLV_UNIT_WEEK : CLV_UNIT_DAY;
}

/* A new empty state in the aggregate context */
static OrdersState *
OrdersNew(MemoryContext aggcontext, TimestampTz obs_end, int32 obs_day, int32 unit_days)
{
	OrdersState *s = MemoryContextAllocZero(aggcontext, sizeof(OrdersState));

	s->obs_end = obs_end;
	s->obs_day = obs_day;
	s->unit_days = unit_days;
	s->unit = UnitOfDays(unit_days);
	clv_tab_init(&s->days, &day_spec, aggcontext, CLV_KEY_NONE, 0, &s->memory);
	clv_tab_batch_init(&s->days, sizeof(DayPayload), ApplyRow, s);
	return s;
}

/* Check that observation_end and the unit agree with the state's */
static void
OrdersCheckSame(const OrdersState *s, TimestampTz obs_end, int32 unit_days)
{
	if (s->obs_end != obs_end)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("observation_end must be the same for all rows of btyd_data")));
	if (s->unit_days != unit_days)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time_unit must be the same for all rows of btyd_data")));
}

/* Check the bytes of sorted runs against clv.max_state_memory */
static void
RunsCheckMemory(uint64 nentries, uint64 arenalen)
{
	if (nentries > PG_UINT32_MAX || nentries > MaxAllocHugeSize / sizeof(DayEntry))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct customer days in one btyd_data state")));
	clv_check_state_memory(nentries * sizeof(DayEntry) + arenalen, "btyd_data");
}

/* Free the arrays of a flat table (the arena of integer keys may be NULL) */
static void
FlatFree(ClvFlatTab *f)
{
	if (f->entries)
		pfree(f->entries);
	if (f->arena)
		pfree(f->arena);
}

/*
 * Merging the sorted runs of a state on the fly: RunsNext gives the
 * entries in canonical order, the entries of one (customer, day) in
 * several runs merged (DayMerge) into one
 */
typedef struct RunsCursor
{
	int			nruns;
	const ClvFlatTab *runs[ORDERS_MAX_RUNS];
	uint32		pos[ORDERS_MAX_RUNS];
	DayEntry	cur;			/* the entry (its keyref that of run src) */
	const ClvFlatTab *src;		/* where the key of cur is */
	uint32		srcpos;
	uint32		count;
} RunsCursor;

/* Canonical order of entry i of run a and entry j of run b */
static inline int
RunCmp(const ClvFlatTab *a, uint32 i, const ClvFlatTab *b, uint32 j)
{
	if (a->kind == CLV_KEY_INT8)
	{
		const DayEntry *x = (const DayEntry *) CLV_FLAT_ENTRY(a, i);
		const DayEntry *y = (const DayEntry *) CLV_FLAT_ENTRY(b, j);

		if (x->keyref != y->keyref)
			return x->keyref < y->keyref ? -1 : 1;
		return (x->day > y->day) - (x->day < y->day);
	}
	return clv_flat_cmp(a, i, b, j);
}

static void
RunsStart(RunsCursor *c, const ClvFlatTab *const *runs, int nruns)
{
	memset(c, 0, sizeof(RunsCursor));
	c->nruns = nruns;
	memcpy(c->runs, runs, nruns * sizeof(ClvFlatTab *));
}

static bool
RunsNext(RunsCursor *c)
{
	int			best = -1;
	int			r;

	for (r = 0; r < c->nruns; r++)
		if (c->pos[r] < c->runs[r]->nentries &&
			(best < 0 || RunCmp(c->runs[r], c->pos[r], c->runs[best], c->pos[best]) < 0))
			best = r;
	if (best < 0)
		return false;
	c->src = c->runs[best];
	c->srcpos = c->pos[best]++;
	memcpy(&c->cur, CLV_FLAT_ENTRY(c->src, c->srcpos), sizeof(DayEntry));
	for (r = best + 1; r < c->nruns; r++)
		if (c->pos[r] < c->runs[r]->nentries &&
			RunCmp(c->runs[r], c->pos[r], c->src, c->srcpos) == 0)
			DayMerge(&c->cur, CLV_FLAT_ENTRY(c->runs[r], c->pos[r]++));
	if ((++c->count & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

/* Pointers to the runs of a state */
static int
RunsOf(const OrdersState *s, const ClvFlatTab **runs)
{
	int			r;

	for (r = 0; r < s->nruns; r++)
		runs[r] = &s->runs[r];
	return s->nruns;
}

/* The key kind of a state's runs (CLV_KEY_NONE if they are all empty) */
static ClvKeyKind
RunsKind(const OrdersState *s)
{
	ClvKeyKind	kind = CLV_KEY_NONE;
	int			r;

	for (r = 0; r < s->nruns; r++)
		kind = clv_merge_kinds(&day_spec, kind, s->runs[r].kind);
	return kind;
}

/*
 * Merge two sorted runs into a new one allocated in cxt, with the engine's
 * sorted merge (entries of equal keys merged, each key once in the arena),
 * and free them
 */
static void
RunsMergePair(ClvFlatTab *a, ClvFlatTab *b, MemoryContext cxt, ClvFlatTab *out)
{
	uint64		maxn = (uint64) a->nentries + b->nentries;
	uint64		maxarena = a->arenalen + b->arenalen;
	ClvKeyKind	kind = clv_merge_kinds(&day_spec, a->kind, b->kind);
	char	   *entries;
	char	   *arena;
	uint32		n;
	uint64		arenalen;

	RunsCheckMemory(maxn, maxarena);
	entries = MemoryContextAllocHuge(cxt, Max(maxn * sizeof(DayEntry), 1));
	arena = MemoryContextAllocHuge(cxt, Max(maxarena, 1));
	clv_flat_merge_bounded(a, b, &day_spec, entries, arena, &n, &arenalen);
	FlatFree(a);
	FlatFree(b);
	clv_flat_init(out, &day_spec, kind, n, entries, arena, arenalen);
}

/* Merge all the runs of a state into one */
static void
RunsCollapse(OrdersState *s, MemoryContext cxt)
{
	while (s->nruns > 1)
	{
		RunsMergePair(&s->runs[s->nruns - 2], &s->runs[s->nruns - 1], cxt,
					  &s->runs[s->nruns - 2]);
		s->nruns--;
	}
}

/*
 * Add a sorted run (allocated in the aggregate context) to a state.  A
 * state with ORDERS_MAX_RUNS runs first merges its two smallest: merging
 * k runs of one size so costs about log2(k) passes over the entries (the
 * partial states of many Citus shards), not k / 2.
 */
static void
RunsAdd(OrdersState *s, const ClvFlatTab *run, MemoryContext cxt)
{
	uint64		n = run->nentries;
	uint64		arenalen = run->arenalen;
	int			r;

	(void) clv_merge_kinds(&day_spec, RunsKind(s), run->kind);
	for (r = 0; r < s->nruns; r++)
	{
		n += s->runs[r].nentries;
		arenalen += s->runs[r].arenalen;
	}
	RunsCheckMemory(n, arenalen);
	if (s->nruns == ORDERS_MAX_RUNS)
	{
		int			a = 0;
		int			b = 1;

		/* a, b: the two smallest runs, a < b */
		if (s->runs[1].nentries < s->runs[0].nentries)
		{
			a = 1;
			b = 0;
		}
		for (r = 2; r < s->nruns; r++)
		{
			if (s->runs[r].nentries < s->runs[a].nentries)
			{
				b = a;
				a = r;
			}
			else if (s->runs[r].nentries < s->runs[b].nentries)
				b = r;
		}
		if (a > b)
		{
			r = a;
			a = b;
			b = r;
		}
		RunsMergePair(&s->runs[a], &s->runs[b], cxt, &s->runs[a]);
		for (r = b; r < s->nruns - 1; r++)
			s->runs[r] = s->runs[r + 1];
		s->nruns--;
	}
	s->runs[s->nruns++] = *run;
}

/* Make a state of runs a table again (rows are to be added to it) */
static void
OrdersUnflatten(OrdersState *s)
{
	int			r;

	for (r = 0; r < s->nruns; r++)
	{
		ClvFlatTab *f = &s->runs[r];

		if (f->kind != CLV_KEY_NONE && f->nentries > 0)
		{
			clv_tab_set_kind(&s->days, f->kind, true);
			clv_tab_merge_flat(&s->days, f);
		}
		FlatFree(f);
	}
	s->nruns = 0;
}

/*
 * Transition: btyd_data_accum(state, customer_id, ordered_at,
 * amount, observation_end [, time_unit]).  Rows with a NULL argument are
 * skipped; rows after the observation_end day are not kept.
 */
PG_FUNCTION_INFO_V1(clv_btyd_data_accum_orders);
Datum
clv_btyd_data_accum_orders(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "btyd_data_accum", ORDERS_USE);
	ClvArgTypes *types = clv_arg_types(fcinfo, 1, 2, 3);
	OrdersState *s = PG_ARGISNULL(0) ? NULL : (OrdersState *) PG_GETARG_POINTER(0);
	int			nargs = PG_NARGS();
	TimestampTz obs_end;
	int32		unit_days;
	int32		day;
	ClvMoney	amount;
	ClvKey		key;
	DayPayload *p;
	int			i;

	for (i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
		{
			if (s == NULL)
				PG_RETURN_NULL();
			PG_RETURN_POINTER(s);
		}

	obs_end = PG_GETARG_TIMESTAMPTZ(4);
	unit_days = (nargs > 5) ?
		clv_rfm_unit_days_cached(&types->extra, fcinfo->flinfo->fn_mcxt, PG_GETARG_TEXT_PP(5)) : 1;
	if (s == NULL)
		s = OrdersNew(aggcontext, obs_end,
					  clv_rfm_obs_day_cached(&types->extra, fcinfo->flinfo->fn_mcxt, obs_end),
					  unit_days);
	else
	{
		OrdersCheckSame(s, obs_end, unit_days);
		if (unlikely(s->nruns > 0))
			OrdersUnflatten(s);
	}

	day = clv_rfm_day_cached(&types->extra, fcinfo->flinfo->fn_mcxt,
							 PG_GETARG_DATUM(2), types->timetype);
	clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &amount);
	if (day > s->obs_day)
		PG_RETURN_POINTER(s);

	clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
	if (unlikely(s->days.kind != types->keykind))
		clv_tab_set_kind(&s->days, types->keykind, false);
	p = clv_tab_push(&s->days, &key, day);
	p->hi = clv_int128_hi(amount.value);
	p->lo = clv_int128_lo(amount.value);
	p->scale = amount.scale;
	p->dscale = amount.dscale;
	p->orders = clv_money_sign(&amount) >= 0;
	clv_tab_pushed(&s->days);
	PG_RETURN_POINTER(s);
}

/* The entries of a state's table in canonical order, as a new flat table */
static void
OrdersFlat(OrdersState *s, ClvFlatTab *f)
{
	uint32		n;
	uint64		arenalen;
	char	   *entries;
	char	   *arena;

	if (s->days.kind == CLV_KEY_NONE)
	{
		n = 0;
		arenalen = 0;
	}
	else
		clv_tab_flat_sizes(&s->days, &n, &arenalen);
	entries = palloc_extended(Max((Size) n * sizeof(DayEntry), 1), MCXT_ALLOC_HUGE);
	arena = palloc_extended(Max(arenalen, 1), MCXT_ALLOC_HUGE);
	if (n > 0)
		clv_tab_flatten(&s->days, entries, arena);
	clv_flat_init(f, &day_spec, s->days.kind, n, entries, arena, arenalen);
}

/*
 * Combine: merge state b into a.  The runs of deserialized partial states
 * are collected (the first state is adopted), not merged: the final
 * function merges them in its pass over the entries.
 */
PG_FUNCTION_INFO_V1(clv_btyd_data_combine_orders);
Datum
clv_btyd_data_combine_orders(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "btyd_data_combine", ORDERS_USE);
	OrdersState *a = PG_ARGISNULL(0) ? NULL : (OrdersState *) PG_GETARG_POINTER(0);
	OrdersState *b = PG_ARGISNULL(1) ? NULL : (OrdersState *) PG_GETARG_POINTER(1);
	ClvFlatTab	f;
	int			r;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		if (b->nruns > 0 && GetMemoryChunkContext(b) == aggcontext)
			PG_RETURN_POINTER(b);	/* deserialized in this context: adopt it */
		a = OrdersNew(aggcontext, b->obs_end, b->obs_day, b->unit_days);
	}
	else
		OrdersCheckSame(a, b->obs_end, b->unit_days);

	if (a->nruns > 0 || a->days.kind == CLV_KEY_NONE)
	{
		/* a is runs (or empty): b's entries become runs of a */
		if (b->nruns > 0)
		{
			for (r = 0; r < b->nruns; r++)
			{
				ClvFlatTab	copy = b->runs[r];

				/* b's arrays stay b's unless b lives in this context */
				if (GetMemoryChunkContext(b) != aggcontext)
				{
					Size		esize = (Size) copy.nentries * sizeof(DayEntry);

					copy.entries = MemoryContextAllocHuge(aggcontext, Max(esize, 1));
					memcpy(copy.entries, b->runs[r].entries, esize);
					copy.arena = MemoryContextAllocHuge(aggcontext, Max(copy.arenalen, 1));
					if (copy.arenalen > 0)
						memcpy(copy.arena, b->runs[r].arena, copy.arenalen);
				}
				RunsAdd(a, &copy, aggcontext);
			}
			if (GetMemoryChunkContext(b) == aggcontext)
				b->nruns = 0;	/* the runs are a's now */
		}
		else if (b->days.kind != CLV_KEY_NONE)
		{
			MemoryContext old = MemoryContextSwitchTo(aggcontext);

			OrdersFlat(b, &f);
			MemoryContextSwitchTo(old);
			RunsAdd(a, &f, aggcontext);
		}
	}
	else if (b->nruns > 0)
	{
		for (r = 0; r < b->nruns; r++)
			if (b->runs[r].kind != CLV_KEY_NONE && b->runs[r].nentries > 0)
			{
				clv_tab_set_kind(&a->days, b->runs[r].kind, true);
				clv_tab_merge_flat(&a->days, &b->runs[r]);
			}
	}
	else if (b->days.kind != CLV_KEY_NONE)
	{
		clv_tab_set_kind(&a->days, b->days.kind, true);
		OrdersFlat(b, &f);
		clv_tab_merge_flat(&a->days, &f);
		FlatFree(&f);
	}
	PG_RETURN_POINTER(a);
}

static void
SendFields(StringInfo buf, const void *entry, void *arg)
{
	const DayEntry *e = (const DayEntry *) entry;

	pq_sendint64(buf, e->hi);
	pq_sendint64(buf, (int64) e->lo);
	pq_sendint32(buf, e->scale);
	pq_sendint32(buf, e->dscale);
	pq_sendbyte(buf, (uint8) e->orders);
}

static void
RecvFields(StringInfo buf, void *entry, void *arg)
{
	DayEntry   *e = (DayEntry *) entry;

	clv_recv_need(buf, 25, "btyd_data");
	e->hi = pq_getmsgint64(buf);
	e->lo = (uint64) pq_getmsgint64(buf);
	e->scale = pq_getmsgint(buf, 4);
	e->dscale = pq_getmsgint(buf, 4);
	e->orders = pq_getmsgbyte(buf);
	if (e->scale < 0 || e->scale > CLV_MAX_SCALE || e->dscale < 0 ||
		e->dscale > NUMERIC_MAX_DISPLAY_SCALE || e->orders > 1)
		clv_bad_external("btyd_data", "Invalid day entry.");
}

/*
 * Serialize (parallel plans): int64 observation_end, int32 its day,
 * int32 unit days, uint8 key kind, int32 n, then the entries (engine
 * binary form)
 */
PG_FUNCTION_INFO_V1(clv_btyd_data_serialize);
Datum
clv_btyd_data_serialize(PG_FUNCTION_ARGS)
{
	OrdersState *s = (OrdersState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	ClvFlatTab	f;
	bool		owned;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "btyd_data_serialize called in non-aggregate context");
	if (s->nruns > 0)
	{
		/* one run (its arrays are the state's) */
		if (s->nruns > 1)
			RunsCollapse(s, GetMemoryChunkContext(s));
		f = s->runs[0];
		owned = false;
	}
	else
	{
		OrdersFlat(s, &f);
		owned = true;
	}
	pq_begintypsend(&buf);
	pq_sendint64(&buf, s->obs_end);
	pq_sendint32(&buf, s->obs_day);
	pq_sendint32(&buf, s->unit_days);
	pq_sendbyte(&buf, (uint8) (f.nentries > 0 ? f.kind : CLV_KEY_NONE));
	pq_sendint32(&buf, f.nentries);
	clv_flat_send(&buf, &f, SendFields, NULL);
	if (owned)
		FlatFree(&f);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Deserialize (see clv_btyd_data_serialize) */
PG_FUNCTION_INFO_V1(clv_btyd_data_deserialize);
Datum
clv_btyd_data_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext;
	StringInfoData buf;
	OrdersState *s;
	TimestampTz obs_end;
	int32		obs_day;
	int32		unit_days;
	int			kind;
	uint32		n;
	ClvFlatTab	f;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "btyd_data_deserialize called in non-aggregate context");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	clv_recv_need(&buf, 21, "btyd_data");
	obs_end = pq_getmsgint64(&buf);
	obs_day = pq_getmsgint(&buf, 4);
	unit_days = pq_getmsgint(&buf, 4);
	kind = pq_getmsgbyte(&buf);
	n = pq_getmsgint(&buf, 4);
	if ((unit_days != 1 && unit_days != 7) || kind > CLV_KEY_TEXT ||
		(kind == CLV_KEY_NONE && n != 0) || TIMESTAMP_NOT_FINITE(obs_end))
		elog(ERROR, "invalid btyd_data aggregate state");
	s = OrdersNew(aggcontext, obs_end, obs_day, unit_days);
	if (kind != CLV_KEY_NONE)
	{
		/* kept as a sorted run (see the file header) */
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		RunsCheckMemory(n, buf.len - buf.cursor);
		clv_flat_recv(&buf, &day_spec, (ClvKeyKind) kind, n, RecvFields, NULL, &f);
		MemoryContextSwitchTo(old);
		s->nruns = 1;
		s->runs[0] = f;
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(s);
}

/*
 * Every customer's summary (rfm.c's definitions): the purchase days are
 * the days with an order; first and last of them and the frequency (their
 * number less one); the repeat spend (the amounts of the days from the
 * first repeat purchase day, the second purchase day, on); and the largest
 * display scale of the customer's amounts.  A customer with refunds only
 * has no purchase day and no summary.
 *
 * Computed in two passes over the (customer, day) entries, in any order,
 * into a second engine table keyed by the customer alone: the first pass
 * finds each customer's first, second and last purchase days, purchase day
 * count and display scale; the second adds every amount of a day on or
 * after the second purchase day (exact sums: the result does not depend on
 * the order of the entries).  The customers are then put in canonical key
 * order, so the output is too.  This replaced sorting and copying the
 * (customer, day) entries themselves, one per order day: with 10M orders
 * of a million customers, clv_predictions took about 6 % longer that way.
 */
typedef struct CustEntry
{
	int64		keyref;
	int32		first;			/* purchase days (DateADT) */
	int32		second;			/* when days >= 2 */
	int32		last;
	int32		days;			/* number of purchase days */
	int32		dscale;			/* largest display scale of the amounts */
	int32		scale;			/* repeat spend: int128 value, scale */
	int64		hi;
	uint64		lo;
} CustEntry;

StaticAssertDecl(sizeof(CustEntry) % 8 == 0, "entries are a multiple of 8 bytes");
StaticAssertDecl(sizeof(CustEntry) <= sizeof(DayEntry),
				 "the customer table is never larger than the state's");

/* What a (customer, day) entry adds to its customer, in pass 1 or 2 */
typedef struct CustPayload
{
	int32		pass;
	int32		day;
	int32		orders;
	int32		dscale;
	int64		hi;
	uint64		lo;
	int32		scale;
	int32		unused;
} CustPayload;

static void
CustMerge(void *dst, const void *src)
{
	elog(ERROR, "btyd_data customer summaries do not merge");
}

static const ClvEntrySpec cust_spec = {
	.typname = "btyd_data",
	.memname = "btyd_data",
	.entrysize = sizeof(CustEntry),
	.subkeyed = false,
	.init = NULL,
	.merge = CustMerge,
};

/*
 * The first pass's part of a (customer, day) entry: the display scale, and
 * the day if it is a purchase day (the days of one customer are distinct,
 * in any order)
 */
static inline void
CustAddDay(CustEntry *c, int32 d, bool orders, int32 dscale)
{
	if (dscale > c->dscale)
		c->dscale = dscale;
	if (!orders)
		return;					/* refunds only: not a purchase day */
	if (c->days == 0)
		c->first = c->last = d;
	else
	{
		if (d < c->first)
		{
			c->second = c->first;
			c->first = d;
		}
		else if (c->days == 1 || d < c->second)
			c->second = d;
		if (d > c->last)
			c->last = d;
	}
	c->days++;
}

/*
 * The second pass's part: the amount of a day from the second purchase day
 * on is repeat spend.  (The customer's days so far must be all its
 * purchase days before d or on it, which they are after the first pass, or
 * when the days come in order.)
 */
static inline void
CustAddSpend(CustEntry *c, int32 d, int64 hi, uint64 lo, int32 scale)
{
	if (c->days >= 2 && d >= c->second)
		PartsAdd(&c->hi, &c->lo, &c->scale, hi, lo, scale);
}

static void
CustApply(void *arg, void *entry, bool isnew, const void *payload)
{
	CustEntry  *c = (CustEntry *) entry;
	const CustPayload *p = (const CustPayload *) payload;

	if (p->pass == 1)
		CustAddDay(c, p->day, p->orders, p->dscale);
	else
		CustAddSpend(c, p->day, p->hi, p->lo, p->scale);
}

/* Pass 1 or 2 over the (customer, day) entries */
static void
CustPass(OrdersState *s, ClvCustTab *custs, int pass)
{
	uint32		pos = 0;
	uint32		i = 0;
	const DayEntry *e;

	while ((e = (const DayEntry *) clv_tab_next(&s->days, &pos)) != NULL)
	{
		ClvKey		key;
		CustPayload *p;

		if ((++i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		clv_tab_entry_key(&s->days, e, &key);
		key.hash = clv_key_hash(s->days.kind, &key);
		p = (CustPayload *) clv_tab_push(custs, &key, 0);
		p->pass = pass;
		p->day = (int32) e->day;
		p->orders = e->orders;
		p->dscale = e->dscale;
		p->hi = e->hi;
		p->lo = e->lo;
		p->scale = e->scale;
		clv_tab_pushed(custs);
	}
	clv_tab_flush(custs);
}

/*
 * The same summaries from a state of sorted runs, in one pass over their
 * merged entries (RunsNext): a customer's entries come together and in day
 * order, so that each is added to the customer with both passes' rules at
 * once (CustAddDay, then CustAddSpend; the same sums: the result equals
 * the two-pass one).  Keys are written to a new arena, each once.
 */
static void
RunsCustomers(const OrdersState *s, ClvFlatTab *f)
{
	ClvKeyKind	kind = RunsKind(s);
	uint64		n = 0;
	uint64		arenalen = 0;
	CustEntry  *custs;
	char	   *arena;
	uint32		ncust = 0;
	CustEntry  *c = NULL;
	const ClvFlatTab *prevsrc = NULL;
	uint32		prevpos = 0;
	RunsCursor	rc;
	const ClvFlatTab *runs[ORDERS_MAX_RUNS];
	int			r;

	/*
	 * Room for the customers of every run (a bound: a customer may be in
	 * several), counted as changes of the key reference, which does not
	 * change within a customer's entries of one run
	 */
	for (r = 0; r < s->nruns; r++)
	{
		const ClvFlatTab *run = &s->runs[r];
		uint32		i;

		for (i = 0; i < run->nentries; i++)
			if (i == 0 || CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(run, i)) !=
				CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(run, i - 1)))
				n++;
		arenalen += run->arenalen;
	}
	custs = palloc_extended(Max(n * sizeof(CustEntry), 1), MCXT_ALLOC_HUGE);
	arena = palloc_extended(Max(arenalen, 1), MCXT_ALLOC_HUGE);
	arenalen = 0;
	RunsStart(&rc, runs, RunsOf(s, runs));
	while (RunsNext(&rc))
	{
		const DayEntry *e = &rc.cur;
		int32		day = (int32) e->day;
		bool		same;

		if (c == NULL)
			same = false;
		else if (kind == CLV_KEY_INT8)
			same = (e->keyref == c->keyref);
		else
			same = (clv_flat_key_cmp(prevsrc, prevpos, rc.src, rc.srcpos) == 0);
		if (!same)
		{
			c = &custs[ncust++];
			memset(c, 0, sizeof(CustEntry));
			if (kind == CLV_KEY_INT8)
				c->keyref = e->keyref;
			else
			{
				ClvKey		key;

				clv_flat_key(rc.src, rc.srcpos, &key);
				c->keyref = clv_key_arena_put(arena, &arenalen, &key);
			}
		}
		prevsrc = rc.src;
		prevpos = rc.srcpos;
		CustAddDay(c, day, e->orders, e->dscale);
		CustAddSpend(c, day, e->hi, e->lo, e->scale);
	}
	clv_flat_init(f, &cust_spec, kind, ncust, (char *) custs, arena, arenalen);
}

/*
 * The customers' summaries of a state, as a flat table of CustEntry in
 * canonical key order (entries and arena palloc'd; customers with refunds
 * only included, with days = 0)
 */
static void
OrdersCustomers(OrdersState *s, ClvFlatTab *f)
{
	MemoryContext cxt;
	ClvCustTab	custs;
	uint32		n = 0;
	uint64		arenalen = 0;
	char	   *entries;
	char	   *arena;

	if (s->nruns > 0)
	{
		RunsCustomers(s, f);
		return;
	}
	cxt = AllocSetContextCreate(CurrentMemoryContext, "btyd_data customers",
								ALLOCSET_DEFAULT_SIZES);

	/*
	 * Checked against clv.max_state_memory on its own: its entries are the
	 * size of the state's and there are no more of them, so it is never
	 * larger than the state's table, which passed.
	 */
	clv_tab_init(&custs, &cust_spec, cxt, s->days.kind, 0, NULL);
	if (s->days.kind != CLV_KEY_NONE)
	{
		clv_tab_batch_init(&custs, sizeof(CustPayload), CustApply, NULL);
		CustPass(s, &custs, 1);
		CustPass(s, &custs, 2);
		clv_tab_flat_sizes(&custs, &n, &arenalen);
	}
	entries = palloc_extended(Max((Size) n * sizeof(CustEntry), 1), MCXT_ALLOC_HUGE);
	arena = palloc_extended(Max(arenalen, 1), MCXT_ALLOC_HUGE);
	if (n > 0)
		clv_tab_flatten(&custs, entries, arena);
	clv_flat_init(f, &cust_spec, s->days.kind, n, entries, arena, arenalen);
	MemoryContextDelete(cxt);
}

/* The repeat spend of a customer's summary, with its display scale */
static inline void
CustRepeat(const CustEntry *c, ClvMoney *repeat)
{
	repeat->value = clv_int128_join(c->hi, c->lo);
	repeat->scale = c->scale;
	repeat->dscale = c->dscale;
}

/*
 * The model inputs of n customers at most, collected in summary order
 * (canonical key order) and then added to the two values of a pair in that
 * order, with prefetching (clv_btyd_data_add_entries).  btyd_data(customer_id,
 * ...) and btyd_summary_data build their pairs this way, so the two are
 * equal entry for entry; the fits sum over the entries in sorted order, so
 * they equal those over btyd_data(frequency, ...) of the same summaries in
 * any row order.
 */
typedef struct ModelKeys
{
	BtydEntry  *rfm;			/* (frequency, recency, T) of every customer */
	BtydEntry  *spend;			/* (frequency, monetary value, 0) of repeat
								 * buyers with a positive monetary value */
	uint32		nrfm;
	uint32		nspend;
	MemoryContext tmp;			/* for the numeric monetary value */
} ModelKeys;

static void
ModelKeysInit(ModelKeys *k, uint32 n)
{
	k->rfm = palloc_extended(Max((Size) n, 1) * sizeof(BtydEntry), MCXT_ALLOC_HUGE);
	k->spend = palloc_extended(Max((Size) n, 1) * sizeof(BtydEntry), MCXT_ALLOC_HUGE);
	k->nrfm = k->nspend = 0;
	k->tmp = AllocSetContextCreate(CurrentMemoryContext, "btyd_data monetary value",
								   ALLOCSET_SMALL_SIZES);
}

/*
 * Add a customer with at least one purchase day: frequency, first and last
 * purchase days, repeat spend (rfm.c's definitions: recency = (last -
 * first) / unit, T = (E - first) / unit, monetary value = clv_rfm's
 * numeric monetary_value read as double precision)
 */
static void
ModelKeysAdd(ModelKeys *k, int32 frequency, int32 first, int32 last, ClvMoney *repeat,
			 int32 obs_day, int32 unit_days)
{
	BtydEntry  *e = &k->rfm[k->nrfm++];
	double		m;
	MemoryContext old;

	e->v[0] = (double) frequency;
	clv_rfm_times(first, last, obs_day, unit_days, &e->v[1], &e->v[2]);
	e->weight = 1;
	if (frequency == 0)
		return;
	old = MemoryContextSwitchTo(k->tmp);
	m = clv_rfm_monetary_double(repeat, frequency, repeat->dscale);
	MemoryContextSwitchTo(old);
	MemoryContextReset(k->tmp);
	if (m > 0)
	{
		e = &k->spend[k->nspend++];
		e->v[0] = (double) frequency;
		e->v[1] = m;
		e->v[2] = 0.0;
		e->weight = 1;
	}
}

/* The pair of fit inputs of the collected customers, with its origin */
static BtydData *
ModelKeysPair(ModelKeys *k, ClvTimeUnit unit, bool has_end, TimestampTz obs_end)
{
	BtydData   *rfm = clv_btyd_data_new(BTYD_KIND_RFM, unit, has_end, obs_end);
	BtydData   *spend = clv_btyd_data_new(BTYD_KIND_SPEND, unit, has_end, obs_end);
	BtydData   *result;

	rfm = clv_btyd_data_add_entries(rfm, k->rfm, k->nrfm);
	spend = clv_btyd_data_add_entries(spend, k->spend, k->nspend);
	result = clv_btyd_data_pair(rfm, spend);
	pfree(rfm);
	pfree(spend);
	pfree(k->rfm);
	pfree(k->spend);
	MemoryContextDelete(k->tmp);
	return result;
}

/*
 * Final: summarise each customer (rfm.c's definitions) and collect the
 * pair of fit inputs.  NULL when there were no rows.
 */
PG_FUNCTION_INFO_V1(clv_btyd_data_final_orders);
Datum
clv_btyd_data_final_orders(PG_FUNCTION_ARGS)
{
	OrdersState *s;
	ClvFlatTab	f;
	ModelKeys	k;
	BtydData   *result;
	uint32		i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (OrdersState *) PG_GETARG_POINTER(0);
	OrdersCustomers(s, &f);
	ModelKeysInit(&k, f.nentries);
	for (i = 0; i < f.nentries; i++)
	{
		const CustEntry *c = (const CustEntry *) CLV_FLAT_ENTRY(&f, i);
		ClvMoney	repeat;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (c->days == 0)
			continue;			/* refunds only: not a customer */
		CustRepeat(c, &repeat);
		ModelKeysAdd(&k, c->days - 1, c->first, c->last, &repeat, s->obs_day, s->unit_days);
	}
	pfree(f.entries);
	pfree(f.arena);
	result = ModelKeysPair(&k, s->unit, true, s->obs_end);
	PG_RETURN_POINTER(result);
}

/*
 * The customers' summaries as a value (btyd_summaries, used by
 * clv_predictions): the same state, each customer summarised as above, and
 * written as bytea for btyd_summary_rows and btyd_summary_data:
 *	 int32 observation_end day, int32 unit word (the unit's days, 1 or 7,
 *	 plus SUMMARIES_HAS_END), int64 observation_end (TimestampTz; present
 *	 when the unit word has SUMMARIES_HAS_END: values of this version
 *	 always, the earliest form had it not), then per customer (canonical
 *	 key order) uint32 key length, the key as text, int32 frequency, int32
 *	 first and last purchase days, and the repeat spend (int32 scale, int32
 *	 dscale of the customer's amounts, int128 value)
 * Customers with refunds only are left out.  NULL when there were no rows.
 */
#define SUMMARIES_HAS_END 0x100
/* the bytes of a customer with an empty key: 4 + 3 * 4 + 2 * 4 + 16 */
#define SUMMARY_MIN_BYTES 40
PG_FUNCTION_INFO_V1(clv_btyd_summaries_final);
Datum
clv_btyd_summaries_final(PG_FUNCTION_ARGS)
{
	OrdersState *s;
	ClvFlatTab	f;
	StringInfoData buf;
	uint32		i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (OrdersState *) PG_GETARG_POINTER(0);
	OrdersCustomers(s, &f);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->obs_day);
	pq_sendint32(&buf, s->unit_days | SUMMARIES_HAS_END);
	pq_sendint64(&buf, s->obs_end);
	for (i = 0; i < f.nentries; i++)
	{
		const CustEntry *c = (const CustEntry *) CLV_FLAT_ENTRY(&f, i);
		ClvMoney	repeat;
		ClvKey		key;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (c->days == 0)
			continue;			/* refunds only: not a customer */
		clv_flat_key(&f, i, &key);
		if (f.kind == CLV_KEY_INT8)
		{
			char		num[MAXINT8LEN + 1];
			int			len = pg_lltoa(key.ival, num);

			pq_sendint32(&buf, len);
			pq_sendbytes(&buf, num, len);
		}
		else if (f.kind == CLV_KEY_UUID)
		{
			char	   *u = DatumGetCString(DirectFunctionCall1(uuid_out,
																PointerGetDatum(key.bytes)));

			pq_sendint32(&buf, strlen(u));
			pq_sendbytes(&buf, u, strlen(u));
			pfree(u);
		}
		else
		{
			pq_sendint32(&buf, key.len);
			pq_sendbytes(&buf, key.bytes, key.len);
		}
		CustRepeat(c, &repeat);
		pq_sendint32(&buf, c->days - 1);
		pq_sendint32(&buf, c->first);
		pq_sendint32(&buf, c->last);
		pq_sendint32(&buf, repeat.scale);
		pq_sendint32(&buf, c->dscale);
		clv_send_int128(&buf, repeat.value);
	}
	pfree(f.entries);
	pfree(f.arena);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Reading a btyd_summaries value */
typedef struct SummariesReader
{
	StringInfoData buf;
	int32		obs_day;
	int32		unit_days;
	bool		has_end;
	TimestampTz obs_end;
} SummariesReader;

/* One customer of a btyd_summaries value */
typedef struct SummaryRecord
{
	const char *key;			/* the key as text, not terminated */
	uint32		len;
	int32		frequency;
	int32		first;
	int32		last;
	ClvMoney	repeat;
} SummaryRecord;

/* Start reading value b: its header (22P03 if malformed) */
static void
SummariesOpen(SummariesReader *r, bytea *b)
{
	int32		unit;

	r->buf.data = VARDATA_ANY(b);
	r->buf.len = VARSIZE_ANY_EXHDR(b);
	r->buf.maxlen = r->buf.len;
	r->buf.cursor = 0;
	clv_recv_need(&r->buf, 8, "btyd_summaries");
	r->obs_day = pq_getmsgint(&r->buf, 4);
	unit = pq_getmsgint(&r->buf, 4);
	r->unit_days = unit & ~SUMMARIES_HAS_END;
	r->has_end = (unit & SUMMARIES_HAS_END) != 0;
	if (r->unit_days != 1 && r->unit_days != 7)
		clv_bad_external("btyd_summaries", "Invalid time unit.");
	r->obs_end = 0;
	if (r->has_end)
	{
		clv_recv_need(&r->buf, 8, "btyd_summaries");
		r->obs_end = pq_getmsgint64(&r->buf);
	}
}

/*
 * The next customer into rec, or false at the end (22P03 if malformed: also
 * a summary no fit accepts, as btyd_data checks them: frequency above
 * BTYD_MAX_FREQUENCY, or a last purchase day other than the first without
 * repeat purchases)
 */
static bool
SummariesNext(SummariesReader *r, SummaryRecord *rec)
{
	StringInfo	buf = &r->buf;

	if (buf->cursor >= buf->len)
		return false;
	clv_recv_need(buf, 4, "btyd_summaries");
	rec->len = pq_getmsgint(buf, 4);
	clv_recv_need(buf, (int64) rec->len + SUMMARY_MIN_BYTES - 4, "btyd_summaries");
	rec->key = pq_getmsgbytes(buf, rec->len);
	rec->frequency = pq_getmsgint(buf, 4);
	rec->first = pq_getmsgint(buf, 4);
	rec->last = pq_getmsgint(buf, 4);
	rec->repeat.scale = pq_getmsgint(buf, 4);
	rec->repeat.dscale = pq_getmsgint(buf, 4);
	rec->repeat.value = clv_recv_int128(buf);
	if (rec->frequency < 0 || rec->frequency > BTYD_MAX_FREQUENCY ||
		(rec->frequency == 0 && rec->last != rec->first) ||
		rec->last < rec->first || r->obs_day < rec->last ||
		rec->repeat.scale < 0 || rec->repeat.scale > CLV_MAX_SCALE ||
		rec->repeat.dscale < 0 || rec->repeat.dscale > NUMERIC_MAX_DISPLAY_SCALE)
		clv_bad_external("btyd_summaries", "Invalid customer summary.");
	return true;
}

/*
 * btyd_summary_rows(bytea): one row per customer of a btyd_summaries
 * value: customer_id text, frequency, recency, t, monetary_value, exactly
 * clv_rfm's (rfm.c: recency = (last - first) / unit, t = (E - first) /
 * unit, monetary_value = clv_rfm_monetary_value).  A malformed value raises
 * 22P03.
 */
PG_FUNCTION_INFO_V1(clv_btyd_summary_rows);
Datum
clv_btyd_summary_rows(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SummariesReader r;
	SummaryRecord rec;

	InitMaterializedSRF(fcinfo, 0);
	SummariesOpen(&r, b);
	while (SummariesNext(&r, &rec))
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		double		recency,
					t;

		CHECK_FOR_INTERRUPTS();
		pg_verifymbstr(rec.key, rec.len, false);
		clv_rfm_times(rec.first, rec.last, r.obs_day, r.unit_days, &recency, &t);
		values[0] = PointerGetDatum(cstring_to_text_with_len(rec.key, rec.len));
		values[1] = Int32GetDatum(rec.frequency);
		values[2] = Float8GetDatum(recency);
		values[3] = Float8GetDatum(t);
		values[4] = clv_rfm_monetary_value(&rec.repeat, rec.frequency, rec.repeat.dscale);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/*
 * btyd_summary_data(bytea): the fit inputs of a btyd_summaries value, the
 * btyd_data pair that btyd_data(customer_id, ordered_at, amount,
 * observation_end, time_unit) returns for the same orders (entry for entry,
 * so the same fits), built from the customers' summaries
 * without running the state's final step again: clv_predictions reads the
 * summaries once for its rows and once for its fits.  The pair records the
 * time unit and observation end (the earliest form of the value, without
 * the observation end, gives a pair with the unit only).  A malformed value
 * raises 22P03.
 */
PG_FUNCTION_INFO_V1(clv_btyd_summary_data);
Datum
clv_btyd_summary_data(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	SummariesReader r;
	SummaryRecord rec;
	ModelKeys	k;

	/*
	 * Room for as many customers as the value can hold: a customer takes at
	 * least SUMMARY_MIN_BYTES (a bytea is below 1 GB, so this fits uint32)
	 */
	SummariesOpen(&r, b);
	ModelKeysInit(&k, (uint32) ((r.buf.len - r.buf.cursor) / SUMMARY_MIN_BYTES));
	while (SummariesNext(&r, &rec))
	{
		if ((k.nrfm & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		ModelKeysAdd(&k, rec.frequency, rec.first, rec.last, &rec.repeat,
					 r.obs_day, r.unit_days);
	}
	PG_RETURN_POINTER(ModelKeysPair(&k, UnitOfDays(r.unit_days), r.has_end, r.obs_end));
}
