/*-------------------------------------------------------------------------
 *
 * horizon_flat.c
 *	  clv_horizon_state as flat values (see horizon.h): small states
 *	  updated in place, sorted merges of two states, the result of a flat
 *	  state in one pass.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "horizon.h"

/* ----------------------------------------------------------------
 * Flat values
 * ----------------------------------------------------------------
 */


void
clv_horizon_check_flat_size(Size sz)
{
	if (unlikely(sz > MaxAllocSize))
		clv_flat_too_large(HORIZON_TYPNAME, "Use a shorter horizon or group the input.");
}

/* Validate a flat value of either version */
HorizonFlat *
clv_horizon_flat_check(Datum d)
{
	HorizonFlat *f = (HorizonFlat *) PG_DETOAST_DATUM(d);

	if (VARSIZE(f) < sizeof(HorizonFlat) ||
		(f->version != HORIZON_FLAT_V1 && f->version != HORIZON_FLAT_V2) ||
		f->keykind > CLV_KEY_TEXT ||
		VARSIZE(f) != clv_horizon_flat_size(f->nentries, f->nnodes, f->arenalen))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid clv_horizon_state value")));
	return f;
}

void
clv_horizon_flat_head(const HorizonFlat *f, HorizonHead *h)
{
	h->flags = f->flags;
	h->scale = f->scale;
	h->dscale = f->dscale;
	h->horizon = f->horizon;
	h->maxorder = f->maxorder;
}

void
clv_horizon_flat_set_head(HorizonFlat *f, const HorizonHead *h, ClvKeyKind kind)
{
	f->keykind = (uint8) kind;
	f->flags = h->flags;
	f->scale = h->scale;
	f->dscale = h->dscale;
	f->horizon = h->horizon;
	f->maxorder = h->maxorder;
}

/* A new version 2 flat value of the given sizes, header filled in */
HorizonFlat *
clv_horizon_flat_alloc(const HorizonHead *h, ClvKeyKind kind, uint64 ncusts, uint64 nrows, uint64 arenalen)
{
	Size		sz = clv_horizon_flat_size(ncusts, nrows, arenalen);
	HorizonFlat *f;

	clv_horizon_check_flat_size(sz);
	f = palloc_extended(sz, MCXT_ALLOC_HUGE);
	memset(f, 0, sizeof(HorizonFlat));
	SET_VARSIZE(f, sz);
	f->version = HORIZON_FLAT_V2;
	f->nentries = (uint32) ncusts;
	f->nnodes = nrows;
	f->arenalen = arenalen;
	clv_horizon_flat_set_head(f, h, kind);
	return f;
}

Datum
clv_horizon_flat_empty(void)
{
	HorizonHead h;

	clv_horizon_head_init(&h);
	return PointerGetDatum(clv_horizon_flat_alloc(&h, CLV_KEY_NONE, 0, 0, 0));
}

/* The customers and rows of a version 2 flat value as flat tables */
void
clv_horizon_flat_tabs(HorizonFlat *f, ClvFlatTab *ct, ClvFlatTab *rt)
{
	clv_flat_init(ct, &clv_horizon_flatcust_spec, (ClvKeyKind) f->keykind, f->nentries,
				  (char *) FLAT_CUSTS(f), FLAT_ARENA(f), f->arenalen);
	clv_flat_init(rt, &clv_horizon_row_spec, (ClvKeyKind) f->keykind, (uint32) f->nnodes,
				  (char *) FLAT_ROWS(f), FLAT_ARENA(f), f->arenalen);
}

/* A datum as a version 2 flat value (sorted): flattened, or itself */
HorizonFlat *
clv_horizon_flat_sorted(Datum d)
{
	HorizonState *s = (HorizonState *) clv_state_expanded(d, &clv_horizon_methods, HORIZON_TYPNAME);
	HorizonFlat *f;
	MemoryContext tmp;
	MemoryContext old;

	if (s && s->flatval)
		return s->flatval;
	if (s)
		return clv_horizon_flatten(s);
	f = clv_horizon_flat_check(d);
	if (f->version == HORIZON_FLAT_V2)
		return f;
	/* a version 1 value: put it in order through a scratch state */
	tmp = AllocSetContextCreate(CurrentMemoryContext, "clv_horizon_state sort",
								ALLOCSET_DEFAULT_SIZES);
	s = clv_horizon_from_datum(PointerGetDatum(f), tmp);
	old = MemoryContextSwitchTo(MemoryContextGetParent(tmp));
	f = clv_horizon_flatten(s);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return f;
}

/* ----------------------------------------------------------------
 * Small states: flat values updated in place
 * ----------------------------------------------------------------
 */

/* The run of rows of customer entry c in a version 2 flat value: [*lo, *hi) */
static void
CustRows(HorizonFlat *f, const HorizonEntry *c, uint32 *lo, uint32 *hi)
{
	ClvFlatTab ct,
				rt;
	ClvKey		key;
	bool		found;

	clv_horizon_flat_tabs(f, &ct, &rt);
	clv_key_from_ref(ct.kind, c->keyref, ct.arena, &key);
	*lo = clv_flat_search(&rt, &key, PG_INT64_MIN, &found);
	*hi = *lo;
	while (*hi < rt.nentries && FLAT_ROWS(f)[*hi].keyref == c->keyref)
		(*hi)++;
}

/*
 * Add a row to a small version 2 flat state.  Returns the resulting datum
 * (f, changed in place, or a new value), or (Datum) 0 when the state must
 * be expanded: it is too large for the row, or of version 1.  Whatever was
 * changed in f then is also what adding the row to the expanded state
 * does, so that adding it again there is right.
 */
Datum
clv_horizon_flat_add_row(HorizonFlat *f, ClvKeyKind rowkind, const Interval *iv, const ClvKey *key,
		   TimestampTz t, const ClvMoney *m)
{
	HorizonHead h;
	ClvKeyKind	kind;
	HorizonWindow		w;
	ClvFlatTab	ct,
				rt;
	HorizonEntry *c;
	uint32		pos,
				rpos;
	bool		found;
	bool		is_order = clv_money_sign(m) >= 0;
	int128		amount;
	HorizonFlat *g;
	HorizonRow *r;

	if (f->version != HORIZON_FLAT_V2)
		return (Datum) 0;
	clv_horizon_flat_head(f, &h);
	clv_horizon_head_set(&h, iv);
	kind = clv_row_kind(&clv_horizon_flatcust_spec, (ClvKeyKind) f->keykind, f->nentries, rowkind);
	clv_horizon_window_init(&w, &h.horizon);
	if (m->scale > h.scale)
	{
		uint64		i;

		for (i = 0; i < f->nnodes; i++)
		{
			HorizonRow *ri = &FLAT_ROWS(f)[i];
			int128		v = clv_horizon_rescale(ri->hi, ri->lo, h.scale, m->scale);

			ri->hi = clv_int128_hi(v);
			ri->lo = clv_int128_lo(v);
		}
		h.scale = m->scale;
	}
	if (m->dscale > h.dscale)
		h.dscale = m->dscale;
	if (is_order && t > h.maxorder)
		h.maxorder = t;
	clv_horizon_flat_set_head(f, &h, kind);
	amount = clv_horizon_rescale(clv_int128_hi(m->value), clv_int128_lo(m->value), m->scale, h.scale);

	clv_horizon_flat_tabs(f, &ct, &rt);
	pos = clv_flat_search(&ct, key, 0, &found);
	if (!found)
	{
		TimestampTz wend = NO_TIME;
		uint64		keybytes = clv_key_arena_bytes(kind, key->len);
		HorizonEntry *nc;

		/* a new customer: its row is kept (the window starts at it) */
		if (f->nentries >= HORIZON_SMALL_CUSTOMERS || f->nnodes >= HORIZON_SMALL_ROWS)
			return (Datum) 0;
		if (is_order)
			(void) clv_horizon_in_window(&w, t, &wend, t);	/* the errors of an out-of-range end */
		rpos = clv_flat_search(&rt, key, t, &found);
		g = clv_horizon_flat_alloc(&h, kind, f->nentries + 1, f->nnodes + 1, f->arenalen + keybytes);
		nc = clv_flat_insert(&ct, &clv_horizon_flatcust_spec, pos, key, 0, (char *) FLAT_CUSTS(g), FLAT_ARENA(g));
		if (is_order)
		{
			nc->first = t;
			nc->wend = wend;
		}
		/* the rows' references into the arena are the same in g */
		r = clv_flat_insert_ref(&rt, &clv_horizon_row_spec, rpos, nc->keyref, t, (char *) FLAT_ROWS(g));
		r->hi = clv_int128_hi(amount);
		r->lo = clv_int128_lo(amount);
		return PointerGetDatum(g);
	}

	c = &FLAT_CUSTS(f)[pos];
	if (is_order && (c->first == NO_TIME || t < c->first))
	{
		uint32		lo,
					hi,
					cut;

		/* an earlier first order: drop the rows now past the window */
		c->first = t;
		c->wend = NO_TIME;
		CustRows(f, c, &lo, &hi);
		for (cut = lo; cut < hi; cut++)
			if (!clv_horizon_in_window(&w, c->first, &c->wend, FLAT_ROWS(f)[cut].t))
				break;
		if (cut < hi)
		{
			memmove(&FLAT_ROWS(f)[cut], &FLAT_ROWS(f)[hi],
					(f->nnodes - hi) * sizeof(HorizonRow) + f->arenalen);
			f->nnodes -= hi - cut;
			SET_VARSIZE(f, clv_horizon_flat_size(f->nentries, f->nnodes, f->arenalen));
			clv_horizon_flat_tabs(f, &ct, &rt);
		}
	}
	if (c->first != NO_TIME && !clv_horizon_in_window(&w, c->first, &c->wend, t))
		return PointerGetDatum(f);	/* past the window: not kept */
	rpos = clv_flat_search(&rt, key, t, &found);
	if (found)
	{
		int128		v;

		r = &FLAT_ROWS(f)[rpos];
		if (__builtin_add_overflow(clv_int128_join(r->hi, r->lo), amount, &v))
			clv_money_overflow();
		r->hi = clv_int128_hi(v);
		r->lo = clv_int128_lo(v);
		return PointerGetDatum(f);
	}
	if (f->nnodes >= HORIZON_SMALL_ROWS)
		return (Datum) 0;
	g = clv_horizon_flat_alloc(&h, kind, f->nentries, f->nnodes + 1, f->arenalen);
	memcpy(FLAT_CUSTS(g), FLAT_CUSTS(f), f->nentries * sizeof(HorizonEntry));
	if (f->arenalen > 0)
		memcpy(FLAT_ARENA(g), FLAT_ARENA(f), f->arenalen);
	r = clv_flat_insert_ref(&rt, &clv_horizon_row_spec, rpos, c->keyref, t, (char *) FLAT_ROWS(g));
	r->hi = clv_int128_hi(amount);
	r->lo = clv_int128_lo(amount);
	return PointerGetDatum(g);
}

/*
 * Merge two version 2 flat values in one sequential pass: count (out NULL)
 * or write the customers (each key once, the earlier first order), and per
 * customer its rows of both (rows at one time summed, amounts at the larger
 * scale) that lie inside its merged window.  Returns the number of rows;
 * *ncusts and *arenalen get the other sizes.
 */
static uint64
MergeFlats(HorizonFlat *a, HorizonFlat *b, const HorizonWindow *w, int32 scale, HorizonFlat *out,
		   uint32 *ncusts, uint64 *arenalen)
{
	ClvFlatTab	ca,
				ra,
				cb,
				rb;
	uint32		i = 0,
				j = 0;
	uint64		ka = 0,
				kb = 0;
	uint64		nrows = 0;
	uint32		nc = 0;
	uint64		alen = 0;
	ClvKeyKind	kind = a->keykind != CLV_KEY_NONE ? (ClvKeyKind) a->keykind : (ClvKeyKind) b->keykind;

	clv_horizon_flat_tabs(a, &ca, &ra);
	clv_horizon_flat_tabs(b, &cb, &rb);
	ca.kind = ra.kind = cb.kind = rb.kind = kind;
	while (i < a->nentries || j < b->nentries)
	{
		int			c;
		HorizonEntry m;
		uint64		enda = ka,
					endb = kb;
		ClvKey		key;

		if (i >= a->nentries)
			c = 1;
		else if (j >= b->nentries)
			c = -1;
		else
			c = clv_flat_cmp(&ca, i, &cb, j);
		m = c <= 0 ? FLAT_CUSTS(a)[i] : FLAT_CUSTS(b)[j];
		if (c == 0)
			clv_horizon_cust_merge(&m, &FLAT_CUSTS(b)[j]);
		if (c <= 0)
		{
			clv_flat_key(&ca, i, &key);
			while (enda < a->nnodes && FLAT_ROWS(a)[enda].keyref == FLAT_CUSTS(a)[i].keyref)
				enda++;
		}
		else
			clv_flat_key(&cb, j, &key);
		if (c >= 0)
			while (endb < b->nnodes && FLAT_ROWS(b)[endb].keyref == FLAT_CUSTS(b)[j].keyref)
				endb++;
		m.head = 0;
		m.unused = 0;
		if (out)
		{
			m.keyref = kind == CLV_KEY_INT8 ? key.ival :
				clv_key_arena_put(FLAT_ARENA(out), &alen, &key);
			FLAT_CUSTS(out)[nc] = m;
		}
		else if (kind != CLV_KEY_INT8)
			alen += clv_key_arena_bytes(kind, key.len);
		nc++;

		/* the rows of both runs by time, summed, inside the window */
		while (ka < enda || kb < endb)
		{
			TimestampTz t;
			int128		v = 0;

			if (ka < enda && (kb >= endb || FLAT_ROWS(a)[ka].t <= FLAT_ROWS(b)[kb].t))
				t = FLAT_ROWS(a)[ka].t;
			else
				t = FLAT_ROWS(b)[kb].t;
			if (ka < enda && FLAT_ROWS(a)[ka].t == t)
			{
				v = clv_horizon_rescale(FLAT_ROWS(a)[ka].hi, FLAT_ROWS(a)[ka].lo, a->scale, scale);
				ka++;
			}
			if (kb < endb && FLAT_ROWS(b)[kb].t == t)
			{
				if (__builtin_add_overflow(v, clv_horizon_rescale(FLAT_ROWS(b)[kb].hi, FLAT_ROWS(b)[kb].lo,
													  b->scale, scale), &v))
					clv_money_overflow();
				kb++;
			}
			if (m.first != NO_TIME && !clv_horizon_in_window(w, m.first, &m.wend, t))
				continue;
			if (out)
			{
				HorizonRow *r = &FLAT_ROWS(out)[nrows];

				r->keyref = m.keyref;
				r->t = t;
				r->hi = clv_int128_hi(v);
				r->lo = clv_int128_lo(v);
			}
			nrows++;
		}
		ka = enda;
		kb = endb;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if ((nc & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	*ncusts = nc;
	*arenalen = alen;
	return nrows;
}

/* The merge of two version 2 flat values, in the current memory context */
HorizonFlat *
clv_horizon_flat_merge(HorizonFlat *a, HorizonFlat *b)
{
	HorizonHead h,
				hb;
	HorizonWindow		w;
	uint32		n;
	uint64		arenalen,
				nrows;
	HorizonFlat *f;
	ClvKeyKind	kind;

	clv_horizon_flat_head(a, &h);
	clv_horizon_flat_head(b, &hb);
	kind = clv_merge_kinds(&clv_horizon_flatcust_spec, (ClvKeyKind) a->keykind, (ClvKeyKind) b->keykind);
	if (hb.flags & HORIZON_SET)
		clv_horizon_head_set(&h, &hb.horizon);
	if (hb.maxorder != DT_NOBEGIN && hb.maxorder > h.maxorder)
		h.maxorder = hb.maxorder;
	h.scale = Max(h.scale, hb.scale);
	h.dscale = Max(h.dscale, hb.dscale);
	if (h.flags & HORIZON_SET)
		clv_horizon_window_init(&w, &h.horizon);
	else
		memset(&w, 0, sizeof(w));
	nrows = MergeFlats(a, b, &w, h.scale, NULL, &n, &arenalen);
	f = clv_horizon_flat_alloc(&h, kind, n, nrows, arenalen);
	(void) MergeFlats(a, b, &w, h.scale, f, &n, &arenalen);
	return f;
}

/* The result of a version 2 flat value, in one pass */
Datum
clv_horizon_flat_final(HorizonFlat *f, bool *isnull)
{
	HorizonWindow		w;
	ClvMoney	total;
	int64		qualifying = 0;
	uint64		k = 0;
	uint32		i;

	if (f->flags & HORIZON_SET)
		clv_horizon_window_init(&w, &f->horizon);
	total.value = 0;
	total.scale = f->scale;
	total.dscale = f->dscale;
	for (i = 0; i < f->nentries; i++)
	{
		HorizonEntry e = FLAT_CUSTS(f)[i];
		bool		q = e.first != NO_TIME && clv_horizon_qualifies(&w, e.first, &e.wend, f->maxorder);

		qualifying += q;
		for (; k < f->nnodes && FLAT_ROWS(f)[k].keyref == e.keyref; k++)
			if (q && clv_horizon_in_window(&w, e.first, &e.wend, FLAT_ROWS(f)[k].t) &&
				__builtin_add_overflow(total.value,
									   clv_int128_join(FLAT_ROWS(f)[k].hi, FLAT_ROWS(f)[k].lo),
									   &total.value))
				clv_money_overflow();
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	*isnull = qualifying == 0;
	if (qualifying == 0)
		return (Datum) 0;
	return clv_money_div_count(&total, qualifying);
}

