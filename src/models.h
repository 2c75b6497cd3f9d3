/*-------------------------------------------------------------------------
 *
 * models.h
 *	  Declarations shared by the "buy till you die" model families of clv:
 *	  the optimizer, special functions, the btyd_data fit state, the model
 *	  composites (parameters, time unit, observation end, covariance) and
 *	  the scoring interface of clv_predict.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_MODELS_H
#define CLV_MODELS_H

#include "postgres.h"

#include "compat.h"

#include "fmgr.h"
#include "access/htup.h"
#include "utils/timestamp.h"

#include "money.h"

/* ----------------------------------------------------------------
 * Optimizer (optim.c)
 * ----------------------------------------------------------------
 */

#define CLV_OPTIM_MAX_PARAMS 8

/*
 * Objective to minimise.  Returns f(theta); when "grad" is not NULL and the
 * objective has an analytic gradient, also fills grad[0..n-1].  A point
 * outside the domain returns +Infinity (or NaN), which the optimizer treats
 * as "step too long".
 */
typedef double (*ClvObjectiveFn) (const double *theta, double *grad, void *arg);

typedef struct ClvOptimResult
{
	double		f;				/* objective at the returned point */
	double		gradmax;		/* max |gradient| there */
	int			iterations;		/* BFGS + Nelder-Mead iterations */
	bool		converged;
	/* when converged: the Hessian of f there (positive definite) */
	double		hessian[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
} ClvOptimResult;

/*
 * Minimise fn over R^n from theta (updated in place to the best point
 * found).  analytic says whether fn fills grad; otherwise central
 * differences are used.  Never errors on non-convergence.  converged means
 * the gradient vanished and the Hessian there is positive definite (a
 * proper, isolated minimum).
 */
extern void clv_optim_minimize(ClvObjectiveFn fn, void *arg, int n,
							   double *theta, bool analytic,
							   ClvOptimResult *result);

/* Inverse of a symmetric positive definite matrix; false if it is not one */
extern bool clv_spd_inverse(int n,
							const double a[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS],
							double inv[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS]);

/* ----------------------------------------------------------------
 * Special functions (special.c)
 * ----------------------------------------------------------------
 */

extern double clv_digamma(double x);

/* log(exp(a) + exp(b)) */
extern double clv_logaddexp(double a, double b);

/*
 * Gauss hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1, with
 * w = 1 - z computed accurately by the caller: *logabs = log|2F1|, *sign =
 * its sign.  Returns false if it could not be evaluated (pole, zero,
 * cancellation, too many terms).
 */
extern bool clv_log_hyp2f1(double a, double b, double c, double z, double w,
						   double *logabs, int *sign);

/* most horizons of one path (clv_predict's months, at most this many) */
#define CLV_MAX_PATH 1200

/*
 * tails[j] = 2F1(a, b; c; z[j]) - 1 for n <= CLV_MAX_PATH points sharing
 * the series' coefficients; false if the plain series cannot be used (the
 * caller then evaluates each point with clv_log_hyp2f1).
 */
extern bool clv_hyp2f1_tails(double a, double b, double c, int n,
							 const double *z, double *tails);

/* ln B(a, b) */
extern double clv_lbeta(double a, double b);

/*
 * The NBD count of purchases in (0, t] for a gamma(r, alpha) Poisson rate,
 * z = t / (alpha + t), w = 1 - z: log P(N = n), and P(N >= n).
 */
extern double clv_nbd_log_pmf(double r, double z, double w, double n);
extern double clv_nbd_sf(double r, double z, double w, double n);

/* ----------------------------------------------------------------
 * btyd_data: the fit state (btyd_data.c)
 * ----------------------------------------------------------------
 */

#define BTYD_DATA_VERSION	1

/* what the entries hold */
#define BTYD_KIND_RFM		1	/* (frequency, recency, T) */
#define BTYD_KIND_SPEND		2	/* (frequency, mean repeat spend, 0) */
#define BTYD_KIND_ORDERS	3	/* both of the same customers (btyd_orders.c) */

/* The largest frequency a fit input may have (repeat purchases) */
#define BTYD_MAX_FREQUENCY	1000000000

/*
 * flags: the time unit (ClvTimeUnit) of the summaries, 0 if not known, and
 * whether an observation end (int64 TimestampTz) follows the hash slots
 */
#define BTYD_FLAG_UNIT_MASK	0x0007
#define BTYD_FLAG_END		0x0008

typedef struct BtydEntry
{
	double		v[3];
	int64		weight;
} BtydEntry;

/*
 * btyd_data: the distinct (x, t_x, T) triples (or (x, m) pairs) of a fit
 * with integer weights (how many customers share them).
 *
 * The value is one flat varlena that is its own in-memory working form:
 * the header, then "capacity" BtydEntry slots of which the first "n" are
 * used, then "nslots" uint32 hash slots (index + 1 of an entry, 0 = empty;
 * open addressing, linear probing, nslots a power of two >= 2 * capacity).
 * Everything is addressed by offset, so a datumCopy of the value is again
 * a valid state.  The transition function adds to it in place while it has
 * room and otherwise returns a grown copy (see btyd_data.c).  The binary
 * send form (and the text form, its base64) holds only the used entries.
 *
 * Invariants: version = BTYD_DATA_VERSION; kind 1 or 2; n <= capacity;
 * entries distinct (bitwise, -0 normalised to 0); every weight > 0; total
 * = sum of weights; penalizer finite and >= 0.
 *
 * Origin (0.3.0): a value built from orders (btyd_data(customer_id,
 * ordered_at, amount, observation_end [, time_unit])) records the unit of
 * its summaries in flags and its observation end in an int64 after the
 * hash slots (BTYD_FLAG_END), which every fit of it passes on to the model.
 * Values of the other aggregates have flags 0 and no trailer, as in 0.2.0.
 *
 * Kind BTYD_KIND_ORDERS: the result of that aggregate, both inputs of the
 * same customers in one value: a header with capacity 0 (no entries),
 * total = customers, the origin, then the (frequency, recency, T) value
 * and the (frequency, monetary value) value, each a complete btyd_data
 * (varlena header included, with the same origin) at a MAXALIGNed offset.
 * clv_btyd_data_arg hands a fit the part of the kind it needs.
 */
typedef struct BtydData
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;
	uint8		kind;
	uint16		flags;			/* unused, 0 */
	uint32		n;
	uint32		capacity;
	uint32		nslots;
	double		penalizer;		/* L2 penalty coefficient, 0 = none */
	int64		total;			/* sum of weights = number of customers */
} BtydData;

#define BTYD_ENTRIES(d)	((BtydEntry *) ((char *) (d) + MAXALIGN(sizeof(BtydData))))
#define BTYD_SLOTS(d)	((uint32 *) (BTYD_ENTRIES(d) + (d)->capacity))

#define DatumGetBtydData(x)		((BtydData *) PG_DETOAST_DATUM(x))
#define PG_GETARG_BTYD_DATA(n)	DatumGetBtydData(PG_GETARG_DATUM(n))

/* Fetch a btyd_data argument and check it holds the wanted kind */
extern BtydData *clv_btyd_data_arg(FunctionCallInfo fcinfo, int argno,
								   int kind, const char *fitname);

/* Copy the entries into a palloc'd array sorted by v[0] (frequency) */
extern BtydEntry *clv_btyd_sorted_entries(const BtydData *d);

/*
 * The summary's calendar days and unit (rfm.c): the day (DateADT) of an
 * order time of type typid and of observation_end in the session TimeZone
 * (22008 if infinite), days per time_unit ('day' 1, 'week' 7; 22023)
 */
extern int32 clv_rfm_day(Datum value, Oid typid);
extern int32 clv_rfm_obs_day(TimestampTz end);
extern int32 clv_rfm_unit_days(text *t);

/*
 * clv_rfm's monetary value (rfm.c): max(0, repeat spend) / frequency as
 * numeric with at least dscale decimals, 0 when frequency is 0
 */
extern Datum clv_rfm_monetary_value(ClvMoney *repeat, int64 frequency, int32 dscale);
extern double clv_rfm_monetary_double(ClvMoney *repeat, int64 frequency, int32 dscale);

/*
 * A customer's recency and T in time units of unit_days days (rfm.c):
 * (last - first) / unit and (observation_end day - first) / unit
 */
extern void clv_rfm_times(int32 first, int32 last, int32 obs_day, int32 unit_days,
						  double *recency, double *t);

/*
 * The same with a per-call-site cache in *slot (NULL at first; allocated
 * in cxt): the day of a timestamptz from a calendar of the session
 * TimeZone, observation_end's day and the unit converted once
 */
extern int32 clv_rfm_day_cached(void **slot, MemoryContext cxt, Datum value, Oid typid);
extern int32 clv_rfm_obs_day_cached(void **slot, MemoryContext cxt, TimestampTz end);
extern int32 clv_rfm_unit_days_cached(void **slot, MemoryContext cxt, text *t);

/*
 * Building values (btyd_orders.c): a new empty value of kind 1 or 2 with
 * an origin (unit, and the observation end when has_end), adding w
 * customers with key v (3 doubles; the value may move: use the result),
 * and the kind-3 value of two such values (copied)
 */
extern BtydData *clv_btyd_data_new(int kind, int unit, bool has_end,
								   int64 end);
extern BtydData *clv_btyd_data_add_entries(BtydData *d, BtydEntry *add, uint32 n);
extern BtydData *clv_btyd_data_pair(const BtydData *rfm, const BtydData *spend);

/* Check a double argument is finite and >= 0 (22023 otherwise) */
extern double clv_nonneg_arg(double v, const char *what);

/*
 * Check (x, t_x, T) of a customer: finite, x a non-negative integer,
 * 0 <= t_x <= T, t_x = 0 when x = 0 (22023 otherwise).
 */
extern void clv_check_rfm(double x, double tx, double T);

/* ----------------------------------------------------------------
 * Model composites (model_composite.c)
 * ----------------------------------------------------------------
 */

/*
 * The time unit of a model: the unit its input summaries (frequency,
 * recency, T) were measured in, hence of its time parameters (alpha,
 * beta) and of the horizons of its scorers.  CLV_UNIT_NONE: not recorded
 * (models stored by 0.2.0, fits of plain numbers without a unit argument);
 * clv_predict then takes its time_unit argument, 'day' by default, as 0.2.0
 * did.
 */
typedef enum ClvTimeUnit
{
	CLV_UNIT_NONE = 0,
	CLV_UNIT_DAY,
	CLV_UNIT_WEEK,
	CLV_UNIT_MONTH,
	CLV_UNIT_YEAR
} ClvTimeUnit;

/* 'day', 'week', 'month' or 'year' (any case); 22023 otherwise */
extern ClvTimeUnit clv_time_unit_parse(const char *name);
extern const char *clv_time_unit_name(ClvTimeUnit unit);

/*
 * The length of clv_predict's month in a unit: 30 days (lifetimes'
 * convention), 4.345 weeks, 1 month, 1/12 year.
 */
extern double clv_time_unit_month(ClvTimeUnit unit);

/* Where a model's data came from: its time unit and observation end */
typedef struct ClvModelOrigin
{
	ClvTimeUnit unit;			/* CLV_UNIT_NONE: not recorded */
	bool		has_end;
	TimestampTz observation_end;	/* when has_end */
} ClvModelOrigin;

/*
 * The unit and observation end a btyd_data value records.  None yet: the
 * btyd_data of 0.3.0 holds plain numbers (frequency, recency, T); when it
 * is built from orders with a time unit, this returns them, and every fit
 * of the value carries them (model_composite.c).
 */
extern void clv_btyd_data_origin(const BtydData *d, ClvModelOrigin *origin);

/*
 * The origin of a fit: that of its btyd_data value (d may be NULL), and
 * the optional arguments unitarg (time_unit text) and unitarg + 1
 * (observation_end timestamptz) of the fit function when it has them
 * (unitarg < 0 or beyond PG_NARGS(): none).  A NULL argument adds nothing;
 * an argument that contradicts the btyd_data value is an error (22023).
 */
extern void clv_model_origin_args(FunctionCallInfo fcinfo, const BtydData *d,
								  int unitarg, ClvModelOrigin *origin);

/* The model families and their composite types */
typedef enum ClvModelFamily
{
	CLV_BGNBD = 0,
	CLV_MBGNBD,
	CLV_PARETO_NBD,
	CLV_GAMMA_GAMMA,
	CLV_BGBB
} ClvModelFamily;

#define CLV_MODEL_MAX_PARAMS 4

/*
 * Layout of every model composite: the nparams parameters, then
 * log_likelihood, converged, iterations (0.2.0), then time_unit text,
 * observation_end timestamptz and covariance double precision[] (the
 * nparams x nparams covariance matrix of the parameters; added in 0.3.0,
 * NULL in values stored by 0.2.0).
 */
typedef struct ClvModelType
{
	const char *name;			/* SQL type name */
	int			nparams;
	const char *params[CLV_MODEL_MAX_PARAMS];
} ClvModelType;

extern const ClvModelType clv_model_types[];	/* indexed by ClvModelFamily */

#define CLV_ATT_LOGLIK(type)		((type)->nparams + 1)	/* attribute numbers */
#define CLV_ATT_CONVERGED(type)		((type)->nparams + 2)
#define CLV_ATT_ITERATIONS(type)	((type)->nparams + 3)
#define CLV_ATT_UNIT(type)			((type)->nparams + 4)
#define CLV_ATT_END(type)			((type)->nparams + 5)
#define CLV_ATT_COVARIANCE(type)	((type)->nparams + 6)
#define CLV_MODEL_NATTS(type)		((type)->nparams + 6)

/* A model read from its composite */
typedef struct ClvModel
{
	ClvModelFamily family;
	double		params[CLV_MODEL_MAX_PARAMS];
	ClvModelOrigin origin;
} ClvModel;

/*
 * Read the parameters of a model composite as positive finite doubles;
 * errors 22004 on NULL and 22023 on other values.
 */
extern void clv_model_params(HeapTupleHeader tup, ClvModelFamily family,
							 double *params);

/*
 * clv_model_params for argument argno of a scorer, remembered across the
 * calls of one call site (in its fn_extra, which must be free for it):
 * scoring every customer with one model reads the composite once, and
 * then compares its bytes per call, instead of reading each attribute
 * (GetAttributeByNum looks up the row type's descriptor every time).
 */
extern void clv_model_params_arg(FunctionCallInfo fcinfo, int argno,
								 ClvModelFamily family, double *params);

/* Read the parameters, the unit and the observation end */
extern void clv_model_read(HeapTupleHeader tup, ClvModelFamily family,
						   ClvModel *model);

/* A fitted model, before it becomes a composite */
typedef struct ClvModelFit
{
	ClvModelFamily family;
	double		params[CLV_MODEL_MAX_PARAMS];
	double		loglik;			/* without the penalty; NaN/inf: NULL */
	bool		converged;
	int			iterations;
	bool		has_covariance;
	double		covariance[CLV_MODEL_MAX_PARAMS][CLV_MODEL_MAX_PARAMS];
	ClvModelOrigin origin;
} ClvModelFit;

/*
 * Maximum likelihood: minimise fn (the mean negative log-likelihood of
 * "total" customers plus the penalty, over the log-parameters theta, from
 * the start in theta) and fill fit->params, converged, iterations and,
 * when converged, the covariance matrix of the parameters from the
 * observed information: cov = J (total H)^-1 J, H the Hessian of fn at the
 * optimum and J = diag(params) (the delta method from log-parameters to
 * parameters; lifetimes' standard errors).  A log-parameter farther than
 * "bound" from center[k] (center may be NULL: all 0) is a boundary
 * solution: not converged.  fit->loglik and origin are left to the caller.
 */
extern void clv_model_estimate(ClvModelFit *fit, ClvObjectiveFn fn, void *arg,
							   double *theta, bool analytic,
							   const double *center, double bound,
							   double total);

/* The model composite of a fit (the function's result type) */
extern Datum clv_model_result(FunctionCallInfo fcinfo, const ClvModelFit *fit);

/*
 * The input of a fit function fit(data btyd_data [, time_unit,
 * observation_end]): sets fit->family and fit->origin and returns the
 * btyd_data value (checked to be of the given kind), or NULL when there is
 * nothing to fit (a NULL value, or no customers: no model, as aggregates of
 * no rows are NULL).
 */
extern BtydData *clv_model_fit_input(FunctionCallInfo fcinfo,
									 ClvModelFamily family, int kind,
									 const char *fitname, ClvModelFit *fit);

/* A count argument (purchases, periods): an integer >= 0 (22023) */
extern double clv_count_arg(FunctionCallInfo fcinfo, int argno, const char *what);

/* Arguments argno .. argno + 2 as a checked (x, t_x, T) */
extern void clv_rfm_args(FunctionCallInfo fcinfo, int argno, double *x,
						 double *tx, double *T);

/* ----------------------------------------------------------------
 * Scoring interface of clv_predict (bgnbd.c, pareto_nbd.c,
 * gamma_gamma.c)
 *
 * The expected number of purchases of a customer in the next t units of
 * the purchase models factors into a path part that depends on (x, T)
 * and t only and P(alive), which depends on (x, t_x, T):
 *	 E[Y(t) | x, t_x, T] = Q(t; x, T) * P(alive | x, t_x, T)
 * ----------------------------------------------------------------
 */

/*
 * BG/NBD (modified = false) and MBG/NBD (true): q[j] = Q(t[j]; x, T) for
 * 0 <= t[0] < ... < t[n-1], n <= CLV_MAX_PATH; Q(t) = (a+b+x-1)/(a-1) [1 -
 * G(t)] (MBG: b + 1 in place of b).  Inputs already validated.
 */
extern void clv_bgnbd_path(const double *p, bool modified, double x, double T,
						   int n, const double *t, double *q);
extern double clv_bgnbd_alive(const double *p, bool modified, double x,
								double tx, double T);

/* BG/NBD and MBG/NBD E[Y(t) | x, t_x, T], one horizon (the reference path) */
extern double clv_bgnbd_expected(const double *p, bool modified, double t,
								 double x, double tx, double T);

/*
 * Pareto/NBD: log F(y) of the A0 term (so that P(alive) can reuse F(t_x)
 * and F(T) across customers), P(alive) from it, and Q(t) = (r+x)(beta+T) /
 * ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)].
 */
extern bool clv_pareto_log_f(const double *p, double x, double y, double *logF);
extern double clv_pareto_p_alive_f(const double *p, double x, double T,
								   double logFtx, double logFT);
extern double clv_pareto_path(const double *p, double x, double T, double t);

/* Gamma-Gamma E[M | x, m_x] (inputs already validated) */
extern double clv_gamma_gamma_spend(const double *p, double x, double m);

/* ----------------------------------------------------------------
 * The predictor of clv_predict (predict.c), for any query that scores many
 * customers with one purchase model
 * ----------------------------------------------------------------
 */

typedef struct ClvPredictor ClvPredictor;

/*
 * A predictor, allocated in cxt, for the purchase model m (BG/NBD, MBG/NBD
 * or Pareto/NBD), "months" months of length month_length in the model's
 * unit (clv_time_unit_month) and a monthly discount rate >= 0.
 */
extern ClvPredictor *clv_predictor_create(MemoryContext cxt, const ClvModel *m,
										  int32 months, double month_length,
										  double rate);

/*
 * sum_{i=1..months} (E[Y(i L)] - E[Y((i-1) L)]) / (1 + rate)^i of one
 * customer (clv_predict without spend and margin), and P(alive); inputs
 * already validated (clv_check_rfm), -0 normalised to 0.  Results of
 * customers with equal (x, T) share work.
 */
extern double clv_predictor_discounted_purchases(ClvPredictor *pr, double x,
												 double tx, double T);
extern double clv_predictor_p_alive(ClvPredictor *pr, double x, double tx,
									double T);

#endif							/* CLV_MODELS_H */
