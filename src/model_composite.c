/*-------------------------------------------------------------------------
 *
 * model_composite.c
 *	  The model composites (bgnbd_model, pareto_nbd_model, ...): reading
 *	  their parameters and building them from a fit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "clv.h"
#include "models.h"

/* Read model parameters from a composite */
void
clv_model_params(HeapTupleHeader tup, int nparams, const char *const *names,
				 const char *modelname, double *params)
{
	int			i;

	for (i = 0; i < nparams; i++)
	{
		bool		isnull;
		Datum		v = GetAttributeByNum(tup, i + 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s parameter %s is NULL", modelname, names[i])));
		params[i] = DatumGetFloat8(v);
		if (!isfinite(params[i]) || params[i] <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter %s must be a positive finite number",
							modelname, names[i]),
					 errdetail("The value was %g.", params[i])));
	}
}

/* Model parameters from log-parameters (see models.h) */
bool
clv_model_params_from_log(const double *theta, const double *center,
						  int nparams, double bound, double *params)
{
	bool		interior = true;
	int			k;

	for (k = 0; k < nparams; k++)
	{
		params[k] = exp(theta[k]);
		if (fabs(theta[k] - (center ? center[k] : 0.0)) > bound ||
			!isfinite(params[k]) || params[k] <= 0)
			interior = false;	/* the supremum lies on the boundary */
		if (!isfinite(params[k]))
			params[k] = DBL_MAX;
		if (params[k] <= 0)
			params[k] = DBL_MIN;
	}
	return interior;
}

/* Build a model composite */
Datum
clv_model_result(FunctionCallInfo fcinfo, int nparams, const double *params,
				 double loglik, bool converged, int iterations)
{
	TupleDesc	tupdesc;
	Datum		values[CLV_OPTIM_MAX_PARAMS + 3];
	bool		nulls[CLV_OPTIM_MAX_PARAMS + 3];
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != nparams + 3)
		elog(ERROR, "model type has %d attributes, expected %d", tupdesc->natts, nparams + 3);
	memset(nulls, 0, sizeof(nulls));
	for (i = 0; i < nparams; i++)
		values[i] = Float8GetDatum(params[i]);
	values[nparams] = Float8GetDatum(loglik);
	nulls[nparams] = !isfinite(loglik);
	values[nparams + 1] = BoolGetDatum(converged);
	values[nparams + 2] = Int32GetDatum(iterations);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}
