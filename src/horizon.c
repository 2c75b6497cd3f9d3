/*-------------------------------------------------------------------------
 *
 * horizon.c
 *	  clv_agg(customer_id, ordered_at, amount, horizon): average revenue per
 *	  customer in the first `horizon` after their first order, over the
 *	  customers observed for at least `horizon`: its transition, combine
 *	  and final functions, and the I/O of its state type clv_horizon_state
 *	  (the state itself: horizon.h, horizon_state.c, horizon_flat.c).
 *
 * Definition: for customer i with first order at f_i, the window revenue
 * is the sum of the customer's amounts (orders and refunds) with
 * ordered_at < f_i + horizon (interval arithmetic, as timestamptz + interval
 * in the session TimeZone).  Observation ends at E, the latest order in the
 * group.  Customer i qualifies when f_i + horizon <= E.  The result is the
 * mean window revenue over qualifying customers, NULL when none qualifies.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "horizon.h"

/* ----------------------------------------------------------------
 * Aggregate support functions
 * ----------------------------------------------------------------
 */

/*
 * clv_horizon_accum(state, customer_id, ordered_at, amount, horizon)
 */
PG_FUNCTION_INFO_V1(clv_horizon_accum);
Datum
clv_horizon_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "clv_horizon_accum", HORIZON_USE);
	ClvArgTypes *types = clv_arg_types(fcinfo, 1, 2, 3);
	Interval   *iv;
	ClvKey		key;
	TimestampTz t;
	ClvMoney	m;
	HorizonState *s;
	Datum		result;

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
	iv = PG_GETARG_INTERVAL_P(4);

	/* a large state: expanded, updated in place */
	if (!PG_ARGISNULL(0) && clv_state_is_mutable(PG_GETARG_DATUM(0), &clv_horizon_methods, aggcontext))
	{
		s = (HorizonState *) clv_state_eohp(PG_GETARG_DATUM(0));
		if (unlikely(s->flatval != NULL))
			clv_horizon_unflatten(s);
		clv_horizon_set_horizon(s, iv);
		t = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
		clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &m);
		if (unlikely(s->custs.kind != types->keykind))
			clv_horizon_set_kind(s, types->keykind, false);
		clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
		clv_horizon_add_row(s, &key, t, &m);
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	if (PG_ARGISNULL(0) || !VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		/* a small flat state (or none yet) */
		HorizonFlat *f = PG_ARGISNULL(0) ? (HorizonFlat *) DatumGetPointer(clv_horizon_flat_empty()) :
			clv_horizon_flat_check(PG_GETARG_DATUM(0));
		HorizonHead h;

		/* the checks of the expanded path, in its order */
		clv_horizon_flat_head(f, &h);
		clv_horizon_head_set(&h, iv);
		t = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
		clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &m);
		clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
		result = clv_horizon_flat_add_row(f, types->keykind, iv, &key, t, &m);
		if (result != (Datum) 0)
			PG_RETURN_DATUM(result);
		s = clv_horizon_mutable(PointerGetDatum(f), false, aggcontext);
	}
	else
	{
		s = clv_horizon_mutable(PG_GETARG_DATUM(0), false, aggcontext);
		clv_horizon_set_horizon(s, iv);
		t = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
		clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &m);
		clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
	}
	clv_horizon_set_horizon(s, iv);
	clv_horizon_set_kind(s, types->keykind, false);
	clv_horizon_add_row(s, &key, t, &m);
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
}

/*
 * clv_horizon_combine(state, state): combine function.  Two flat states
 * of comparable size (the partial states of parallel workers) are merged
 * in one sequential pass into a flat value that nodeAgg gets as an
 * expanded object; else the input goes into the state's tables.
 */
static Datum
HorizonCombine(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "clv_horizon_combine", HORIZON_USE);
	HorizonState *s = NULL;
	HorizonFlat *in;
	HorizonFlat *a = NULL;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));	/* nodeAgg copies it */
	/* detoasting flattens an expanded input */
	in = clv_horizon_flat_check(PG_GETARG_DATUM(1));
	if (clv_state_is_mutable(PG_GETARG_DATUM(0), &clv_horizon_methods, aggcontext))
	{
		s = (HorizonState *) clv_state_eohp(PG_GETARG_DATUM(0));
		a = s->flatval;
	}
	else if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
		a = clv_horizon_flat_check(PG_GETARG_DATUM(0));
	if (a && a->version == HORIZON_FLAT_V2 && in->version == HORIZON_FLAT_V2 &&
		(uint64) in->nentries * 8 >= a->nentries)
	{
		MemoryContext old;
		HorizonFlat *prev = s ? s->flatval : NULL;

		if (s == NULL)
			s = clv_horizon_create(aggcontext, CLV_KEY_NONE, 0);
		old = MemoryContextSwitchTo(s->hdr.eoh.eoh_context);
		s->flatval = clv_horizon_flat_merge(a, in);
		MemoryContextSwitchTo(old);
		if (prev)
			pfree(prev);
		PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
	}
	s = clv_horizon_mutable(PG_GETARG_DATUM(0), false, aggcontext);
	clv_horizon_merge_flat(s, in);
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
}

PG_FUNCTION_INFO_V1(clv_horizon_combine);
Datum
clv_horizon_combine(PG_FUNCTION_ARGS)
{
	return HorizonCombine(fcinfo);
}

/* The C name of clv_horizon_combine in clv 0.2.0, for its catalog entries */
PG_FUNCTION_INFO_V1(clv_horizon_merge);
Datum
clv_horizon_merge(PG_FUNCTION_ARGS)
{
	return HorizonCombine(fcinfo);
}

/* Add a row's amount to the total if its customer qualifies and it is inside */
static void
ApplyFinal(void *arg, void *entry, bool isnew, const void *payload)
{
	HorizonState *s = (HorizonState *) arg;
	HorizonCust *e = (HorizonCust *) entry;
	const CustPayload *p = (const CustPayload *) payload;

	if ((e->nin & QUALIFIES_BIT) && clv_horizon_in_window(&s->win, e->first, &e->wend, p->t) &&
		__builtin_add_overflow(s->total, clv_int128_join(p->hi, p->lo), &s->total))
		clv_money_overflow();
}

/* clv_horizon_final(state): mean window revenue of qualifying customers */
PG_FUNCTION_INFO_V1(clv_horizon_final);
Datum
clv_horizon_final(PG_FUNCTION_ARGS)
{
	HorizonState *s;
	HorizonCust *e;
	HorizonRow *r;
	ClvMoney	total;
	int64		qualifying = 0;
	uint32		pos = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (HorizonState *) clv_state_expanded(PG_GETARG_DATUM(0), &clv_horizon_methods, HORIZON_TYPNAME);
	if (s == NULL || s->flatval)
	{
		HorizonFlat *f = s ? s->flatval : clv_horizon_flat_check(PG_GETARG_DATUM(0));

		if (f->version == HORIZON_FLAT_V2)
		{
			bool		isnull;
			Datum		result = clv_horizon_flat_final(f, &isnull);

			if (isnull)
				PG_RETURN_NULL();
			PG_RETURN_DATUM(result);
		}
	}
	s = clv_horizon_from_datum(PG_GETARG_DATUM(0), CurrentMemoryContext);
	clv_tab_flush(&s->custs);
	clv_tab_flush(&s->rows);

	/* the qualifying customers, marked, and their inline rows summed */
	s->total = 0;
	while ((e = clv_tab_next(&s->custs, &pos)) != NULL)
	{
		e->nin &= ~QUALIFIES_BIT;
		if (e->first != NO_TIME &&
			clv_horizon_qualifies(&s->win, e->first, &e->wend, s->head.maxorder))
		{
			uint32		i;

			e->nin |= QUALIFIES_BIT;
			qualifying++;
			for (i = 0; i < NIN(e); i++)
				if (__builtin_add_overflow(s->total, (int128) e->int_amount[i], &s->total))
					clv_money_overflow();
		}
		if ((pos & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	/* and their rows of the row table inside the window */
	if (qualifying > 0 && s->rows.nentries > 0)
	{
		clv_tab_batch_init(&s->custs, sizeof(CustPayload), ApplyFinal, s);
		pos = 0;
		while ((r = clv_tab_next(&s->rows, &pos)) != NULL)
		{
			ClvKey		key;
			CustPayload *p;

			clv_tab_entry_key(&s->rows, r, &key);
			key.hash = clv_key_hash(s->rows.kind, &key);
			p = clv_tab_push(&s->custs, &key, 0);
			p->t = r->t;
			p->hi = r->hi;
			p->lo = r->lo;
			clv_tab_pushed(&s->custs);
			if ((pos & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		clv_tab_flush(&s->custs);
		clv_tab_batch_init(&s->custs, sizeof(CustPayload), clv_horizon_apply_cust, s);
	}
	pos = 0;
	while ((e = clv_tab_next(&s->custs, &pos)) != NULL)
		e->nin &= ~QUALIFIES_BIT;

	/* no customer observed for the whole horizon: NULL, like avg() of nothing */
	if (qualifying == 0)
		PG_RETURN_NULL();
	total.value = s->total;
	total.scale = s->head.scale;
	total.dscale = s->head.dscale;
	PG_RETURN_DATUM(clv_money_div_count(&total, qualifying));
}

/* ----------------------------------------------------------------
 * I/O
 *
 * Binary form (version 1, as in clv 0.2.0): version, key kind (bytes),
 * flags (int16), horizon (time int64, day int32, month int32), scale,
 * dscale (int32), maxorder (int64), number of customers (uint32), then per
 * customer in key order: key, first (int64), number of rows (uint32), and
 * per row in time order: time (int64), amount (int64 high, int64 low).
 * Rows of one customer at one time are one row (their sum).  The text form
 * is "clv_horizon_state:" + base64 of it.
 * ----------------------------------------------------------------
 */

static bytea *
HorizonSend(Datum d)
{
	HorizonFlat *f = clv_horizon_flat_sorted(d);
	StringInfoData buf;
	uint64		k = 0;
	uint32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, HORIZON_SEND_VERSION);
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
		const HorizonEntry *c = &FLAT_CUSTS(f)[i];
		ClvKey		key;
		uint64		end = k;

		while (end < f->nnodes && FLAT_ROWS(f)[end].keyref == c->keyref)
			end++;
		clv_key_from_ref((ClvKeyKind) f->keykind, c->keyref, FLAT_ARENA(f), &key);
		clv_key_send(&buf, (ClvKeyKind) f->keykind, &key);
		pq_sendint64(&buf, c->first);
		pq_sendint32(&buf, (uint32) (end - k));
		for (; k < end; k++)
		{
			const HorizonRow *r = &FLAT_ROWS(f)[k];

			pq_sendint64(&buf, r->t);
			pq_sendint64(&buf, r->hi);
			pq_sendint64(&buf, (int64) r->lo);
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return pq_endtypsend(&buf);
}

static Datum
HorizonRecv(StringInfo buf)
{
	int			version;
	int			kind;
	HorizonHead h;
	uint32		n,
				i;
	MemoryContext tmp,
				old;
	HorizonState *s;
	HorizonFlat *result;
	TimestampTz seen_max = DT_NOBEGIN;

	clv_recv_need(buf, 1, HORIZON_TYPNAME);
	version = pq_getmsgbyte(buf);
	if (version != HORIZON_SEND_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported clv_horizon_state version %d", version)));
	clv_recv_need(buf, 1 + 2 + 16 + 8 + 8 + 4, HORIZON_TYPNAME);
	kind = pq_getmsgbyte(buf);
	if (kind > CLV_KEY_TEXT)
		clv_bad_external(HORIZON_TYPNAME, "Unknown customer key kind.");
	clv_horizon_head_init(&h);
	h.flags = (uint16) pq_getmsgint(buf, 2);
	if (h.flags & ~HORIZON_SET)
		clv_bad_external(HORIZON_TYPNAME, "Unknown flags.");
	h.horizon.time = pq_getmsgint64(buf);
	h.horizon.day = pq_getmsgint(buf, 4);
	h.horizon.month = pq_getmsgint(buf, 4);
	h.scale = pq_getmsgint(buf, 4);
	h.dscale = pq_getmsgint(buf, 4);
	if (h.scale < 0 || h.scale > CLV_MAX_SCALE || h.dscale < h.scale || h.dscale > 0x3FFF)
		clv_bad_external(HORIZON_TYPNAME, "Invalid scale.");
	h.maxorder = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if ((kind == CLV_KEY_NONE && n != 0) || (!(h.flags & HORIZON_SET) && n != 0))
		clv_bad_external(HORIZON_TYPNAME, "Customers without a key kind or horizon.");
	if ((uint64) n * 20 > (uint64) (buf->len - buf->cursor))
		clv_bad_external(HORIZON_TYPNAME, "The number of customers does not match the data.");

	tmp = AllocSetContextCreate(CurrentMemoryContext, "clv_horizon_state recv", ALLOCSET_DEFAULT_SIZES);
	s = clv_horizon_create(tmp, (ClvKeyKind) kind, n);
	if (h.flags & HORIZON_SET)
		clv_horizon_set_horizon(s, &h.horizon);
	s->head.scale = h.scale;
	s->head.dscale = h.dscale;
	for (i = 0; i < n; i++)
	{
		ClvKey		key;
		bool		found;
		uint32		cnt,
					c;
		TimestampTz first;
		TimestampTz wend = NO_TIME;
		HorizonCust *e;

		clv_key_recv(buf, (ClvKeyKind) kind, &key);
		clv_recv_need(buf, 12, HORIZON_TYPNAME);
		first = pq_getmsgint64(buf);
		cnt = pq_getmsgint(buf, 4);
		if (first != NO_TIME && TIMESTAMP_NOT_FINITE(first))
			clv_bad_external(HORIZON_TYPNAME, "Invalid first order time.");
		if ((uint64) cnt * 24 > (uint64) (buf->len - buf->cursor))
			clv_bad_external(HORIZON_TYPNAME, "The number of rows does not match the data.");
		e = clv_tab_lookup(&s->custs, &key, 0, &found);
		if (found)
			clv_bad_external(HORIZON_TYPNAME, "Duplicate customer key.");
		if (first != NO_TIME)
		{
			e->first = first;
			seen_max = Max(seen_max, first);
		}
		for (c = 0; c < cnt; c++)
		{
			TimestampTz t = pq_getmsgint64(buf);
			int64		hi = pq_getmsgint64(buf);
			int64		lo = pq_getmsgint64(buf);

			if (TIMESTAMP_NOT_FINITE(t) ||
				(first != NO_TIME && !clv_horizon_in_window(&s->win, first, &wend, t)))
				clv_bad_external(HORIZON_TYPNAME, "A row lies outside its customer's window.");
			/* the customer's entry may have moved: look it up again */
			e = clv_tab_find(&s->custs, &key, 0);
			clv_horizon_add_kept_row(s, e, t, clv_int128_join(hi, (uint64) lo));
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (n > 0 && (TIMESTAMP_NOT_FINITE(h.maxorder) ? seen_max != DT_NOBEGIN : h.maxorder < seen_max))
		clv_bad_external(HORIZON_TYPNAME, "Invalid end of observation.");
	s->head.maxorder = h.maxorder;
	old = MemoryContextSwitchTo(MemoryContextGetParent(tmp));
	result = clv_horizon_flatten(s);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return PointerGetDatum(result);
}

PG_FUNCTION_INFO_V1(clv_horizon_state_send);
Datum
clv_horizon_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(HorizonSend(PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(clv_horizon_state_recv);
Datum
clv_horizon_state_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(clv_state_recv(HORIZON_TYPNAME, (StringInfo) PG_GETARG_POINTER(0), HorizonRecv));
}

PG_FUNCTION_INFO_V1(clv_horizon_state_out);
Datum
clv_horizon_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(clv_state_out(HORIZON_TYPNAME, PG_GETARG_DATUM(0), HorizonSend));
}

PG_FUNCTION_INFO_V1(clv_horizon_state_in);
Datum
clv_horizon_state_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(clv_state_in(HORIZON_TYPNAME, PG_GETARG_CSTRING(0), HorizonRecv));
}
