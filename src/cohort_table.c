/*-------------------------------------------------------------------------
 *
 * cohort_table.c
 *	  The cohort table: clv_cohort_table(), which expands a cohort state into
 *	  one row per cohort and period offset, and clv_cohorts(), which runs an
 *	  orders query through SPI and returns the same rows.
 *
 * Definitions (see docs/readme/cohort.md; rows, customer-periods and the
 * last period observed in cohort.h, periods in calendar.h):
 *
 *	- A customer's cohort is the period of their first order.  Customers
 *	  with refunds only belong to no cohort, and their rows are left out of
 *	  revenue (they still count for the end of observation).
 *	- The offset of a row is its period minus the cohort's period; a refund
 *	  dated before the customer's first order counts at offset 0, so that
 *	  the revenue of a cohort is the sum of all its customers' amounts.
 *	- Every cohort gets one row for each offset 0 .. (last period - cohort),
 *	  with zeros where nobody was active (gap filling).  For cohort c and
 *	  offset k: cohort_customers = customers of c; active_customers = those
 *	  with an order in period c + k; retention = active / cohort customers;
 *	  orders and revenue = their orders and net revenue in period c + k;
 *	  cumulative_revenue_per_customer = revenue of offsets 0 .. k / cohort
 *	  customers.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/tuplestore.h"

#include "cohort.h"

#define COHORT_FETCH_BATCH	1000
#define COHORT_NO_PERIOD	PG_INT32_MAX

/*
 * One cell of the table: the customer-periods placed at one cohort and
 * offset, summed.  Key (sparse cells): cohort << 32 | offset.
 */
typedef struct CohortCell
{
	uint64		key;
	int128		revenue;
	int64		orders;
	int64		active;			/* customer-periods with an order */
	char		status;			/* simplehash */
} CohortCell;

#define CellKey(cohort, offset) (((uint64) (uint32) (cohort) << 32) | (uint32) (offset))
#define CellCohort(key)		((int32) (uint32) ((key) >> 32))
#define CellOffset(key)		((int32) (uint32) (key))

#define SH_PREFIX			cells
#define SH_ELEMENT_TYPE		CohortCell
#define SH_KEY_TYPE			uint64
#define SH_KEY				key
#define SH_HASH_KEY(tb, k)	hash_combine(murmurhash32((uint32) ((k) >> 32)), murmurhash32((uint32) (k)))
#define SH_EQUAL(tb, a, b)	((a) == (b))
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * The cells of a table.  When the triangle of every (cohort, offset) from
 * the first cohort to the last period is small, the cells are a dense
 * array: cohort lo + c, offset k at rowstart[c] + k.  Otherwise (years of
 * daily cohorts, or a few far-apart periods) only the cells with activity
 * are kept, in a hash table, and sorted by (cohort, offset) for writing.
 */
#define COHORT_DENSE_CELLS	(1024 * 1024)

typedef struct CohortCells
{
	int32		lo;				/* first cohort */
	int32		last;			/* last period */
	CohortCell *dense;			/* dense cells, or NULL */
	uint64	   *rowstart;		/* dense: first cell of each cohort */
	cells_hash *hash;			/* sparse cells */
	CohortCell **sorted;		/* sparse cells in order, for reading */
	uint32		nsorted;
	uint32		next;			/* reading position in sorted */
} CohortCells;

static void
CellsInit(CohortCells *cs, int32 lo, int32 last)
{
	uint64		n = (uint64) ((int64) last - lo + 1);

	memset(cs, 0, sizeof(CohortCells));
	cs->lo = lo;
	cs->last = last;
	if (n * (n + 1) / 2 <= COHORT_DENSE_CELLS)
	{
		uint64		c;
		uint64		start = 0;

		cs->dense = palloc0(sizeof(CohortCell) * n * (n + 1) / 2);
		cs->rowstart = palloc(sizeof(uint64) * n);
		for (c = 0; c < n; c++)
		{
			cs->rowstart[c] = start;
			start += n - c;
		}
	}
	else
		cs->hash = cells_create(CurrentMemoryContext, 256, NULL);
}

/* The cell of (cohort, offset), created empty if needed */
static inline CohortCell *
CellAt(CohortCells *cs, int32 cohort, int32 offset)
{
	CohortCell *cell;
	bool		found;

	if (cs->dense)
		return &cs->dense[cs->rowstart[cohort - cs->lo] + offset];
	cell = cells_insert(cs->hash, CellKey(cohort, offset), &found);
	if (!found)
	{
		cell->revenue = 0;
		cell->orders = 0;
		cell->active = 0;
	}
	return cell;
}

/* Sum one customer-period into the cell of (cohort, offset) */
static inline void
AddToCell(CohortCells *cs, int32 cohort, int32 offset, const CohortEntry *e)
{
	CohortCell *cell = CellAt(cs, cohort, offset);

	if (unlikely(__builtin_add_overflow(cell->revenue, e->revenue, &cell->revenue)))
		clv_money_overflow();
	if (unlikely(__builtin_add_overflow(cell->orders, e->orders, &cell->orders)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("order count out of range")));
	if (e->orders > 0)
		cell->active++;
}

/* Order of cells: by cohort, then offset (offsets are >= 0) */
static int
CompareCells(const void *a, const void *b)
{
	const CohortCell *x = *(const CohortCell *const *) a;
	const CohortCell *y = *(const CohortCell *const *) b;

	if (CellCohort(x->key) != CellCohort(y->key))
		return CellCohort(x->key) < CellCohort(y->key) ? -1 : 1;
	if (CellOffset(x->key) != CellOffset(y->key))
		return CellOffset(x->key) < CellOffset(y->key) ? -1 : 1;
	return 0;
}

/* Prepare the cells for reading in (cohort, offset) order */
static void
CellsStartReading(CohortCells *cs)
{
	cells_iterator it;
	CohortCell *cell;

	if (cs->dense)
		return;
	cs->sorted = palloc_extended(sizeof(CohortCell *) * Max(cs->hash->members, 1), MCXT_ALLOC_HUGE);
	cells_start_iterate(cs->hash, &it);
	while ((cell = cells_iterate(cs->hash, &it)) != NULL)
		cs->sorted[cs->nsorted++] = cell;
	qsort(cs->sorted, cs->nsorted, sizeof(CohortCell *), CompareCells);
}

/*
 * The next cohort (with customers) after "cohort" (PG_INT32_MIN: the
 * first), or false at the end
 */
static bool
CellsNextCohort(CohortCells *cs, int32 *cohort)
{
	if (cs->dense)
	{
		int64		c = *cohort == PG_INT32_MIN ? cs->lo : (int64) *cohort + 1;

		for (; c <= cs->last; c++)
			if (cs->dense[cs->rowstart[c - cs->lo]].active > 0)
			{
				*cohort = (int32) c;
				return true;
			}
		return false;
	}
	/* the cells of the previous cohort were all read */
	if (cs->next >= cs->nsorted)
		return false;
	*cohort = CellCohort(cs->sorted[cs->next]->key);
	return true;
}

/* The cell of (cohort, offset) when reading in order, or NULL if empty */
static inline const CohortCell *
CellRead(CohortCells *cs, int32 cohort, int32 offset)
{
	if (cs->dense)
		return &cs->dense[cs->rowstart[cohort - cs->lo] + offset];
	if (cs->next < cs->nsorted && cs->sorted[cs->next]->key == CellKey(cohort, offset))
		return cs->sorted[cs->next++];
	return NULL;
}

/* Write one row of the table */
static void
PutRow(ReturnSetInfo *rsinfo, const CohortHead *h, int32 cohort, int32 offset,
	   int64 customers, int64 active, int64 orders, const ClvMoney *revenue,
	   const ClvMoney *cumulative)
{
	Datum		values[8];
	bool		nulls[8] = {false};

	values[0] = DateADTGetDatum(clv_period_start(h->period, cohort));
	values[1] = Int32GetDatum(offset);
	values[2] = Int64GetDatum(customers);
	values[3] = Int64GetDatum(active);
	values[4] = Float8GetDatum((double) active / (double) customers);
	values[5] = Int64GetDatum(orders);
	values[6] = clv_money_to_numeric(revenue);
	values[7] = clv_money_div_count(cumulative, customers);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* Do entries i and j of a flat table belong to the same customer? */
static inline bool
SameCustomer(const ClvFlatTab *f, uint32 i, uint32 j)
{
	ClvKey		a;
	ClvKey		b;

	if (CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(f, i)) == CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(f, j)))
		return true;
	if (f->kind == CLV_KEY_INT8)
		return false;
	/* a key may be stored more than once (small states) */
	clv_flat_key(f, i, &a);
	clv_flat_key(f, j, &b);
	return clv_key_cmp(f->kind, &a, &b) == 0;
}

/*
 * Write the cohort table into the materialized SRF result of fcinfo (set up
 * by InitMaterializedSRF): one row per cohort and offset 0 .. (last period
 * - cohort), ordered by cohort and offset.
 *
 * The customer-periods come grouped by customer and sorted by period: a
 * customer's cohort is the period of their first entry with an order, and
 * every entry of the customer is summed into its (cohort, offset) cell, in
 * one pass.  The gaps are filled as the rows are written.
 */
void
clv_cohort_emit_table(FunctionCallInfo fcinfo, const CohortView *v)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const ClvFlatTab *f = &v->flat;
	const CohortHead *h = &v->head;
	CohortCells cells;
	uint32		i;
	uint32		ncustomers = 0;
	int32		lo = PG_INT32_MAX;
	int32		cohort;
	MemoryContext rowcxt;
	MemoryContext oldcxt;

	if (!h->hasrows)
		return;
	/* the first cohort: the first period with an order */
	for (i = 0; i < f->nentries; i++)
	{
		const CohortEntry *e = (const CohortEntry *) CLV_FLAT_ENTRY(f, i);

		if (e->orders > 0 && e->period < lo)
			lo = (int32) e->period;
	}
	if (lo == PG_INT32_MAX)
		return;					/* no orders: no cohort */
	CellsInit(&cells, lo, h->lastperiod);

	i = 0;
	while (i < f->nentries)
	{
		uint32		j;
		uint32		k;

		/* the customer's entries: i .. j - 1, by period */
		for (j = i + 1; j < f->nentries && SameCustomer(f, i, j); j++)
			;
		cohort = COHORT_NO_PERIOD;
		for (k = i; k < j; k++)
		{
			const CohortEntry *e = (const CohortEntry *) CLV_FLAT_ENTRY(f, k);

			if (e->orders > 0)
			{
				cohort = (int32) e->period;
				break;
			}
		}
		/* customers with refunds only have no cohort */
		if (cohort != COHORT_NO_PERIOD)
		{
			for (k = i; k < j; k++)
			{
				const CohortEntry *e = (const CohortEntry *) CLV_FLAT_ENTRY(f, k);

				/* a refund before the first order counts in the cohort's period */
				AddToCell(&cells, cohort, Max((int32) e->period - cohort, 0), e);
			}
		}
		if ((++ncustomers & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		i = j;
	}
	CellsStartReading(&cells);
	elog(DEBUG1, "%s table: %u customers, %u customer-periods, %s cells",
		 COHORT_TYPNAME, ncustomers, f->nentries, cells.dense ? "dense" : "sparse");

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "clv_cohort_table row",
								   ALLOCSET_DEFAULT_SIZES);
	cohort = PG_INT32_MIN;
	while (CellsNextCohort(&cells, &cohort))
	{
		const CohortCell *cell;
		int64		customers = 0;
		int32		offset;
		int32		last = h->lastperiod - cohort;
		ClvMoney	cumulative = {0, h->scale, h->dscale};

		for (offset = 0; offset <= last; offset++)
		{
			int64		active = 0;
			int64		orders = 0;
			ClvMoney	revenue = {0, h->scale, h->dscale};

			CHECK_FOR_INTERRUPTS();
			cell = CellRead(&cells, cohort, offset);
			if (cell != NULL)
			{
				ClvMoney	m = {cell->revenue, h->scale, 0};

				active = cell->active;
				orders = cell->orders;
				clv_money_add(&revenue, &m);
			}
			/* the customers of the cohort are its active customers at offset 0 */
			if (offset == 0)
			{
				Assert(active > 0);
				customers = active;
			}
			clv_money_add(&cumulative, &revenue);

			oldcxt = MemoryContextSwitchTo(rowcxt);
			PutRow(rsinfo, h, cohort, offset, customers, active, orders,
				   &revenue, &cumulative);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
		}
	}
	MemoryContextDelete(rowcxt);
}

/* clv_cohort_table(clv_cohort_state): the cohort table of a state */
PG_FUNCTION_INFO_V1(clv_cohort_table);
Datum
clv_cohort_table(PG_FUNCTION_ARGS)
{
	CohortView	v;

	InitMaterializedSRF(fcinfo, 0);
	clv_cohort_view(PG_GETARG_DATUM(0), &v);
	clv_cohort_emit_table(fcinfo, &v);
	return (Datum) 0;
}

/* ----------------------------------------------------------------
 * clv_cohorts(orders_query text [, period text [, time_zone text]])
 * ----------------------------------------------------------------
 */

/* The column types of an orders query */
typedef struct OrdersColumns
{
	Oid			keytype;
	ClvKeyKind	keykind;
	Oid			timetype;
	ClvAmountKind amountkind;
} OrdersColumns;

/* Raise the error for a bad orders query result */
pg_noreturn static void
BadOrdersQuery(int errcode_, const char *detail)
{
	ereport(ERROR,
			(errcode(errcode_),
			 errmsg("invalid orders query for clv_cohorts"),
			 errdetail("%s", detail),
			 errhint("The provided SQL must return 3 columns: customer_id, ordered_at, and amount.")));
}

/* Check the result columns of the orders query and resolve their types */
static void
CheckOrdersQuery(TupleDesc desc, OrdersColumns *types)
{
	Oid			t;

	if (desc == NULL)
		BadOrdersQuery(ERRCODE_SYNTAX_ERROR, "The provided SQL does not return rows.");
	if (desc->natts != 3)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("invalid orders query for clv_cohorts"),
				 errdetail("The provided SQL must return 3 columns: customer_id, ordered_at, and amount."),
				 errhint("The query returns %d column%s.", desc->natts, desc->natts == 1 ? "" : "s")));

	t = getBaseType(TupleDescAttr(desc, 0)->atttypid);
	switch (t)
	{
		case INT8OID:
		case INT4OID:
		case INT2OID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
		case UUIDOID:
			break;
		default:
			BadOrdersQuery(ERRCODE_DATATYPE_MISMATCH,
						   psprintf("Column 1 (customer_id) must be bigint, integer, smallint, text, varchar, char or uuid, not %s.",
									format_type_be(t)));
	}
	types->keytype = t;
	types->keykind = clv_key_kind(t);

	t = getBaseType(TupleDescAttr(desc, 1)->atttypid);
	if (t != TIMESTAMPTZOID && t != TIMESTAMPOID && t != DATEOID)
		BadOrdersQuery(ERRCODE_DATATYPE_MISMATCH,
					   psprintf("Column 2 (ordered_at) must be timestamptz, timestamp or date, not %s.",
								format_type_be(t)));
	types->timetype = t;

	t = getBaseType(TupleDescAttr(desc, 2)->atttypid);
	switch (t)
	{
		case NUMERICOID:
		case FLOAT8OID:
		case FLOAT4OID:
		case INT8OID:
		case INT4OID:
		case INT2OID:
			break;
		default:
			BadOrdersQuery(ERRCODE_DATATYPE_MISMATCH,
						   psprintf("Column 3 (amount) must be numeric, double precision, real or an integer, not %s.",
									format_type_be(t)));
	}
	types->amountkind = clv_amount_kind(t);
}

/*
 * clv_cohorts: run the orders query with the caller's privileges, fetching
 * it through a cursor in batches, and return its cohort table.
 */
PG_FUNCTION_INFO_V1(clv_cohorts);
Datum
clv_cohorts(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ClvPeriod	period = CLV_PERIOD_MONTH;
	const char *tzname;
	ClvCalendar cal;
	CohortState *s;
	CohortView	v;
	OrdersColumns types;
	SPIPlanPtr	plan;
	Portal		portal;
	MemoryContext callercxt = CurrentMemoryContext;
	int			ret;

	if (PG_NARGS() >= 2)
		period = clv_period_parse(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (PG_NARGS() >= 3)
		tzname = text_to_cstring(PG_GETARG_TEXT_PP(2));
	else
		tzname = pg_get_timezone_name(session_timezone);

	InitMaterializedSRF(fcinfo, 0);
	clv_calendar_init(&cal, period, tzname, callercxt);
	s = clv_cohort_create(callercxt, period, tzname);

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		BadOrdersQuery(ERRCODE_SYNTAX_ERROR,
					   "The provided SQL must be a single query that returns rows.");
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	CheckOrdersQuery(portal->tupDesc, &types);

	for (;;)
	{
		uint64		n;
		uint64		r;

		SPI_cursor_fetch(portal, true, COHORT_FETCH_BATCH);
		n = SPI_processed;
		if (n == 0)
			break;
		for (r = 0; r < n; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			Datum		kd,
						td,
						ad;
			bool		kn,
						tn,
						an;
			ClvKey		key;
			TimestampTz t;
			ClvMoney	amount;

			kd = SPI_getbinval(tup, desc, 1, &kn);
			td = SPI_getbinval(tup, desc, 2, &tn);
			ad = SPI_getbinval(tup, desc, 3, &an);
			/* rows with a NULL customer, time or amount are ignored */
			if (kn || tn || an)
				continue;
			t = clv_time_from_datum(td, types.timetype);
			clv_money_from_datum(ad, types.amountkind, &amount);
			clv_key_from_datum(kd, types.keytype, types.keykind, &key);
			clv_cohort_add(s, &key, types.keykind, clv_calendar_period(&cal, t), &amount);
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();

	clv_calendar_release(&cal);
	clv_cohort_view(clv_cohort_datum(s), &v);
	elog(DEBUG1, "clv_cohorts: %u customer-periods, %zu bytes of state",
		 v.flat.nentries, clv_cohort_memory(s));
	clv_cohort_emit_table(fcinfo, &v);
	clv_cohort_free(s);
	return (Datum) 0;
}
