/*-------------------------------------------------------------------------
 *
 * money.h
 *	  Exact money: amounts as scaled 128-bit integers.
 *
 * An amount is numeric, double precision, real or an integer.  It is
 * converted exactly to a scaled 128-bit integer (value * 10^scale); a
 * double goes through float8 -> numeric first (15 significant digits, as
 * the cast does).  NaN and infinities are rejected (22023); values that do
 * not fit in 38 decimal digits raise 22003.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_MONEY_H
#define CLV_MONEY_H

#include "postgres.h"

#include "compat.h"
#include "lib/stringinfo.h"

#ifndef HAVE_INT128
#error "clv needs a compiler with a 128-bit integer type"
#endif

#define CLV_MAX_SCALE 38

/*
 * An exact decimal: value * 10^-scale.  "scale" is the number of decimals
 * the value needs (for a sum: the largest such number of its addends);
 * "dscale" is the display scale, the largest numeric dscale that went into
 * it, as numeric's sum() keeps it.  Always scale <= dscale.
 */
typedef struct ClvMoney
{
	int128		value;
	int32		scale;			/* 0 .. CLV_MAX_SCALE */
	int32		dscale;			/* 0 .. NUMERIC_MAX_DISPLAY_SCALE */
} ClvMoney;

/* Which SQL type an amount argument has, resolved once per call site */
typedef enum ClvAmountKind
{
	CLV_AMOUNT_NUMERIC = 1,
	CLV_AMOUNT_FLOAT8,
	CLV_AMOUNT_FLOAT4,
	CLV_AMOUNT_INT8,
	CLV_AMOUNT_INT4,
	CLV_AMOUNT_INT2
} ClvAmountKind;

/* Resolve the amount kind of a (base) type oid, or error (42804) */
extern ClvAmountKind clv_amount_kind(Oid typid);

/* Convert an amount datum of the given kind to an exact decimal */
extern void clv_money_from_datum(Datum value, ClvAmountKind kind, ClvMoney *out);

/* Convert a numeric datum (any header form) to an exact decimal */
extern void clv_money_from_numeric(Datum value, ClvMoney *out);

/* acc += a numeric datum (clv_money_add of its conversion); returns its sign */
extern int	clv_money_add_numeric(ClvMoney *acc, Datum value);

/* Rescale "m" up to "scale" (>= m->scale); errors (22003) on overflow */
extern void clv_money_rescale(ClvMoney *m, int32 scale);

/* The general case of clv_money_add */
extern void clv_money_add_slow(ClvMoney *acc, const ClvMoney *x);

/* Report an amount too large for exact summation (22003) */
pg_noreturn extern void clv_money_overflow(void);

/* 10^0 .. 10^18 */
extern const int64 clv_pow10_int64[19];

/*
 * acc += x, rescaling as needed; errors (22003) on overflow.  Inline for
 * the common case of a 64-bit addend at no larger scale.
 */
static inline void
clv_money_add(ClvMoney *acc, const ClvMoney *x)
{
	int128		v = x->value;
	int32		k = acc->scale - x->scale;

	if (likely(k >= 0 && k <= 18 && v == (int128) (int64) v))
	{
		/* |v| < 2^63 and 10^k < 2^60: the product fits */
		v = (int128) (int64) v * clv_pow10_int64[k];
		if (unlikely(__builtin_add_overflow(acc->value, v, &acc->value)))
			clv_money_overflow();
		if (x->dscale > acc->dscale)
			acc->dscale = x->dscale;
	}
	else
		clv_money_add_slow(acc, x);
}

/* The exact decimal as a numeric datum (with m->scale digits) */
extern Datum clv_money_to_numeric(const ClvMoney *m);

/* The exact decimal as text (for messages and text output) */
extern char *clv_money_to_cstring(const ClvMoney *m);

/* Nearest double precision value */
extern double clv_money_to_double(const ClvMoney *m);

/* Sign: -1, 0, 1 */
static inline int
clv_money_sign(const ClvMoney *m)
{
	return (m->value > 0) - (m->value < 0);
}

/* Binary I/O of an exact decimal (int32 scale, int32 dscale, two int64 halves) */
extern void clv_money_send(StringInfo buf, const ClvMoney *m);
extern void clv_money_recv(StringInfo buf, ClvMoney *m);

/*
 * Divide an exact decimal by a positive count; the result is numeric,
 * computed by PostgreSQL's numeric division and shown with no fewer
 * decimals than the amounts had and no needless trailing zeros.
 */
extern Datum clv_money_div_count(const ClvMoney *m, int64 count);
extern bool clv_money_div_count_exact(const ClvMoney *m, int64 count, ClvMoney *q);

/*
 * An int128 as two int64 halves, the way stored states keep it (high half
 * signed, low half the unsigned low 64 bits)
 */
static inline int128
clv_int128_join(int64 hi, uint64 lo)
{
	return (int128) (((uint128) (uint64) hi << 64) | (uint128) lo);
}

static inline int64
clv_int128_hi(int128 v)
{
	return (int64) (v >> 64);
}

static inline uint64
clv_int128_lo(int128 v)
{
	return (uint64) v;
}

#endif							/* CLV_MONEY_H */
