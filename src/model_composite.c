/*-------------------------------------------------------------------------
 *
 * model_composite.c
 *	  The model composites (bgnbd_model, mbgnbd_model, pareto_nbd_model,
 *	  gamma_gamma_model, bgbb_model): reading them, building them from a
 *	  fit (maximum likelihood, covariance of the estimates), the time unit
 *	  and observation end they carry, and clv_model_parameters.
 *
 * Every composite is laid out the same way (models.h): the parameters,
 * log_likelihood, converged, iterations, time_unit, observation_end,
 * covariance.  The last three were added in 0.3.0 (ALTER TYPE ... ADD
 * ATTRIBUTE in the update script), so values stored by 0.2.0 read them as
 * NULL: no unit, no observation end, no covariance.
 *
 * Standard errors (clv_model_parameters) come from the observed
 * information: the Hessian H of the objective the fit minimised (the mean
 * negative log-likelihood plus the penalty, over the log-parameters theta)
 * at the optimum, so that Cov(theta) = (N H)^-1 for N customers and, by the
 * delta method, Cov(params)_ij = params_i params_j Cov(theta)_ij.  This is
 * lifetimes' variance_matrix_ (BaseFitter._compute_variance_matrix:
 * params^2 * inv(hessian) / sum(weights), hessian of the penalised mean
 * negative log-likelihood over log-parameters) and CLVTools' vcov.  The
 * 95 % intervals are Wald intervals on the log scale, where the fit works
 * and the estimator is closer to normal: estimate * exp(-/+ 1.959964 *
 * std_error / estimate); they stay positive, as the parameters.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "clv.h"
#include "models.h"

/* the 0.975 quantile of the standard normal distribution */
#define CLV_Z975 1.959963984540054

const ClvModelType clv_model_types[] = {
	[CLV_BGNBD] = {"bgnbd_model", 4, {"r", "alpha", "a", "b"}},
	[CLV_MBGNBD] = {"mbgnbd_model", 4, {"r", "alpha", "a", "b"}},
	[CLV_PARETO_NBD] = {"pareto_nbd_model", 4, {"r", "alpha", "s", "beta"}},
	[CLV_GAMMA_GAMMA] = {"gamma_gamma_model", 3, {"p", "q", "v"}},
	[CLV_BGBB] = {"bgbb_model", 4, {"alpha", "beta", "gamma", "delta"}},
};

/* ----------------------------------------------------------------
 * Time units
 * ----------------------------------------------------------------
 */

static const char *const unit_names[] = {
	[CLV_UNIT_NONE] = NULL,
	[CLV_UNIT_DAY] = "day",
	[CLV_UNIT_WEEK] = "week",
	[CLV_UNIT_MONTH] = "month",
	[CLV_UNIT_YEAR] = "year",
};

/* Parse a time unit name */
ClvTimeUnit
clv_time_unit_parse(const char *name)
{
	int			u;

	for (u = CLV_UNIT_DAY; u <= CLV_UNIT_YEAR; u++)
		if (pg_strcasecmp(name, unit_names[u]) == 0)
			return (ClvTimeUnit) u;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized time unit \"%s\"", name),
			 errhint("Use 'day', 'week', 'month' or 'year': the unit the customer summaries were measured in.")));
	return CLV_UNIT_NONE;		/* keep compiler quiet */
}

/* Name of a time unit (NULL for none) */
const char *
clv_time_unit_name(ClvTimeUnit unit)
{
	return unit_names[unit];
}

/*
 * clv_predict's month in a unit: 30 days and 4.345 weeks as in lifetimes'
 * customer_lifetime_value (so a 'day' and a 'week' model of the same
 * customers give nearly, not exactly, the same CLV), 1 month, 1/12 year.
 */
double
clv_time_unit_month(ClvTimeUnit unit)
{
	switch (unit)
	{
		case CLV_UNIT_NONE:
		case CLV_UNIT_DAY:
			return 30.0;
		case CLV_UNIT_WEEK:
			return 4.345;
		case CLV_UNIT_MONTH:
			return 1.0;
		case CLV_UNIT_YEAR:
			return 1.0 / 12.0;
	}
	return 30.0;				/* keep compiler quiet */
}

/* The origin of a fit (see models.h) */
void
clv_model_origin_args(FunctionCallInfo fcinfo, const BtydData *d, int unitarg,
					  ClvModelOrigin *origin)
{
	if (d)
		clv_btyd_data_origin(d, origin);
	else
	{
		origin->unit = CLV_UNIT_NONE;
		origin->has_end = false;
		origin->observation_end = 0;
	}
	if (unitarg < 0)
		return;
	if (unitarg < PG_NARGS() && !PG_ARGISNULL(unitarg))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(unitarg));
		ClvTimeUnit unit = clv_time_unit_parse(name);

		if (origin->unit != CLV_UNIT_NONE && origin->unit != unit)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time_unit \"%s\" contradicts the unit \"%s\" of the btyd_data value",
							name, clv_time_unit_name(origin->unit)),
					 errhint("Omit time_unit: the fit takes the unit of its data.")));
		origin->unit = unit;
	}
	if (unitarg + 1 < PG_NARGS() && !PG_ARGISNULL(unitarg + 1))
	{
		TimestampTz end = clv_finite_timestamptz(PG_GETARG_TIMESTAMPTZ(unitarg + 1),
												 "observation_end");

		if (origin->has_end && origin->observation_end != end)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("observation_end contradicts the observation end of the btyd_data value"),
					 errhint("Omit observation_end: the fit takes the observation end of its data.")));
		origin->has_end = true;
		origin->observation_end = end;
	}
}

/* The input of a fit (see models.h) */
BtydData *
clv_model_fit_input(FunctionCallInfo fcinfo, ClvModelFamily family, int kind,
					const char *fitname, ClvModelFit *fit)
{
	BtydData   *d;

	fit->family = family;
	if (PG_ARGISNULL(0))
		return NULL;
	d = clv_btyd_data_arg(fcinfo, 0, kind, fitname);
	clv_model_origin_args(fcinfo, d, 1, &fit->origin);
	/* no customers: no model (as aggregates of no rows are NULL) */
	return (d->n == 0) ? NULL : d;
}

/* ----------------------------------------------------------------
 * Scorer arguments
 * ----------------------------------------------------------------
 */

/* A count argument (purchases, periods): an integer >= 0 (22023) */
double
clv_count_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	int32		n = PG_GETARG_INT32(argno);

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", what),
				 errdetail("The value was %d.", n)));
	return (double) n;
}

/* Arguments argno .. argno + 2 as a valid (x, t_x, T) (clv_check_rfm) */
void
clv_rfm_args(FunctionCallInfo fcinfo, int argno, double *x, double *tx, double *T)
{
	*x = PG_GETARG_FLOAT8(argno);
	*tx = PG_GETARG_FLOAT8(argno + 1);
	*T = PG_GETARG_FLOAT8(argno + 2);
	clv_check_rfm(*x, *tx, *T);
}

/* ----------------------------------------------------------------
 * Reading composites
 * ----------------------------------------------------------------
 */

/* Read model parameters from a composite */
void
clv_model_params(HeapTupleHeader tup, ClvModelFamily family, double *params)
{
	const ClvModelType *type = &clv_model_types[family];
	int			i;

	for (i = 0; i < type->nparams; i++)
	{
		bool		isnull;
		Datum		v = GetAttributeByNum(tup, i + 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s parameter %s is NULL", type->name, type->params[i])));
		params[i] = DatumGetFloat8(v);
		if (!isfinite(params[i]) || params[i] <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter %s must be a positive finite number",
							type->name, type->params[i]),
					 errdetail("The value was %g.", params[i])));
	}
}

/* What clv_model_params_arg keeps in fn_extra: the last composite read */
typedef struct ParamsCache
{
	ClvModelFamily family;
	int			argno;
	double		params[CLV_MODEL_MAX_PARAMS];
	Size		len;			/* bytes of the composite in "bytes" */
	Size		cap;
	char		bytes[FLEXIBLE_ARRAY_MEMBER];
} ParamsCache;

void
clv_model_params_arg(FunctionCallInfo fcinfo, int argno, ClvModelFamily family, double *params)
{
	HeapTupleHeader tup = PG_GETARG_HEAPTUPLEHEADER(argno);
	Size		len = HeapTupleHeaderGetDatumLength(tup);
	ParamsCache *c = (ParamsCache *) fcinfo->flinfo->fn_extra;
	int			n = clv_model_types[family].nparams;

	if (c != NULL && c->family == family && c->argno == argno && c->len == len &&
		memcmp(c->bytes, tup, len) == 0)
	{
		memcpy(params, c->params, n * sizeof(double));
		return;
	}
	clv_model_params(tup, family, params);	/* errors before caching */
	if (c == NULL || c->cap < len)
	{
		if (c != NULL)
			pfree(c);
		c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, offsetof(ParamsCache, bytes) + len);
		c->cap = len;
		fcinfo->flinfo->fn_extra = c;
	}
	c->family = family;
	c->argno = argno;
	memcpy(c->params, params, n * sizeof(double));
	memcpy(c->bytes, tup, len);
	c->len = len;
}

/* Read parameters, unit and observation end */
void
clv_model_read(HeapTupleHeader tup, ClvModelFamily family, ClvModel *model)
{
	const ClvModelType *type = &clv_model_types[family];
	bool		isnull;
	Datum		v;

	model->family = family;
	clv_model_params(tup, family, model->params);
	model->origin.unit = CLV_UNIT_NONE;
	model->origin.has_end = false;
	model->origin.observation_end = 0;
	/* attributes past the end of a tuple stored by 0.2.0 read as NULL */
	v = GetAttributeByNum(tup, CLV_ATT_UNIT(type), &isnull);
	if (!isnull)
		model->origin.unit = clv_time_unit_parse(TextDatumGetCString(v));
	v = GetAttributeByNum(tup, CLV_ATT_END(type), &isnull);
	if (!isnull)
	{
		model->origin.has_end = true;
		model->origin.observation_end = DatumGetTimestampTz(v);
	}
}

/* ----------------------------------------------------------------
 * Building composites
 * ----------------------------------------------------------------
 */

/* Maximum likelihood and the covariance of the estimates (see models.h) */
void
clv_model_estimate(ClvModelFit *fit, ClvObjectiveFn fn, void *arg,
				   double *theta, bool analytic, const double *center,
				   double bound, double total)
{
	int			n = clv_model_types[fit->family].nparams;
	ClvOptimResult res;
	int			i,
				j;

	clv_optim_minimize(fn, arg, n, theta, analytic, &res);
	fit->converged = res.converged;
	fit->iterations = res.iterations;
	fit->has_covariance = false;
	for (i = 0; i < n; i++)
	{
		fit->params[i] = exp(theta[i]);
		/* a supremum on the boundary of the parameter space: no maximum */
		if (fabs(theta[i] - (center ? center[i] : 0.0)) > bound ||
			!isfinite(fit->params[i]) || fit->params[i] <= 0)
			fit->converged = false;
		if (!isfinite(fit->params[i]))
			fit->params[i] = DBL_MAX;
		if (fit->params[i] <= 0)
			fit->params[i] = DBL_MIN;
	}
	if (fit->converged)
	{
		double		info[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
		double		inv[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];

		/* observed information of the log-parameters: total * H */
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				info[i][j] = total * res.hessian[i][j];
		if (clv_spd_inverse(n, info, inv))
		{
			fit->has_covariance = true;
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
				{
					fit->covariance[i][j] = fit->params[i] * fit->params[j] * inv[i][j];
					if (!isfinite(fit->covariance[i][j]))
						fit->has_covariance = false;
				}
		}
	}
}

/* Build a model composite */
Datum
clv_model_result(FunctionCallInfo fcinfo, const ClvModelFit *fit)
{
	const ClvModelType *type = &clv_model_types[fit->family];
	TupleDesc	tupdesc;
	Datum		values[CLV_MODEL_MAX_PARAMS + 6];
	bool		nulls[CLV_MODEL_MAX_PARAMS + 6];
	int			n = type->nparams;
	int			i,
				j;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	/*
	 * The composite of 0.2.0 ends at iterations: this library also serves a
	 * database whose extension has not been updated yet.
	 */
	if (tupdesc->natts != CLV_MODEL_NATTS(type) &&
		tupdesc->natts != CLV_ATT_ITERATIONS(type))
		elog(ERROR, "%s has %d attributes, expected %d", type->name,
			 tupdesc->natts, CLV_MODEL_NATTS(type));
	memset(nulls, 0, sizeof(nulls));
	for (i = 0; i < n; i++)
		values[i] = Float8GetDatum(fit->params[i]);
	values[CLV_ATT_LOGLIK(type) - 1] = Float8GetDatum(fit->loglik);
	nulls[CLV_ATT_LOGLIK(type) - 1] = !isfinite(fit->loglik);
	values[CLV_ATT_CONVERGED(type) - 1] = BoolGetDatum(fit->converged);
	values[CLV_ATT_ITERATIONS(type) - 1] = Int32GetDatum(fit->iterations);
	if (fit->origin.unit != CLV_UNIT_NONE)
		values[CLV_ATT_UNIT(type) - 1] =
			CStringGetTextDatum(clv_time_unit_name(fit->origin.unit));
	else
		nulls[CLV_ATT_UNIT(type) - 1] = true;
	values[CLV_ATT_END(type) - 1] = TimestampTzGetDatum(fit->origin.observation_end);
	nulls[CLV_ATT_END(type) - 1] = !fit->origin.has_end;
	if (fit->has_covariance)
	{
		Datum		elems[CLV_MODEL_MAX_PARAMS * CLV_MODEL_MAX_PARAMS];
		int			dims[2] = {n, n};
		int			lbs[2] = {1, 1};

		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				elems[i * n + j] = Float8GetDatum(fit->covariance[i][j]);
		values[CLV_ATT_COVARIANCE(type) - 1] =
			PointerGetDatum(construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID,
											   sizeof(float8), FLOAT8PASSBYVAL,
											   TYPALIGN_DOUBLE));
	}
	else
		nulls[CLV_ATT_COVARIANCE(type) - 1] = true;
	/* (heap_form_tuple reads only the tuple descriptor's attributes) */
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* ----------------------------------------------------------------
 * clv_model_parameters
 * ----------------------------------------------------------------
 */

/*
 * clv_model_parameters(model) for every model type: one row per parameter
 * (parameter, estimate, std_error, ci_lower, ci_upper).  The model type is
 * taken from the composite itself: its parameters are the attributes
 * before log_likelihood, the covariance the attribute "covariance".
 * std_error and the interval are NULL when the model has no covariance
 * (not converged, or stored by 0.2.0).
 */
PG_FUNCTION_INFO_V1(clv_model_parameters);
Datum
clv_model_parameters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HeapTupleHeader tup = PG_GETARG_HEAPTUPLEHEADER(0);
	TupleDesc	modeldesc;
	int			nparams = -1;
	int			covatt = -1;
	ArrayType  *cov;
	Datum	   *covdata = NULL;
	int			ncov;
	int			i;

	InitMaterializedSRF(fcinfo, 0);

	modeldesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(tup),
									   HeapTupleHeaderGetTypMod(tup));
	for (i = 0; i < modeldesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(modeldesc, i);

		if (att->attisdropped)
			continue;
		if (nparams < 0 && strcmp(NameStr(att->attname), "log_likelihood") == 0)
			nparams = i;
		if (strcmp(NameStr(att->attname), "covariance") == 0)
			covatt = i + 1;
	}
	if (nparams <= 0 || nparams > CLV_MODEL_MAX_PARAMS)
		elog(ERROR, "not a clv model composite");

	if (covatt > 0)
	{
		bool		isnull;
		Datum		v = GetAttributeByNum(tup, covatt, &isnull);

		if (!isnull)
		{
			cov = DatumGetArrayTypeP(v);
			if (ARR_NDIM(cov) != 2 || ARR_DIMS(cov)[0] != nparams ||
				ARR_DIMS(cov)[1] != nparams || ARR_HASNULL(cov) ||
				ARR_ELEMTYPE(cov) != FLOAT8OID)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("model covariance must be a %d x %d matrix without NULLs",
								nparams, nparams)));
			deconstruct_array(cov, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
							  TYPALIGN_DOUBLE, &covdata, NULL, &ncov);
		}
	}

	for (i = 0; i < nparams; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		bool		isnull;
		Datum		v = GetAttributeByNum(tup, i + 1, &isnull);
		double		est = isnull ? NAN : DatumGetFloat8(v);
		double		var = covdata ? DatumGetFloat8(covdata[i * nparams + i]) : NAN;

		values[0] = CStringGetTextDatum(NameStr(TupleDescAttr(modeldesc, i)->attname));
		values[1] = Float8GetDatum(est);
		nulls[1] = isnull;
		if (!isnull && isfinite(est) && est > 0 && isfinite(var) && var >= 0)
		{
			double		se = sqrt(var);
			double		spread = CLV_Z975 * se / est;

			values[2] = Float8GetDatum(se);
			values[3] = Float8GetDatum(est * exp(-spread));
			values[4] = Float8GetDatum(est * exp(spread));
		}
		else
			nulls[2] = nulls[3] = nulls[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	ReleaseTupleDesc(modeldesc);
	return (Datum) 0;
}
