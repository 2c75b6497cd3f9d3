/*-------------------------------------------------------------------------
 *
 * money.c
 *	  Exact money (see money.h): decoding amounts into scaled 128-bit
 *	  integers, exact sums, and the way back to numeric.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "clv.h"

const int64 clv_pow10_int64[19] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000),
	INT64CONST(10000), INT64CONST(100000), INT64CONST(1000000),
	INT64CONST(10000000), INT64CONST(100000000), INT64CONST(1000000000),
	INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000),
	INT64CONST(100000000000000), INT64CONST(1000000000000000),
	INT64CONST(10000000000000000), INT64CONST(100000000000000000),
	INT64CONST(1000000000000000000)
};

/* 10^k as int128, 0 <= k <= CLV_MAX_SCALE */
static inline int128
Pow10(int k)
{
	if (k <= 18)
		return clv_pow10_int64[k];
	return (int128) clv_pow10_int64[18] * Pow10(k - 18);
}

/* |v| (INT128_MIN included) */
static inline uint128
Magnitude(int128 v)
{
	return v < 0 ? (uint128) (-(v + 1)) + 1 : (uint128) v;
}

/* Report an amount too large for exact summation */
void
clv_money_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("amount out of range for clv"),
			 errdetail("clv sums amounts exactly in 38 significant decimal digits."),
			 errhint("Round the amounts to fewer decimal places or scale them down.")));
}

/* v * 10^k, with overflow check */
static inline int128
MulPow10(int128 v, int k)
{
	int128		r;

	if (k == 0 || v == 0)
		return v;
	if (k <= 18 && v == (int128) (int64) v)
		return (int128) (int64) v * clv_pow10_int64[k];
	if (k > CLV_MAX_SCALE || __builtin_mul_overflow(v, Pow10(k), &r))
		clv_money_overflow();
	return r;
}

/* Rescale to a larger scale */
void
clv_money_rescale(ClvMoney *m, int32 scale)
{
	if (scale > m->scale)
	{
		m->value = MulPow10(m->value, scale - m->scale);
		m->scale = scale;
	}
}

/* acc += x, any scales (clv_money_add handles the common case inline) */
void
clv_money_add_slow(ClvMoney *acc, const ClvMoney *x)
{
	int128		v = x->value;

	if (x->scale > acc->scale)
		clv_money_rescale(acc, x->scale);
	else if (x->scale < acc->scale)
		v = MulPow10(v, acc->scale - x->scale);
	if (__builtin_add_overflow(acc->value, v, &acc->value))
		clv_money_overflow();
	if (x->dscale > acc->dscale)
		acc->dscale = x->dscale;
}

/* ----------------------------------------------------------------
 * Decoding numeric
 *
 * numeric values are decoded straight from their on-disk form, so that no
 * palloc happens per row.  This mirrors the layout of PostgreSQL's
 * src/backend/utils/adt/numeric.c (NumericShort / NumericLong, the
 * NUMERIC_* header bits), which pg_upgrade keeps stable: a varlena of int16
 * base-10000 digits (NBASE, DEC_DIGITS = 4) with a weight (the power of
 * 10000 of the first digit) and a display scale, in a short (2-byte) or
 * long (4-byte) header; NaN and the infinities are "special" headers.  The
 * money regression test checks the decoder against numeric's own output.
 * ----------------------------------------------------------------
 */

#define CLV_NUMERIC_SIGN_MASK		0xC000
#define CLV_NUMERIC_NEG				0x4000
#define CLV_NUMERIC_SHORT			0x8000
#define CLV_NUMERIC_SPECIAL			0xC000
#define CLV_NUMERIC_NAN				0xC000
#define CLV_NUMERIC_EXT_SIGN_MASK	0xF000
#define CLV_NUMERIC_SHORT_SIGN_MASK 0x2000
#define CLV_NUMERIC_SHORT_DSCALE_MASK 0x1F80
#define CLV_NUMERIC_SHORT_DSCALE_SHIFT 7
#define CLV_NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define CLV_NUMERIC_SHORT_WEIGHT_MASK 0x003F
#define CLV_NUMERIC_DSCALE_MASK		0x3FFF
#define CLV_NBASE					10000
#define CLV_DEC_DIGITS				4

/* The weight of a numeric in the short header form (6 bits, signed) */
static inline int
ShortWeight(uint16 header)
{
	int			weight = header & CLV_NUMERIC_SHORT_WEIGHT_MASK;

	if (header & CLV_NUMERIC_SHORT_WEIGHT_SIGN_MASK)
		weight |= ~CLV_NUMERIC_SHORT_WEIGHT_MASK;
	return weight;
}

/* Reject NaN and the infinities */
pg_noreturn static void
NumericNotFinite(uint16 header)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("amount must be a finite number"),
			 errdetail("The amount was %s.",
					   header == CLV_NUMERIC_NAN ? "NaN" :
					   (header & CLV_NUMERIC_EXT_SIGN_MASK) == 0xF000 ? "-Infinity" : "Infinity")));
}

/*
 * Decode a numeric datum exactly.  With D the integer spelled by the n
 * base-10000 digits (trailing zero digits dropped) and tz the trailing
 * decimal zeros of the last one, the value needs scale
 * s = max(0, 4 * (n - 1 - weight) - tz) decimals and equals
 * D * 10^(4 * (weight - n + 1) + s) at that scale (a division by at most
 * 10^tz when the exponent is negative, which is exact).
 */
void
clv_money_from_numeric(Datum value, ClvMoney *out)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);
	const char *p = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	uint16		header;
	int			weight;
	int			dscale;
	bool		neg;
	int			n;
	const char *digits;
	int16		d;
	int			tz;
	int			scale;
	int			x;
	int128		D;
	int			i;

	if (unlikely(VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v)))
	{
		v = pg_detoast_datum_packed(v);
		p = VARDATA_ANY(v);
		len = VARSIZE_ANY_EXHDR(v);
	}
	if (len < (int) sizeof(uint16))
		elog(ERROR, "invalid numeric datum");
	memcpy(&header, p, sizeof(uint16));
	if ((header & CLV_NUMERIC_SIGN_MASK) == CLV_NUMERIC_SHORT)
	{
		neg = (header & CLV_NUMERIC_SHORT_SIGN_MASK) != 0;
		dscale = (header & CLV_NUMERIC_SHORT_DSCALE_MASK) >> CLV_NUMERIC_SHORT_DSCALE_SHIFT;
		weight = ShortWeight(header);
		digits = p + sizeof(uint16);
		n = (len - sizeof(uint16)) / sizeof(int16);
	}
	else if ((header & CLV_NUMERIC_SIGN_MASK) == CLV_NUMERIC_SPECIAL)
		NumericNotFinite(header);
	else
	{
		int16		w;

		if (len < (int) (sizeof(uint16) + sizeof(int16)))
			elog(ERROR, "invalid numeric datum");
		neg = (header & CLV_NUMERIC_SIGN_MASK) == CLV_NUMERIC_NEG;
		dscale = header & CLV_NUMERIC_DSCALE_MASK;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = p + sizeof(uint16) + sizeof(int16);
		n = (len - sizeof(uint16) - sizeof(int16)) / sizeof(int16);
	}

	/* drop trailing zero digits */
	for (;;)
	{
		if (n == 0)
		{
			out->value = 0;
			out->scale = 0;
			out->dscale = dscale;
			goto done;
		}
		memcpy(&d, digits + (n - 1) * sizeof(int16), sizeof(int16));
		if (d != 0)
			break;
		n--;
	}
	/*
	 * tz: the trailing zero decimal digits of d (0 < d < 10000, so at most
	 * 3), counted and divided out without a loop: the branches of a loop
	 * are mispredicted for amounts that end in 0 and those that do not.
	 * d is a multiple of 10^tz, so d * ceil(2^24 / 10^tz) / 2^24 is
	 * d / 10^tz plus less than 9999 / 2^24: exact once rounded down.
	 */
	{
		static const uint32 recip[4] = {16777216, 1677722, 167773, 16778};

		tz = (d % 10 == 0) + (d % 100 == 0) + (d % 1000 == 0);
		d = (int16) (((uint64) (uint16) d * recip[tz]) >> 24);
	}
	scale = CLV_DEC_DIGITS * (n - 1 - weight) - tz;
	if (scale < 0)
		scale = 0;
	if (scale > CLV_MAX_SCALE)
		clv_money_overflow();
	x = CLV_DEC_DIGITS * (weight - n + 1) + scale;

	/*
	 * D, with the last digit already divided by 10^tz when the scale is
	 * positive (then x = -tz); in 64 bits up to 4 digits (< 10^16), else
	 * with overflow checks.  A zero scale means x >= 0.
	 */
	if (scale > 0)
		x = 0;
	if (n <= 4)
	{
		int64		D64 = 0;

		for (i = 0; i < n - 1; i++)
		{
			int16		di;

			memcpy(&di, digits + i * sizeof(int16), sizeof(int16));
			D64 = D64 * CLV_NBASE + di;
		}
		if (scale > 0)
			D64 = D64 * clv_pow10_int64[CLV_DEC_DIGITS - tz] + d;
		else
		{
			memcpy(&d, digits + (n - 1) * sizeof(int16), sizeof(int16));
			D64 = D64 * CLV_NBASE + d;
		}
		D = D64;
	}
	else
	{
		D = 0;
		for (i = 0; i < n - 1; i++)
		{
			int16		di;

			memcpy(&di, digits + i * sizeof(int16), sizeof(int16));
			if (__builtin_mul_overflow(D, (int128) CLV_NBASE, &D) ||
				__builtin_add_overflow(D, (int128) di, &D))
				clv_money_overflow();
		}
		if (scale == 0)
			memcpy(&d, digits + (n - 1) * sizeof(int16), sizeof(int16));
		if (__builtin_mul_overflow(D, (int128) (scale > 0 ? clv_pow10_int64[CLV_DEC_DIGITS - tz] : CLV_NBASE), &D) ||
			__builtin_add_overflow(D, (int128) d, &D))
			clv_money_overflow();
	}
	if (x > 0)
		D = MulPow10(D, x);

	out->value = neg ? -D : D;
	out->scale = scale;
	out->dscale = Max(dscale, scale);

done:
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
}

/* Base-10000 digit i of a numeric's digits (as unsigned: 0 .. 9999) */
static inline uint32
Digit(const char *digits, int i)
{
	uint16		d;

	memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
	return d;
}

/* *D /= p when p divides *D (inlined with a constant p: no division) */
static inline bool
DivideExactly(uint64 *D, uint32 p)
{
	if (*D % p != 0)
		return false;
	*D /= p;
	return true;
}

/* clv_money_add_numeric for any numeric: convert, then add */
static pg_noinline int
AddNumericGeneral(ClvMoney *acc, Datum value)
{
	ClvMoney	m;

	clv_money_from_numeric(value, &m);
	clv_money_add(acc, &m);
	return clv_money_sign(&m);
}

/*
 * acc += a numeric datum; returns the amount's sign (-1, 0, 1).
 *
 * The common case is done without a ClvMoney: an amount in numeric's short
 * header form with at most 4 base-10000 digits (D < 10^16) that is exact
 * at acc's scale S.  With n digits and weight w, the amount is
 * D * 10^(4 * (w - n + 1)), so at scale S it is D * 10^k with
 * k = 4 * (w - n + 1) + S: D * 10^k for 0 <= k <= 2 (< 10^18), D / 10^-k
 * for -3 <= k < 0 when that division is exact (the amount then needs no
 * more than S decimals, so acc's scale stays).  acc's display scale takes
 * the amount's (which bounds the amount's scale: numeric rounds to its
 * display scale).  Anything else (long or special headers,
 * toasted values, more digits, a larger scale) goes through
 * clv_money_from_numeric and clv_money_add, with the same result.
 */
int
clv_money_add_numeric(ClvMoney *acc, Datum value)
{
	const char *v = DatumGetPointer(value);
	const char *p;
	uint32		len;
	uint16		header;
	uint64		D;
	int			weight;
	int			k;
	int			dscale;

	if (VARATT_IS_1B(v) && !VARATT_IS_1B_E(v))
	{
		p = VARDATA_1B(v);
		len = VARSIZE_1B(v) - VARHDRSZ_SHORT;
	}
	else if (VARATT_IS_4B_U(v))
	{
		p = VARDATA_4B(v);
		len = VARSIZE_4B(v) - VARHDRSZ;
	}
	else
		return AddNumericGeneral(acc, value);
	if (unlikely(len < sizeof(uint16)))
		return AddNumericGeneral(acc, value);
	memcpy(&header, p, sizeof(uint16));
	if (unlikely((header & CLV_NUMERIC_SIGN_MASK) != CLV_NUMERIC_SHORT))
		return AddNumericGeneral(acc, value);
	p += sizeof(uint16);
	switch ((len - sizeof(uint16)) / sizeof(int16))
	{
		case 0:
			D = 0;
			k = 0;
			break;
		case 1:
			D = Digit(p, 0);
			k = 0;
			break;
		case 2:
			D = Digit(p, 0) * CLV_NBASE + Digit(p, 1);
			k = -1;
			break;
		case 3:
			D = ((uint64) Digit(p, 0) * CLV_NBASE + Digit(p, 1)) * CLV_NBASE + Digit(p, 2);
			k = -2;
			break;
		case 4:
			D = (((uint64) Digit(p, 0) * CLV_NBASE + Digit(p, 1)) * CLV_NBASE + Digit(p, 2)) *
				CLV_NBASE + Digit(p, 3);
			k = -3;
			break;
		default:
			return AddNumericGeneral(acc, value);
	}
	weight = ShortWeight(header);
	/* k = 4 * (weight - n + 1) + S */
	k = CLV_DEC_DIGITS * (weight + k) + acc->scale;
	switch (k)
	{
		case 0:
			break;
		case 1:
			D *= 10;
			break;
		case 2:
			D *= 100;
			break;
		case -1:
			if (!DivideExactly(&D, 10))
				return AddNumericGeneral(acc, value);
			break;
		case -2:
			if (!DivideExactly(&D, 100))
				return AddNumericGeneral(acc, value);
			break;
		case -3:
			if (!DivideExactly(&D, 1000))
				return AddNumericGeneral(acc, value);
			break;
		default:
			if (D != 0)
				return AddNumericGeneral(acc, value);
			break;
	}
	dscale = (header & CLV_NUMERIC_SHORT_DSCALE_MASK) >> CLV_NUMERIC_SHORT_DSCALE_SHIFT;
	if (dscale > acc->dscale)
		acc->dscale = dscale;
	if (header & CLV_NUMERIC_SHORT_SIGN_MASK)
	{
		if (unlikely(__builtin_sub_overflow(acc->value, (int128) D, &acc->value)))
			clv_money_overflow();
		return -(D != 0);
	}
	if (unlikely(__builtin_add_overflow(acc->value, (int128) D, &acc->value)))
		clv_money_overflow();
	return D != 0;
}

/* Resolve the amount kind of a type */
ClvAmountKind
clv_amount_kind(Oid typid)
{
	switch (typid)
	{
		case NUMERICOID:
			return CLV_AMOUNT_NUMERIC;
		case FLOAT8OID:
			return CLV_AMOUNT_FLOAT8;
		case FLOAT4OID:
			return CLV_AMOUNT_FLOAT4;
		case INT8OID:
			return CLV_AMOUNT_INT8;
		case INT4OID:
			return CLV_AMOUNT_INT4;
		case INT2OID:
			return CLV_AMOUNT_INT2;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("amount must be numeric, double precision, real or an integer, not %s",
							format_type_be(typid))));
	}
	return CLV_AMOUNT_NUMERIC;	/* keep compiler quiet */
}

/* Convert an amount of a resolved kind to an exact decimal */
void
clv_money_from_datum(Datum value, ClvAmountKind kind, ClvMoney *out)
{
	double		f;

	switch (kind)
	{
		case CLV_AMOUNT_NUMERIC:
			clv_money_from_numeric(value, out);
			return;
		case CLV_AMOUNT_INT8:
			out->value = DatumGetInt64(value);
			out->scale = out->dscale = 0;
			return;
		case CLV_AMOUNT_INT4:
			out->value = DatumGetInt32(value);
			out->scale = out->dscale = 0;
			return;
		case CLV_AMOUNT_INT2:
			out->value = DatumGetInt16(value);
			out->scale = out->dscale = 0;
			return;
		case CLV_AMOUNT_FLOAT8:
		case CLV_AMOUNT_FLOAT4:
			f = (kind == CLV_AMOUNT_FLOAT8) ? DatumGetFloat8(value) :
				(double) DatumGetFloat4(value);
			if (isnan(f) || isinf(f))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("amount must be a finite number"),
						 errdetail("The amount was %s.",
								   isnan(f) ? "NaN" : (f > 0 ? "Infinity" : "-Infinity"))));
			/* exactly as the float -> numeric cast (15 or 6 significant digits) */
			{
				Datum		n = (kind == CLV_AMOUNT_FLOAT8) ?
				DirectFunctionCall1(float8_numeric, value) :
				DirectFunctionCall1(float4_numeric, value);

				clv_money_from_numeric(n, out);
				pfree(DatumGetPointer(n));
			}
			return;
	}
	elog(ERROR, "unexpected amount kind %d", (int) kind);
}

/* Format an exact decimal */
char *
clv_money_to_cstring(const ClvMoney *m)
{
	char		digits[64];
	char	   *result;
	int			n = 0;
	int			i;
	int			pos = 0;
	bool		neg = m->value < 0;
	uint128		u = Magnitude(m->value);
	int			outscale = Max(m->scale, m->dscale);

	/* digits, least significant first */
	do
	{
		digits[n++] = '0' + (int) (u % 10);
		u /= 10;
	} while (u != 0);
	/* pad with zeros to have at least scale+1 digits */
	while (n <= m->scale)
		digits[n++] = '0';

	result = palloc(n + outscale + 4);
	if (neg)
		result[pos++] = '-';
	for (i = n - 1; i >= m->scale; i--)
		result[pos++] = digits[i];
	if (outscale > 0)
	{
		result[pos++] = '.';
		for (i = m->scale - 1; i >= 0; i--)
			result[pos++] = digits[i];
		for (i = m->scale; i < outscale; i++)
			result[pos++] = '0';
	}
	result[pos] = '\0';
	return result;
}

/*
 * The exact decimal as numeric, with max(scale, dscale) decimals (as
 * numeric_in reads clv_money_to_cstring's text): built directly from the
 * digits (int64_div_fast_to_numeric) when the value at that scale fits an
 * int64, else through the text
 */
Datum
clv_money_to_numeric(const ClvMoney *m)
{
	char	   *s;
	Datum		result;
	int			outscale = Max(m->scale, m->dscale);
	int			k = outscale - m->scale;

	if (k <= 18 && m->value == (int128) (int64) m->value)
	{
		int64		v = (int64) m->value;

		if (!pg_mul_s64_overflow(v, clv_pow10_int64[k], &v))
			return NumericGetDatum(int64_div_fast_to_numeric(v, outscale));
	}
	s = clv_money_to_cstring(m);

	result = DirectFunctionCall3(numeric_in, CStringGetDatum(s),
								 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	pfree(s);
	return result;
}

/* Nearest double */
double
clv_money_to_double(const ClvMoney *m)
{
	char	   *s = clv_money_to_cstring(m);
	double		d = strtod(s, NULL);

	pfree(s);
	return d;
}

/* The number of decimal digits of u >= 1 */
static inline int
DecimalDigits(uint128 u)
{
	int			n = 1;
	uint64		v;

	while (u > PG_UINT64_MAX)
	{
		u /= 10000;
		n += 4;
	}
	v = (uint64) u;
	while (v >= 10000)
	{
		v /= 10000;
		n += 4;
	}
	while (v >= 10)
	{
		v /= 10;
		n++;
	}
	return n;
}

/* Drop the trailing zeros of u * 10^-*scale (u > 0), down to scale 0 */
static inline uint128
TrimZeros(uint128 u, int *scale)
{
	uint64		v;

	while (u > PG_UINT64_MAX && *scale > 0 && u % 10 == 0)
	{
		u /= 10;
		(*scale)--;
	}
	if (u > PG_UINT64_MAX)
		return u;
	v = (uint64) u;
	while (*scale >= 4 && v % 10000 == 0)
	{
		v /= 10000;
		*scale -= 4;
	}
	while (*scale > 0 && v % 10 == 0)
	{
		v /= 10;
		(*scale)--;
	}
	return v;
}

/*
 * The base-10000 weight and leading digit that numeric gives a positive
 * decimal a * 10^-s (numeric's digits are aligned on the decimal point)
 */
static inline void
NumericLead(uint128 a, int s, int *weight, int *first)
{
	int			e = DecimalDigits(a) - 1 - s;	/* a * 10^-s in [10^e, 10^(e+1)) */
	int			w = (e >= 0) ? e / 4 : -((-e + 3) / 4);
	int			k = s + 4 * w;	/* leading digit = a * 10^-k, truncated */

	*weight = w;
	*first = (k >= 0) ? (int) (a / (uint128) Pow10(k)) : (int) (a * (uint128) Pow10(-k));
}

/*
 * m / count, count > 0, as clv_money_div_count gives it (numeric's
 * division, shaped), as an exact decimal computed in int128: false (q
 * unset) when it does not fit one.  numeric_div(m, count) (numeric.c: select_div_scale,
 * div_var) is the quotient rounded half away from zero at
 *	 rscale = max(16 - 4 * qweight, dscale of m, 0), at most 1000,
 * where qweight = (base-10000 weight of m) - (weight of count), one less
 * when m's leading base-10000 digit <= count's (0 and 0 for m = 0);
 * clv_money_div_count then drops trailing zeros (numeric_trim_scale) and
 * shows at least m's dscale decimals.  The same value and display scale
 * as the numeric path, so the same numeric and the same nearest double;
 * sql/summary.sql compares it with numeric's division in plain SQL over
 * many magnitudes, scales and counts.
 */
bool
clv_money_div_count_exact(const ClvMoney *m, int64 count, ClvMoney *q)
{
	bool		neg = m->value < 0;
	uint128		a = Magnitude(m->value);
	int			mdscale = Max(m->scale, m->dscale);	/* the numeric's dscale */
	int			w1 = 0,
				f1 = 0,
				w2,
				f2,
				qweight,
				rscale,
				e;
	int128		scaled;
	uint128		n,
				r,
				quot;

	Assert(count > 0);
	if (a != 0)
		NumericLead(a, m->scale, &w1, &f1);
	NumericLead((uint128) count, 0, &w2, &f2);
	qweight = w1 - w2;
	if (f1 <= f2)
		qweight--;
	rscale = Max(16 - 4 * qweight, mdscale);	/* mdscale >= 0 */
	if (rscale > CLV_MAX_SCALE)
		return false;
	e = rscale - m->scale;		/* >= 0: rscale >= dscale >= scale */
	/* a * 10^e, as MulPow10 but false where it overflows (a = 2^127 too) */
	if ((a >> 127) != 0 || __builtin_mul_overflow((int128) a, Pow10(e), &scaled))
		return false;
	n = (uint128) scaled;
	quot = n / (uint64) count;
	r = n % (uint64) count;
	if (2 * r >= (uint128) count)
		quot++;					/* half away from zero */
	/* numeric_trim_scale */
	if (quot == 0)
		rscale = 0;
	else
		quot = TrimZeros(quot, &rscale);
	q->value = neg ? -(int128) quot : (int128) quot;
	q->scale = rscale;
	q->dscale = Max(rscale, m->dscale);
	return true;
}

/*
 * m / count as numeric, with no fewer decimals than the amounts had:
 * numeric_div's quotient with its trailing zeros dropped, shown with at
 * least m's dscale decimals.  Computed in int128
 * (clv_money_div_count_exact) when it fits, else with numeric's functions.
 */
Datum
clv_money_div_count(const ClvMoney *m, int64 count)
{
	Datum		q;
	int32		scale;
	ClvMoney	fast;

	Assert(count > 0);
	if (clv_money_div_count_exact(m, count, &fast))
		return clv_money_to_numeric(&fast);
	q = DirectFunctionCall2(numeric_div, clv_money_to_numeric(m),
							NumericGetDatum(int64_to_numeric(count)));
	q = DirectFunctionCall1(numeric_trim_scale, q);
	scale = DatumGetInt32(DirectFunctionCall1(numeric_scale, q));
	if (scale < m->dscale)
		q = DirectFunctionCall2(numeric_round, q, Int32GetDatum(m->dscale));
	return q;
}

/* Binary I/O */
void
clv_money_send(StringInfo buf, const ClvMoney *m)
{
	pq_sendint32(buf, m->scale);
	pq_sendint32(buf, m->dscale);
	clv_send_int128(buf, m->value);
}

void
clv_money_recv(StringInfo buf, ClvMoney *m)
{
	m->scale = pq_getmsgint(buf, 4);
	m->dscale = pq_getmsgint(buf, 4);
	m->value = clv_recv_int128(buf);
	if (m->scale < 0 || m->scale > CLV_MAX_SCALE ||
		m->dscale < m->scale || m->dscale > CLV_NUMERIC_DSCALE_MASK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid scale in external money value")));
}
