/*-------------------------------------------------------------------------
 *
 * predict.c
 *	  clv_predict: discounted expected customer lifetime value from a
 *	  purchase model (BG/NBD, MBG/NBD or Pareto/NBD: how many purchases) and
 *	  a Gamma-Gamma model (how much per purchase), in the convention of
 *	  lifetimes' GammaGammaFitter.customer_lifetime_value; and the
 *	  predictor behind it (ClvPredictor, models.h).
 *
 *	 CLV = margin * E[M | x, m_x]
 *		   * sum_{i=1..months} (E[Y(i L)] - E[Y((i-1) L)]) / (1 + d)^i
 *
 * where E[Y(t)] is the purchase model's conditional expected number of
 * purchases in the next t time units, E[M] Gamma-Gamma's expected spend,
 * L the length of a month in the purchase model's unit
 * (clv_time_unit_month: 30 days, 4.345 weeks, 1 month, 1/12 year) and d
 * the monthly discount rate.
 *
 * Speed.  E[Y(t)] = Q(t; x, T) P(alive | x, t_x, T) (models.h), so
 *	 sum_i (E[Y(i L)] - E[Y((i-1) L)]) / (1 + d)^i = S(x, T) P(alive)
 *	 S(x, T) = sum_i (Q(i L) - Q((i-1) L)) / (1 + d)^i.
 * S needs the hypergeometric function at every month (BG/NBD, MBG/NBD),
 * P(alive) none (BG/NBD, MBG/NBD) or two (Pareto/NBD, F(t_x) and F(T)).
 * The predictor therefore (1) evaluates the BG/NBD path of all months with
 * one power series (clv_bgnbd_path), (2) keeps S per distinct (x, T) and
 * Pareto/NBD's log F per distinct (x, y) in caches for the whole query
 * (customers share them: T and t_x are whole days or weeks, x small
 * counts), and (3) reads the model composites once per query, not once
 * per customer.  The result equals the month-by-month sum of the scorers to
 * rounding (sql/predict.sql checks 1e-10 relative).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "clv.h"
#include "models.h"

/* ----------------------------------------------------------------
 * A cache of doubles keyed by two doubles
 * ----------------------------------------------------------------
 */

typedef struct PairSlot
{
	double		k0;
	double		k1;
	double		v;
	bool		used;
} PairSlot;

/*
 * Open addressing with linear probing, grown by doubling when half full up
 * to PAIR_CACHE_MAX slots, then emptied (a bounded footprint, 2 MB at most,
 * whatever the input).
 */
typedef struct PairCache
{
	MemoryContext cxt;
	PairSlot   *slots;
	uint32		mask;
	uint32		n;
} PairCache;

#define PAIR_CACHE_MIN 256
#define PAIR_CACHE_MAX 65536

static void
PairCacheInit(PairCache *c, MemoryContext cxt)
{
	c->cxt = cxt;
	c->slots = MemoryContextAllocZero(cxt, sizeof(PairSlot) * PAIR_CACHE_MIN);
	c->mask = PAIR_CACHE_MIN - 1;
	c->n = 0;
}

/* Hash of two doubles (their bit patterns; -0 is normalised by the caller) */
static inline uint32
PairHash(double k0, double k1)
{
	uint64		a,
				b,
				h;

	memcpy(&a, &k0, sizeof(a));
	memcpy(&b, &k1, sizeof(b));
	h = a * UINT64CONST(0x9E3779B97F4A7C15) ^
		(b + UINT64CONST(0x632BE59BD9B4E019)) * UINT64CONST(0xC2B2AE3D27D4EB4F);
	h ^= h >> 29;
	h *= UINT64CONST(0xBF58476D1CE4E5B9);
	h ^= h >> 32;
	return (uint32) h;
}

/* The slot of (k0, k1): found (used) or where to insert it */
static PairSlot *
PairCacheSlot(PairCache *c, double k0, double k1)
{
	uint32		i = PairHash(k0, k1) & c->mask;

	for (;;)
	{
		PairSlot   *s = &c->slots[i];

		if (!s->used || (s->k0 == k0 && s->k1 == k1))
			return s;
		i = (i + 1) & c->mask;
	}
}

/* Store v for (k0, k1), which is not in the cache */
static void
PairCacheStore(PairCache *c, double k0, double k1, double v)
{
	PairSlot   *s;

	if (c->n >= (c->mask + 1) / 2)
	{
		uint32		size = c->mask + 1;
		PairSlot   *old = c->slots;
		uint32		i;

		if (size < PAIR_CACHE_MAX)
		{
			/* grow: rehash into twice the slots */
			c->slots = MemoryContextAllocZero(c->cxt, sizeof(PairSlot) * size * 2);
			c->mask = size * 2 - 1;
			for (i = 0; i < size; i++)
				if (old[i].used)
					*PairCacheSlot(c, old[i].k0, old[i].k1) = old[i];
			pfree(old);
		}
		else
		{
			memset(c->slots, 0, sizeof(PairSlot) * size);
			c->n = 0;
		}
	}
	s = PairCacheSlot(c, k0, k1);
	s->k0 = k0;
	s->k1 = k1;
	s->v = v;
	s->used = true;
	c->n++;
}

/* ----------------------------------------------------------------
 * The predictor
 * ----------------------------------------------------------------
 */

struct ClvPredictor
{
	ClvModelFamily family;
	double		p[CLV_MODEL_MAX_PARAMS];
	int32		months;
	double		L;				/* month length in the model's unit */
	double		rate;			/* monthly discount rate d */
	double	   *disc;			/* disc[j] = (1 + d)^-(j+1), j < Min(months, CLV_MAX_PATH) */
	PairCache	paths;			/* (x, T) -> S(x, T) */
	PairCache	logf;			/* Pareto/NBD: (x, y) -> log F(y) */
};

/* A predictor for the purchase model m (see models.h) */
ClvPredictor *
clv_predictor_create(MemoryContext cxt, const ClvModel *m, int32 months,
					 double month_length, double rate)
{
	ClvPredictor *pr = MemoryContextAllocZero(cxt, sizeof(ClvPredictor));
	int			j;

	Assert(m->family == CLV_BGNBD || m->family == CLV_MBGNBD ||
		   m->family == CLV_PARETO_NBD);
	pr->family = m->family;
	memcpy(pr->p, m->params, sizeof(pr->p));
	pr->months = months;
	pr->L = month_length;
	pr->rate = rate;
	pr->disc = MemoryContextAlloc(cxt, sizeof(double) * Max(Min(months, CLV_MAX_PATH), 1));
	for (j = 0; j < Min(months, CLV_MAX_PATH); j++)
		pr->disc[j] = 1.0 / pow(1.0 + rate, j + 1);
	PairCacheInit(&pr->paths, cxt);
	if (m->family == CLV_PARETO_NBD)
		PairCacheInit(&pr->logf, cxt);
	return pr;
}

/* S(x, T) = sum_{i=1..months} (Q(i L) - Q((i-1) L)) / (1 + d)^i */
static double
PathSum(ClvPredictor *pr, double x, double T)
{
	double		t[CLV_MAX_PATH];
	double		q[CLV_MAX_PATH];
	double		prev = 0.0;
	double		sum = 0.0;
	int32		first;

	for (first = 1; first <= pr->months; first += CLV_MAX_PATH)
	{
		int			n = Min(pr->months - first + 1, CLV_MAX_PATH);
		/* (1 + d)^-(first - 1): the discount of the months before this path */
		double		before = (first == 1) ? 1.0 : 1.0 / pow(1.0 + pr->rate, first - 1);
		int			j;

		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < n; j++)
			t[j] = (first + j) * pr->L;
		if (pr->family == CLV_PARETO_NBD)
		{
			for (j = 0; j < n; j++)
				q[j] = clv_pareto_path(pr->p, x, T, t[j]);
		}
		else
			clv_bgnbd_path(pr->p, pr->family == CLV_MBGNBD, x, T, n, t, q);
		for (j = 0; j < n; j++)
		{
			sum += (q[j] - prev) * before * pr->disc[j];
			prev = q[j];
		}
	}
	return sum;
}

/* Pareto/NBD log F(y) of a customer with x purchases, cached */
static double
LogF(ClvPredictor *pr, double x, double y)
{
	PairSlot   *s = PairCacheSlot(&pr->logf, x, y);
	double		v;

	if (s->used)
		return s->v;
	if (!clv_pareto_log_f(pr->p, x, y, &v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not evaluate the Pareto/NBD hypergeometric function"),
				 errdetail("The series did not converge for r %g, alpha %g, s %g, beta %g, frequency %g, time %g.",
						   pr->p[0], pr->p[1], pr->p[2], pr->p[3], x, y)));
	PairCacheStore(&pr->logf, x, y, v);
	return v;
}

/* P(alive | x, t_x, T) of the predictor's model */
double
clv_predictor_p_alive(ClvPredictor *pr, double x, double tx, double T)
{
	if (pr->family == CLV_PARETO_NBD)
		return clv_pareto_p_alive_f(pr->p, x, T, LogF(pr, x, tx), LogF(pr, x, T));
	return clv_bgnbd_alive(pr->p, pr->family == CLV_MBGNBD, x, tx, T);
}

/*
 * sum_{i=1..months} (E[Y(i L)] - E[Y((i-1) L)]) / (1 + d)^i of a customer
 * (inputs already validated)
 */
double
clv_predictor_discounted_purchases(ClvPredictor *pr, double x, double tx,
								   double T)
{
	PairSlot   *s;
	double		S;

	if (pr->months == 0)
		return 0.0;
	s = PairCacheSlot(&pr->paths, x, T);
	if (s->used)
		S = s->v;
	else
	{
		S = PathSum(pr, x, T);
		PairCacheStore(&pr->paths, x, T, S);
	}
	return S * clv_predictor_p_alive(pr, x, tx, T);
}

/* ----------------------------------------------------------------
 * clv_predict
 * ----------------------------------------------------------------
 */

/*
 * What clv_predict keeps across the calls of one query (fn_extra): the
 * composites, rate, months and unit argument it was built for (compared
 * byte for byte), the models read from them and the predictor.
 */
typedef struct PredictState
{
	MemoryContext cxt;			/* everything below */
	char	   *purchases;		/* copies of the two composites */
	Size		purchases_len;
	char	   *spend;
	Size		spend_len;
	int32		months;
	double		rate;
	char	   *unitarg;		/* the time_unit argument, NULL if NULL */
	Size		unitarg_len;
	double		gg[3];
	ClvPredictor *predictor;
} PredictState;

/* Is the datum's content equal to the copy (data, len)? */
static inline bool
SameBytes(const char *data, Size len, const void *ptr, Size ptrlen)
{
	return data != NULL && len == ptrlen && memcmp(data, ptr, len) == 0;
}

/* A copy of len bytes in cxt */
static char *
CopyBytes(MemoryContext cxt, const void *ptr, Size len)
{
	char	   *c = MemoryContextAlloc(cxt, Max(len, 1));

	memcpy(c, ptr, len);
	return c;
}

/*
 * The month length for a purchase model of unit "model" and the time_unit
 * argument (NULL: none): the model's unit decides; an argument that names
 * another unit is an error, not a rescaling; a model without a unit (0.2.0,
 * or fitted without one) takes the argument, 'day' by default.
 */
static double
MonthLength(ClvModelFamily family, ClvTimeUnit model, text *arg)
{
	ClvTimeUnit unit = model;

	if (arg)
	{
		char	   *name = text_to_cstring(arg);
		ClvTimeUnit given = clv_time_unit_parse(name);

		if (model != CLV_UNIT_NONE && given != model)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time_unit \"%s\" contradicts the unit \"%s\" of the %s",
							name, clv_time_unit_name(model), clv_model_types[family].name),
					 errdetail("The model was fitted on summaries in %ss: its recency, t and time parameters are in %ss.",
							   clv_time_unit_name(model), clv_time_unit_name(model)),
					 errhint("Omit time_unit, or pass summaries in the model's unit.")));
		unit = given;
	}
	return clv_time_unit_month(unit);
}

/*
 * clv_predict(purchase model, gamma_gamma_model, frequency, recency, t,
 *			   monetary_value, months, monthly_discount_rate
 *			   [, time_unit [, margin]])
 * (see the file header).  Not strict, as time_unit may be NULL: NULL in
 * any other argument gives NULL.
 */
static Datum
Predict(FunctionCallInfo fcinfo, ClvModelFamily family)
{
	PredictState *st = (PredictState *) fcinfo->flinfo->fn_extra;
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	HeapTupleHeader purchases,
				spend;
	text	   *unitarg;
	double		x,
				tx,
				T,
				m,
				rate,
				margin,
				result;
	int32		months;
	int			i;

	for (i = 0; i < PG_NARGS(); i++)
		if (i != 8 && PG_ARGISNULL(i))
			PG_RETURN_NULL();
	purchases = PG_GETARG_HEAPTUPLEHEADER(0);
	spend = PG_GETARG_HEAPTUPLEHEADER(1);
	x = PG_GETARG_FLOAT8(2);
	tx = PG_GETARG_FLOAT8(3);
	T = PG_GETARG_FLOAT8(4);
	m = PG_GETARG_FLOAT8(5);
	months = PG_GETARG_INT32(6);
	rate = PG_GETARG_FLOAT8(7);
	unitarg = (PG_NARGS() > 8 && !PG_ARGISNULL(8)) ? PG_GETARG_TEXT_PP(8) : NULL;
	margin = (PG_NARGS() > 9) ? PG_GETARG_FLOAT8(9) : 1.0;

	clv_check_rfm(x, tx, T);
	if (months < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("months must not be negative"),
				 errdetail("The value was %d.", months)));
	clv_nonneg_arg(rate, "monthly discount rate");
	clv_nonneg_arg(margin, "margin");

	/* (re)build the state when the models, months, rate or unit changed */
	if (st == NULL ||
		!SameBytes(st->purchases, st->purchases_len, purchases, VARSIZE(purchases)) ||
		!SameBytes(st->spend, st->spend_len, spend, VARSIZE(spend)) ||
		st->months != months || st->rate != rate ||
		(unitarg == NULL) != (st->unitarg == NULL) ||
		(unitarg && !SameBytes(st->unitarg, st->unitarg_len,
							   VARDATA_ANY(unitarg), VARSIZE_ANY_EXHDR(unitarg))))
	{
		ClvModel	model;
		MemoryContext scxt;

		if (st == NULL)
		{
			scxt = AllocSetContextCreate(cxt, "clv_predict", ALLOCSET_DEFAULT_SIZES);
			st = MemoryContextAllocZero(cxt, sizeof(PredictState));
			st->cxt = scxt;
			fcinfo->flinfo->fn_extra = st;
		}
		scxt = st->cxt;
		MemoryContextReset(scxt);
		st->purchases = st->spend = st->unitarg = NULL;	/* until complete */
		clv_model_read(purchases, family, &model);
		clv_model_params(spend, CLV_GAMMA_GAMMA, st->gg);
		st->predictor = clv_predictor_create(scxt, &model, months,
											 MonthLength(family, model.origin.unit, unitarg),
											 rate);
		st->months = months;
		st->rate = rate;
		st->unitarg = unitarg ?
			CopyBytes(scxt, VARDATA_ANY(unitarg), VARSIZE_ANY_EXHDR(unitarg)) : NULL;
		st->unitarg_len = unitarg ? VARSIZE_ANY_EXHDR(unitarg) : 0;
		st->spend = CopyBytes(scxt, spend, VARSIZE(spend));
		st->spend_len = VARSIZE(spend);
		st->purchases = CopyBytes(scxt, purchases, VARSIZE(purchases));
		st->purchases_len = VARSIZE(purchases);
	}

	if (x == 0.0)
		x = 0.0;				/* normalise -0 (cache keys) */
	if (tx == 0.0)
		tx = 0.0;
	if (T == 0.0)
		T = 0.0;
	result = margin * clv_gamma_gamma_spend(st->gg, x, m) *
		clv_predictor_discounted_purchases(st->predictor, x, tx, T);
	if (!isfinite(result))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("predicted CLV is out of range")));
	PG_RETURN_FLOAT8(result);
}

/* clv_predict(bgnbd_model, ...) */
PG_FUNCTION_INFO_V1(clv_predict);
Datum
clv_predict(PG_FUNCTION_ARGS)
{
	return Predict(fcinfo, CLV_BGNBD);
}

/* clv_predict(mbgnbd_model, ...) */
PG_FUNCTION_INFO_V1(clv_predict_mbgnbd);
Datum
clv_predict_mbgnbd(PG_FUNCTION_ARGS)
{
	return Predict(fcinfo, CLV_MBGNBD);
}

/* clv_predict(pareto_nbd_model, ...) */
PG_FUNCTION_INFO_V1(clv_predict_pareto_nbd);
Datum
clv_predict_pareto_nbd(PG_FUNCTION_ARGS)
{
	return Predict(fcinfo, CLV_PARETO_NBD);
}
