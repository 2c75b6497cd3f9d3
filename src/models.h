/*-------------------------------------------------------------------------
 *
 * models.h
 *	  Declarations shared by the "buy till you die" model families of clv:
 *	  the optimizer, special functions, the btyd_data fit state and the
 *	  helpers that read and build model composites.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_MODELS_H
#define CLV_MODELS_H

#include "postgres.h"

#include "compat.h"

#include "fmgr.h"
#include "access/htup.h"

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

/* ----------------------------------------------------------------
 * btyd_data: the fit state (btyd_data.c)
 * ----------------------------------------------------------------
 */

#define BTYD_DATA_VERSION	1

/* what the entries hold */
#define BTYD_KIND_RFM		1	/* (frequency, recency, T) */
#define BTYD_KIND_SPEND		2	/* (frequency, mean repeat spend, 0) */

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

/* ----------------------------------------------------------------
 * Model composites (model_composite.c)
 * ----------------------------------------------------------------
 */

/*
 * Read the first "nparams" attributes of a model composite as positive
 * finite doubles; errors 22004 on NULL and 22023 on other values.
 */
extern void clv_model_params(HeapTupleHeader tup, int nparams,
							 const char *const *names, const char *modelname,
							 double *params);

/* Build a model composite: params..., log_likelihood, converged, iterations */
/*
 * Model parameters from the optimizer's log-parameters: params[k] =
 * exp(theta[k]), clamped to [DBL_MIN, DBL_MAX].  Returns false when a
 * parameter lies on the boundary (|theta[k] - center[k]| > bound, or exp
 * over- or underflowed): the supremum is not a proper maximum.  center may
 * be NULL (all 0).
 */
extern bool clv_model_params_from_log(const double *theta, const double *center,
									  int nparams, double bound, double *params);
extern Datum clv_model_result(FunctionCallInfo fcinfo, int nparams,
							  const double *params, double loglik,
							  bool converged, int iterations);

/* Check a double argument is finite and >= 0 (22023 otherwise) */
extern double clv_nonneg_arg(double v, const char *what);

/*
 * Check (x, t_x, T) of a customer: finite, x a non-negative integer,
 * 0 <= t_x <= T, t_x = 0 when x = 0 (22023 otherwise).
 */
extern void clv_check_rfm(double x, double tx, double T);

/* ----------------------------------------------------------------
 * Model functions used across families (bgnbd.c, gamma_gamma.c)
 * ----------------------------------------------------------------
 */

/* Read a bgnbd_model composite into p[4] = r, alpha, a, b */
extern void clv_bgnbd_model(HeapTupleHeader tup, double *p);

/* BG/NBD E[Y(t) | x, t_x, T] (inputs already validated) */
extern double clv_bgnbd_expected(const double *p, double t, double x,
								 double tx, double T);

/* Read a gamma_gamma_model composite into p[3] = p, q, v */
extern void clv_gamma_gamma_model(HeapTupleHeader tup, double *p);

/* Gamma-Gamma E[M | x, m_x] (inputs already validated) */
extern double clv_gamma_gamma_spend(const double *p, double x, double m);

#endif							/* CLV_MODELS_H */
