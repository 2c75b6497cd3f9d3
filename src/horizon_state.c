/*-------------------------------------------------------------------------
 *
 * horizon_state.c
 *	  clv_horizon_state in memory (see horizon.h): its entries, windows,
 *	  the expanded state and its flat form.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include "horizon.h"

static Size HorizonGetFlatSize(ExpandedObjectHeader *eohptr);
static void HorizonFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

const ExpandedObjectMethods clv_horizon_methods =
{
	HorizonGetFlatSize,
	HorizonFlattenInto
};

static void
CustInit(void *entry)
{
	HorizonEntry *e = (HorizonEntry *) entry;

	e->first = NO_TIME;
	e->wend = NO_TIME;
}

static void
MemCustInit(void *entry)
{
	HorizonCust *e = (HorizonCust *) entry;

	e->first = NO_TIME;
	e->wend = NO_TIME;
}

/* The earlier first order of two entries of a customer (flat entries) */
void
clv_horizon_cust_merge(void *dstp, const void *srcp)
{
	HorizonEntry *dst = (HorizonEntry *) dstp;
	const HorizonEntry *src = (const HorizonEntry *) srcp;

	if (src->first != NO_TIME && (dst->first == NO_TIME || src->first < dst->first))
	{
		dst->first = src->first;
		dst->wend = src->wend;
	}
}

/* Merges of tables of customers go through rows (clv_horizon_merge_flat), never here */
static void
MemCustMerge(void *dstp, const void *srcp)
{
	elog(ERROR, "horizon customers are not merged entry by entry");
}

/* The sum of two entries of a (customer, time), at one scale */
static void
RowMerge(void *dstp, const void *srcp)
{
	HorizonRow *dst = (HorizonRow *) dstp;
	const HorizonRow *src = (const HorizonRow *) srcp;
	int128		v;

	if (__builtin_add_overflow(clv_int128_join(dst->hi, dst->lo),
							   clv_int128_join(src->hi, src->lo), &v))
		clv_money_overflow();
	dst->hi = clv_int128_hi(v);
	dst->lo = clv_int128_lo(v);
}

const ClvEntrySpec clv_horizon_flatcust_spec = {
	.typname = HORIZON_TYPNAME,
	.memname = "clv_agg",
	.entrysize = sizeof(HorizonEntry),
	.subkeyed = false,
	.init = CustInit,
	.merge = clv_horizon_cust_merge
};

/* The customers of an expanded state */
const ClvEntrySpec clv_horizon_cust_spec = {
	.typname = HORIZON_TYPNAME,
	.memname = "clv_agg",
	.entrysize = sizeof(HorizonCust),
	.subkeyed = false,
	.init = MemCustInit,
	.merge = MemCustMerge
};

const ClvEntrySpec clv_horizon_row_spec = {
	.typname = HORIZON_TYPNAME,
	.memname = "clv_agg",
	.entrysize = sizeof(HorizonRow),
	.subkeyed = true,
	.init = NULL,
	.merge = RowMerge
};

/* ----------------------------------------------------------------
 * Windows
 * ----------------------------------------------------------------
 */

static int64
ClampUsec(int128 v)
{
	return v < 0 ? 0 : v > PG_INT64_MAX ? PG_INT64_MAX : (int64) v;
}

/* The bounds of w - f for a horizon (see the file header) */
void
clv_horizon_window_init(HorizonWindow *w, const Interval *h)
{
	long		gmtoff;

	w->horizon = *h;
	if (h->month == 0 && pg_get_timezone_offset(session_timezone, &gmtoff))
		w->lo = w->hi = ClampUsec((int128) h->day * USECS_PER_DAY + h->time);
	else
	{
		w->lo = ClampUsec(((int128) h->month * 28 + h->day - 2) * USECS_PER_DAY + h->time);
		w->hi = ClampUsec(((int128) h->month * 31 + h->day + 2) * USECS_PER_DAY + h->time);
	}
}

/* The exact window end of a first order */
TimestampTz
clv_horizon_window_end(const HorizonWindow *w, TimestampTz first)
{
	TimestampTz r;

	if (w->lo == w->hi && !pg_add_s64_overflow(first, w->lo, &r) && IS_VALID_TIMESTAMP(r))
		return r;
	r = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												TimestampTzGetDatum(first),
												PointerGetDatum(&w->horizon)));
	if (TIMESTAMP_NOT_FINITE(r))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("first order plus horizon is out of range")));
	return r;
}

/* Set the horizon of a state, or check that it is the same */
bool
clv_horizon_head_set(HorizonHead *h, const Interval *iv)
{
	if (h->flags & HORIZON_SET)
	{
		if (h->horizon.month != iv->month || h->horizon.day != iv->day ||
			h->horizon.time != iv->time)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("horizon must be the same for all rows of a group")));
		return false;
	}
	if (iv->month < 0 || iv->day < 0 || iv->time < 0 ||
		(iv->month == 0 && iv->day == 0 && iv->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be positive"),
				 errdetail("The horizon was %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, PointerGetDatum(iv))))));
	h->horizon = *iv;
	h->flags |= HORIZON_SET;
	return true;
}

/* ----------------------------------------------------------------
 * The expanded state
 * ----------------------------------------------------------------
 */

static void ApplyRow(void *arg, void *entry, bool isnew, const void *payload);
static bool RowKeep(void *arg, const void *entry);
static void RowPrefetch(void *arg, const void *entry);
static bool RowCompactWorth(void *arg, const ClvCustTab *t);

void
clv_horizon_head_init(HorizonHead *h)
{
	memset(h, 0, sizeof(HorizonHead));
	h->maxorder = DT_NOBEGIN;
}

/* An empty state under "parent" */
HorizonState *
clv_horizon_create(MemoryContext parent, ClvKeyKind kind, uint32 expected)
{
	HorizonState *s = clv_state_create(sizeof(HorizonState), &clv_horizon_methods, parent,
									   HORIZON_TYPNAME);
	MemoryContext cxt = s->hdr.eoh.eoh_context;

	clv_horizon_head_init(&s->head);
	clv_tab_init(&s->custs, &clv_horizon_cust_spec, cxt, kind, expected, &s->memory);
	clv_tab_init(&s->rows, &clv_horizon_row_spec, cxt, kind, 0, &s->memory);
	clv_tab_batch_init(&s->custs, sizeof(CustPayload), clv_horizon_apply_cust, s);
	clv_tab_batch_init(&s->rows, sizeof(RowPayload), ApplyRow, s);
	s->compactor.worth = RowCompactWorth;
	s->compactor.prefetch = RowPrefetch;
	s->compactor.keep = RowKeep;
	s->compactor.arg = s;
	clv_tab_set_compactor(&s->rows, &s->compactor);
	return s;
}

void
clv_horizon_set_horizon(HorizonState *s, const Interval *iv)
{
	if (clv_horizon_head_set(&s->head, iv))
		clv_horizon_window_init(&s->win, &s->head.horizon);
}

void
clv_horizon_set_kind(HorizonState *s, ClvKeyKind kind, bool merging)
{
	clv_tab_set_kind(&s->custs, kind, merging);
	s->rows.kind = s->custs.kind;
}

/* Push a row into the row table of a state */
static void
PushOverflowRow(HorizonState *s, HorizonCust *e, const ClvKey *key, TimestampTz t, int128 v)
{
	RowPayload *rp = clv_tab_push(&s->rows, key, t);

	rp->hi = clv_int128_hi(v);
	rp->lo = clv_int128_lo(v);
	rp->scale = s->head.scale;
	clv_tab_pushed(&s->rows);
	e->nover++;
}

/* Raise the state's scale, rescaling every row (inline or not) */
static void
RaiseScale(HorizonState *s, int32 scale)
{
	uint32		pos = 0;
	HorizonRow *r;
	HorizonCust *e;
	int32		from = s->head.scale;

	if (scale <= from)
		return;
	clv_tab_flush(&s->custs);
	clv_tab_flush(&s->rows);
	while ((r = clv_tab_next(&s->rows, &pos)) != NULL)
	{
		int128		v = clv_horizon_rescale(r->hi, r->lo, from, scale);

		r->hi = clv_int128_hi(v);
		r->lo = clv_int128_lo(v);
		if ((pos & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	s->head.scale = scale;
	pos = 0;
	while ((e = clv_tab_next(&s->custs, &pos)) != NULL)
	{
		uint32		i = 0;

		while (i < NIN(e))
		{
			int128		v = clv_horizon_rescale(e->int_amount[i] >> 63, (uint64) e->int_amount[i], from, scale);

			if (v == (int128) (int64) v)
			{
				e->int_amount[i++] = (int64) v;
				continue;
			}
			/* no longer fits inline: to the row table */
			{
				ClvKey		key;

				clv_tab_entry_key(&s->custs, e, &key);
				key.hash = clv_key_hash(s->custs.kind, &key);
				PushOverflowRow(s, e, &key, e->int_t[i], v);
			}
			e->nin--;
			e->int_t[i] = e->int_t[NIN(e)];
			e->int_amount[i] = e->int_amount[NIN(e)];
		}
		if ((pos & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* Merge the header of a flat value or row into the state's */
static void
StateMergeHead(HorizonState *s, const HorizonHead *h)
{
	if (h->flags & HORIZON_SET)
		clv_horizon_set_horizon(s, &h->horizon);
	if (h->maxorder != DT_NOBEGIN && h->maxorder > s->head.maxorder)
		s->head.maxorder = h->maxorder;
	RaiseScale(s, h->scale);
	if (h->dscale > s->head.dscale)
		s->head.dscale = h->dscale;
}

/* The key of a customer entry, hashed */
static inline void
CustKey(HorizonState *s, const HorizonCust *e, ClvKey *key)
{
	clv_tab_entry_key(&s->custs, e, key);
	key->hash = clv_key_hash(s->custs.kind, key);
}

/*
 * Keep a row inside the window of customer e: with an inline row of the
 * same time, or in a free inline slot, or in the row table
 */
void
clv_horizon_add_kept_row(HorizonState *s, HorizonCust *e, TimestampTz t, int128 v)
{
	uint32		i;
	ClvKey		key;

	for (i = 0; i < NIN(e); i++)
		if (e->int_t[i] == t)
		{
			int128		sum = (int128) e->int_amount[i] + v;

			if (sum == (int128) (int64) sum)
			{
				e->int_amount[i] = (int64) sum;
				return;
			}
			break;
		}
	if (i == NIN(e) && i < INLINE_ROWS && v == (int128) (int64) v)
	{
		e->int_t[i] = t;
		e->int_amount[i] = (int64) v;
		e->nin++;
		return;
	}
	CustKey(s, e, &key);
	PushOverflowRow(s, e, &key, t, v);
}

/* A new first order: drop the inline rows now past the window */
static void
SetFirst(HorizonState *s, HorizonCust *e, TimestampTz first)
{
	uint32		i = 0;

	if (e->first != NO_TIME && e->nover > 0)
		s->moves++;				/* rows in the row table may have left it */
	e->first = first;
	e->wend = NO_TIME;
	while (i < NIN(e))
	{
		if (clv_horizon_in_window(&s->win, first, &e->wend, e->int_t[i]))
		{
			i++;
			continue;
		}
		e->nin--;
		e->int_t[i] = e->int_t[NIN(e)];
		e->int_amount[i] = e->int_amount[NIN(e)];
	}
}

/* Apply a row to its customer: first order, and keep the row if inside */
void
clv_horizon_apply_cust(void *arg, void *entry, bool isnew, const void *payload)
{
	HorizonState *s = (HorizonState *) arg;
	HorizonCust *e = (HorizonCust *) entry;
	const CustPayload *p = (const CustPayload *) payload;

	if ((p->op == OP_ORDER || p->op == OP_FIRST) && p->t != NO_TIME &&
		(e->first == NO_TIME || p->t < e->first))
		SetFirst(s, e, p->t);
	if (p->op == OP_FIRST)
		return;
	if (e->first != NO_TIME && !clv_horizon_in_window(&s->win, e->first, &e->wend, p->t))
		return;
	clv_horizon_add_kept_row(s, e, p->t, clv_horizon_rescale(p->hi, p->lo, p->scale, s->head.scale));
}

/* Add a kept row to its (customer, time) */
static void
ApplyRow(void *arg, void *entry, bool isnew, const void *payload)
{
	HorizonState *s = (HorizonState *) arg;
	HorizonRow *r = (HorizonRow *) entry;
	const RowPayload *p = (const RowPayload *) payload;
	int128		v;

	if (__builtin_add_overflow(clv_int128_join(r->hi, r->lo),
							   clv_horizon_rescale(p->hi, p->lo, p->scale, s->head.scale), &v))
		clv_money_overflow();
	r->hi = clv_int128_hi(v);
	r->lo = clv_int128_lo(v);
}

/* The customer entry of a row (no buffered rows applied) */
static inline HorizonCust *
RowCust(HorizonState *s, const HorizonRow *r)
{
	ClvKey		key;

	clv_tab_entry_key(&s->rows, r, &key);
	key.hash = clv_key_hash(s->rows.kind, &key);
	return (HorizonCust *) clv_tab_find_noflush(&s->custs, &key, 0);
}

/*
 * Before the row table grows: a pass over it is worth it when first orders
 * moved earlier for an eighth as many customers as there are rows (only
 * then can rows have left their window)
 */
static bool
RowCompactWorth(void *arg, const ClvCustTab *t)
{
	HorizonState *s = (HorizonState *) arg;

	if (s->moves * 8 < t->nentries)
		return false;
	s->moves = 0;
	return true;
}

/* Prefetch the customer of a row (for RowKeep) */
static void
RowPrefetch(void *arg, const void *entry)
{
	HorizonState *s = (HorizonState *) arg;
	ClvKey		key;

	clv_tab_entry_key(&s->rows, entry, &key);
	key.hash = clv_key_hash(s->rows.kind, &key);
	clv_tab_prefetch(&s->custs, &key, 0);
}

/* Before the row table grows: drop the rows certainly past their window */
static bool
RowKeep(void *arg, const void *entry)
{
	HorizonState *s = (HorizonState *) arg;
	const HorizonRow *r = (const HorizonRow *) entry;
	HorizonCust *e = RowCust(s, r);
	TimestampTz b;

	if (e == NULL || e->first == NO_TIME)
		return true;
	if (e->wend != NO_TIME)
		return r->t < e->wend;
	return pg_add_s64_overflow(e->first, s->win.hi, &b) || r->t < b;
}

/* Exactly: the rows inside their window (the window ends may be computed) */
static bool
RowKeepExact(void *arg, const void *entry)
{
	HorizonState *s = (HorizonState *) arg;
	const HorizonRow *r = (const HorizonRow *) entry;
	HorizonCust *e = RowCust(s, r);

	if (e == NULL || e->first == NO_TIME)
		return true;
	return clv_horizon_in_window(&s->win, e->first, &e->wend, r->t);
}

/* Add one order or refund to an expanded state */
void
clv_horizon_add_row(HorizonState *s, const ClvKey *key, TimestampTz t, const ClvMoney *m)
{
	CustPayload *p;
	bool		is_order = clv_money_sign(m) >= 0;

	if (unlikely(m->scale > s->head.scale))
		RaiseScale(s, m->scale);
	if (m->dscale > s->head.dscale)
		s->head.dscale = m->dscale;
	if (is_order && t > s->head.maxorder)
		s->head.maxorder = t;
	p = clv_tab_push(&s->custs, key, 0);
	p->t = t;
	p->hi = clv_int128_hi(m->value);
	p->lo = clv_int128_lo(m->value);
	p->scale = m->scale;
	p->op = is_order ? OP_ORDER : OP_REFUND;
	clv_tab_pushed(&s->custs);
}

/* Push one row of a merged flat value into a state */
static inline void
PushFlatRow(HorizonState *s, const ClvKey *key, int op, TimestampTz t, int64 hi, uint64 lo,
			int32 scale)
{
	CustPayload *p = clv_tab_push(&s->custs, key, 0);

	p->t = t;
	p->hi = hi;
	p->lo = lo;
	p->scale = scale;
	p->op = op;
	clv_tab_pushed(&s->custs);
}

/*
 * Merge a flat value (either version) into an expanded state: per
 * customer its first order (which creates the customer), then its rows
 */
void
clv_horizon_merge_flat(HorizonState *s, HorizonFlat *f)
{
	HorizonHead h;
	const char *arena = FLAT_ARENA(f);
	uint64		k = 0;
	uint32		i;

	clv_horizon_flat_head(f, &h);
	StateMergeHead(s, &h);
	if (f->nentries == 0)
		return;
	clv_horizon_set_kind(s, (ClvKeyKind) f->keykind, true);
	for (i = 0; i < f->nentries; i++)
	{
		const HorizonEntry *fe = &FLAT_CUSTS(f)[i];
		ClvKey		key;

		clv_key_from_ref((ClvKeyKind) f->keykind, fe->keyref, arena, &key);
		PushFlatRow(s, &key, OP_FIRST, fe->first, 0, 0, 0);
		if (f->version == HORIZON_FLAT_V1)
		{
			/* its rows are the next fe->head nodes */
			uint32		c;

			for (c = 0; c < fe->head && k < f->nnodes; c++, k++)
			{
				const HorizonNode *n = &FLAT_NODES(f)[k];

				PushFlatRow(s, &key, OP_ROW, n->t, n->hi, n->lo, f->scale);
			}
		}
		else
		{
			/* its rows are the next rows of its key reference */
			for (; k < f->nnodes && FLAT_ROWS(f)[k].keyref == fe->keyref; k++)
			{
				const HorizonRow *r = &FLAT_ROWS(f)[k];

				PushFlatRow(s, &key, OP_ROW, r->t, r->hi, r->lo, f->scale);
			}
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* The state behind a datum: expanded, or a flat value expanded under parent */
HorizonState *
clv_horizon_from_datum(Datum d, MemoryContext parent)
{
	HorizonState *s = (HorizonState *) clv_state_expanded(d, &clv_horizon_methods, HORIZON_TYPNAME);
	HorizonFlat *f;

	if (s && s->flatval == NULL)
		return s;
	f = s ? s->flatval : clv_horizon_flat_check(d);
	s = clv_horizon_create(parent, (ClvKeyKind) f->keykind, f->nentries);
	clv_horizon_merge_flat(s, f);
	return s;
}

/* Make a state that holds a flat value an ordinary one */
void
clv_horizon_unflatten(HorizonState *s)
{
	HorizonFlat *f = s->flatval;

	s->flatval = NULL;
	clv_horizon_set_kind(s, (ClvKeyKind) f->keykind, true);
	clv_horizon_merge_flat(s, f);
	pfree(f);
}

/*
 * The aggregate's state as a mutable expanded object in aggcontext: the
 * state itself when the aggregate owns it, else a new one holding a copy
 */
HorizonState *
clv_horizon_mutable(Datum state, bool isnull, MemoryContext aggcontext)
{
	HorizonState *s;

	if (isnull)
		return clv_horizon_create(aggcontext, CLV_KEY_NONE, 0);
	if (clv_state_is_mutable(state, &clv_horizon_methods, aggcontext))
	{
		s = (HorizonState *) clv_state_eohp(state);
		if (s->flatval)
			clv_horizon_unflatten(s);
		return s;
	}
	/* detoasting flattens any other expanded value */
	s = clv_horizon_create(aggcontext, CLV_KEY_NONE, 0);
	clv_horizon_merge_flat(s, clv_horizon_flat_check(state));
	return s;
}

/* ----------------------------------------------------------------
 * Flattening
 *
 * The customers and the rows inside their windows, each table in
 * canonical order; the rows' key references point into the customers'
 * arena.  A customer's window end is written when it was computed (else
 * NO_TIME): it is a cache, not part of the value.
 * ----------------------------------------------------------------
 */

/* The rows of the customers, in order: inline rows and the row table's */
typedef struct RowWalk
{
	HorizonState *s;
	char	   *custs;			/* customers, flattened (HorizonCust) */
	uint32		ncusts;
	char	   *arena;			/* their keys */
	HorizonRow *over;			/* the row table, flattened */
	uint32		nover;
	char	   *overarena;
} RowWalk;

/* Inline rows of a customer, by time */
static void
SortedInline(const HorizonCust *e, int *order)
{
	order[0] = 0;
	order[1] = 1;
	if (NIN(e) == 2 && e->int_t[1] < e->int_t[0])
	{
		order[0] = 1;
		order[1] = 0;
	}
}

/*
 * Count (out == NULL) or write the rows of every customer, merging its
 * inline rows with its rows of the row table (rows at one time summed)
 */
static uint64
WalkRows(RowWalk *w, HorizonRow *out)
{
	ClvKeyKind	kind = w->s->custs.kind;
	uint64		n = 0;
	uint32		k = 0;
	uint32		i;

	for (i = 0; i < w->ncusts; i++)
	{
		const HorizonCust *e = (const HorizonCust *) (w->custs + (Size) i * sizeof(HorizonCust));
		ClvKey		ck;
		int			order[INLINE_ROWS];
		uint32		j = 0;
		uint32		end;

		clv_key_from_ref(kind, e->keyref, w->arena, &ck);
		/* this customer's run of the row table */
		for (end = k; end < w->nover; end++)
		{
			ClvKey		rk;

			clv_key_from_ref(kind, w->over[end].keyref, w->overarena, &rk);
			if (clv_key_cmp(kind, &ck, &rk) != 0)
				break;
		}
		SortedInline(e, order);
		while (j < NIN(e) || k < end)
		{
			TimestampTz t;
			int128		v = 0;

			if (j < NIN(e) && (k >= end || e->int_t[order[j]] <= w->over[k].t))
				t = e->int_t[order[j]];
			else
				t = w->over[k].t;
			if (j < NIN(e) && e->int_t[order[j]] == t)
				v += e->int_amount[order[j++]];
			if (k < end && w->over[k].t == t)
			{
				if (__builtin_add_overflow(v, clv_int128_join(w->over[k].hi, w->over[k].lo), &v))
					clv_money_overflow();
				k++;
			}
			if (out)
			{
				out[n].keyref = e->keyref;
				out[n].t = t;
				out[n].hi = clv_int128_hi(v);
				out[n].lo = clv_int128_lo(v);
			}
			n++;
		}
		k = end;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return n;
}

/*
 * Build the flat form (cached until HorizonFlattenInto copies it): the
 * customers and the rows inside their windows, each table in canonical
 * order; the rows' key references point into the customers' arena.  A
 * customer's window end is written when it was computed (else NO_TIME):
 * it is a cache, not part of the value.
 */
static HorizonFlat *
BuildFlat(HorizonState *s)
{
	RowWalk		w;
	uint32		n;
	uint64		arenalen,
				overarena,
				nrows;
	uint32		i;
	HorizonFlat *f;

	clv_tab_flush(&s->custs);
	clv_tab_flush(&s->rows);
	clv_tab_filter(&s->rows, RowKeepExact, s);
	memset(&w, 0, sizeof(w));
	w.s = s;
	clv_tab_flat_sizes(&s->custs, &n, &arenalen);
	w.ncusts = n;
	w.custs = palloc_extended((Size) Max(n, 1) * sizeof(HorizonCust), MCXT_ALLOC_HUGE);
	w.arena = arenalen > 0 ? palloc_extended(arenalen, MCXT_ALLOC_HUGE) : NULL;
	clv_tab_flatten(&s->custs, w.custs, w.arena);
	clv_tab_flat_sizes(&s->rows, &w.nover, &overarena);
	w.over = palloc_extended((Size) Max(w.nover, 1) * sizeof(HorizonRow), MCXT_ALLOC_HUGE);
	w.overarena = overarena > 0 ? palloc_extended(overarena, MCXT_ALLOC_HUGE) : NULL;
	clv_tab_flatten(&s->rows, (char *) w.over, w.overarena);

	nrows = WalkRows(&w, NULL);
	f = clv_horizon_flat_alloc(&s->head, s->custs.kind, n, nrows, arenalen);
	for (i = 0; i < n; i++)
	{
		const HorizonCust *e = (const HorizonCust *) (w.custs + (Size) i * sizeof(HorizonCust));
		HorizonEntry *fe = &FLAT_CUSTS(f)[i];

		fe->keyref = e->keyref;
		fe->first = e->first;
		fe->wend = e->wend;
		fe->head = 0;
		fe->unused = 0;
	}
	(void) WalkRows(&w, FLAT_ROWS(f));
	if (arenalen > 0)
		memcpy(FLAT_ARENA(f), w.arena, arenalen);
	pfree(w.custs);
	pfree(w.over);
	if (w.arena)
		pfree(w.arena);
	if (w.overarena)
		pfree(w.overarena);
	return f;
}

static Size
HorizonGetFlatSize(ExpandedObjectHeader *eohptr)
{
	HorizonState *s = (HorizonState *) eohptr;
	MemoryContext old;

	if (s->flatval)
		return VARSIZE(s->flatval);
	old = MemoryContextSwitchTo(s->hdr.eoh.eoh_context);
	if (s->flat)
		pfree(s->flat);
	s->flat = BuildFlat(s);
	MemoryContextSwitchTo(old);
	return VARSIZE(s->flat);
}

static void
HorizonFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	HorizonState *s = (HorizonState *) eohptr;

	if (s->flatval)
	{
		Assert(allocated_size == VARSIZE(s->flatval));
		memcpy(result, s->flatval, allocated_size);
		return;
	}
	if (s->flat == NULL)
		(void) HorizonGetFlatSize(eohptr);
	Assert(allocated_size == VARSIZE(s->flat));
	memcpy(result, s->flat, allocated_size);
	pfree(s->flat);
	s->flat = NULL;
}

/* The flat form of a state, in the current memory context */
HorizonFlat *
clv_horizon_flatten(HorizonState *s)
{
	Size		sz = HorizonGetFlatSize(&s->hdr.eoh);
	void	   *flat = palloc_extended(sz, MCXT_ALLOC_HUGE);

	HorizonFlattenInto(&s->hdr.eoh, flat, sz);
	return (HorizonFlat *) flat;
}

