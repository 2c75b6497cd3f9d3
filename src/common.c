/*-------------------------------------------------------------------------
 *
 * common.c
 *	  Order times, exact money, customer keys and the text form of states:
 *	  the helpers every clv family shares (see clv.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "clv.h"

/* ----------------------------------------------------------------
 * Argument types
 * ----------------------------------------------------------------
 */

/*
 * The type of argument "argnum" of the function called through "flinfo":
 * the type in the call expression, or, when there is none, the function's
 * declared argument type.  Citus' worker_partial_agg_sfunc calls transition
 * functions through a bare FmgrInfo (no fn_expr), so the declared type is
 * all there is then.  InvalidOid when neither is known (a polymorphic
 * declaration called without an expression).  Callers cache the result in
 * fn_extra.
 */
Oid
clv_fn_arg_type(FmgrInfo *flinfo, int argnum)
{
	Oid			typid = get_fn_expr_argtype(flinfo, argnum);
	HeapTuple	tp;
	Form_pg_proc procform;

	if (OidIsValid(typid))
		return typid;
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(flinfo->fn_oid));
	if (!HeapTupleIsValid(tp))
		return InvalidOid;
	procform = (Form_pg_proc) GETSTRUCT(tp);
	if (argnum >= 0 && argnum < procform->pronargs &&
		!IsPolymorphicType(procform->proargtypes.values[argnum]))
		typid = procform->proargtypes.values[argnum];
	ReleaseSysCache(tp);
	return typid;
}

/* ----------------------------------------------------------------
 * Order times
 * ----------------------------------------------------------------
 */

/* Reject an infinite timestamp */
TimestampTz
clv_finite_timestamptz(TimestampTz t, const char *what)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be finite", what),
				 errdetail("clv measures durations between order times, and an infinite time has none.")));
	return t;
}

/* Convert a timestamptz, timestamp or date datum to a finite TimestampTz */
TimestampTz
clv_time_from_datum(Datum value, Oid typid)
{
	TimestampTz result;
	int			overflow = 0;

	switch (typid)
	{
		case TIMESTAMPTZOID:
			result = DatumGetTimestampTz(value);
			break;
		case TIMESTAMPOID:
			if (TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value)))
				result = DatumGetTimestamp(value);
			else
				result = timestamp2timestamptz_opt_overflow(DatumGetTimestamp(value), &overflow);
			break;
		case DATEOID:
			if (DATE_NOT_FINITE(DatumGetDateADT(value)))
				result = DT_NOBEGIN;
			else
				result = date2timestamptz_opt_overflow(DatumGetDateADT(value), &overflow);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("order time must be timestamptz, timestamp or date, not %s",
							format_type_be(typid))));
			result = 0;			/* keep compiler quiet */
	}
	if (overflow != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("order time out of range for timestamp with time zone")));
	return clv_finite_timestamptz(result, "order time");
}

/* ----------------------------------------------------------------
 * Exact money
 *
 * Amounts are held as a 128-bit integer scaled by 10^scale.  numeric values
 * are decoded straight from their on-disk form (which pg_upgrade keeps
 * stable), so no palloc happens per row: a varlena of int16 base-10000
 * digits with a weight (the power of 10000 of the first digit) and a
 * display scale, in a short (2-byte) or long (4-byte) header.
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

/* 10^0 .. 10^38 as int128 */
static int128 pow10_128[CLV_MAX_SCALE + 1];
static bool pow10_ready = false;

static void
InitPow10(void)
{
	int			i;

	pow10_128[0] = 1;
	for (i = 1; i <= CLV_MAX_SCALE; i++)
		pow10_128[i] = pow10_128[i - 1] * 10;
	pow10_ready = true;
}

/* Report an amount too large for exact summation */
pg_noreturn static void
MoneyOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("amount out of range for clv"),
			 errdetail("clv sums amounts exactly in 38 significant decimal digits."),
			 errhint("Round the amounts to fewer decimal places or scale them down.")));
}

/* m->value * 10^k, with overflow check */
static inline int128
MulPow10(int128 v, int k)
{
	int128		r;

	if (k == 0 || v == 0)
		return v;
	if (k > CLV_MAX_SCALE || __builtin_mul_overflow(v, pow10_128[k], &r))
		MoneyOverflow();
	return r;
}

/* Rescale to a larger scale */
void
clv_money_rescale(ClvMoney *m, int32 scale)
{
	if (!pow10_ready)
		InitPow10();
	if (scale > m->scale)
	{
		m->value = MulPow10(m->value, scale - m->scale);
		m->scale = scale;
	}
}

/* acc += x */
void
clv_money_add(ClvMoney *acc, const ClvMoney *x)
{
	int128		v = x->value;

	if (!pow10_ready)
		InitPow10();
	if (x->scale > acc->scale)
		clv_money_rescale(acc, x->scale);
	else if (x->scale < acc->scale)
		v = MulPow10(v, acc->scale - x->scale);
	if (__builtin_add_overflow(acc->value, v, &acc->value))
		MoneyOverflow();
	if (x->dscale > acc->dscale)
		acc->dscale = x->dscale;
}

/* Decode a numeric datum exactly */
void
clv_money_from_numeric(Datum value, ClvMoney *out)
{
	struct varlena *v = (struct varlena *) PG_DETOAST_DATUM_PACKED(value);
	const char *p = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	uint16		header;
	int			weight;
	int			dscale;
	bool		neg;
	int			ndigits;
	const char *digits;
	int128		acc = 0;
	int			i;
	int			last_nonzero = -1;
	int			scale;

	if (!pow10_ready)
		InitPow10();
	if (len < (int) sizeof(uint16))
		elog(ERROR, "invalid numeric datum");
	memcpy(&header, p, sizeof(uint16));
	if ((header & CLV_NUMERIC_SIGN_MASK) == CLV_NUMERIC_SPECIAL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must be a finite number"),
				 errdetail("The amount was %s.",
						   header == CLV_NUMERIC_NAN ? "NaN" :
						   (header & CLV_NUMERIC_EXT_SIGN_MASK) == 0xF000 ? "-Infinity" : "Infinity")));
	if ((header & CLV_NUMERIC_SIGN_MASK) == CLV_NUMERIC_SHORT)
	{
		neg = (header & CLV_NUMERIC_SHORT_SIGN_MASK) != 0;
		dscale = (header & CLV_NUMERIC_SHORT_DSCALE_MASK) >> CLV_NUMERIC_SHORT_DSCALE_SHIFT;
		weight = header & CLV_NUMERIC_SHORT_WEIGHT_MASK;
		if (header & CLV_NUMERIC_SHORT_WEIGHT_SIGN_MASK)
			weight |= ~CLV_NUMERIC_SHORT_WEIGHT_MASK;
		digits = p + sizeof(uint16);
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
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
		ndigits = (len - sizeof(uint16) - sizeof(int16)) / sizeof(int16);
	}

	/* find the last nonzero digit, to know how many decimals are needed */
	for (i = ndigits - 1; i >= 0; i--)
	{
		int16		d;

		memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
		if (d != 0)
		{
			last_nonzero = i;
			break;
		}
	}

	if (last_nonzero < 0)
	{
		out->value = 0;
		out->scale = 0;
		out->dscale = dscale;
		return;
	}

	/* decimals needed: those of the last nonzero digit, minus its trailing zeros */
	{
		int16		d;
		int			tz = 0;

		memcpy(&d, digits + last_nonzero * sizeof(int16), sizeof(int16));
		while (d % 10 == 0)
		{
			d /= 10;
			tz++;
		}
		scale = CLV_DEC_DIGITS * (last_nonzero - weight) - tz;
		if (scale < 0)
			scale = 0;
	}
	if (scale > CLV_MAX_SCALE)
		MoneyOverflow();

	for (i = 0; i <= last_nonzero; i++)
	{
		int16		d;
		int			e = CLV_DEC_DIGITS * (weight - i) + scale;
		int128		term;

		memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
		if (d == 0)
			continue;
		if (e >= 0)
			term = MulPow10((int128) d, e);
		else
			term = (int128) d / pow10_128[-e];	/* exact: see scale above */
		if (__builtin_add_overflow(acc, term, &acc))
			MoneyOverflow();
	}
	out->value = neg ? -acc : acc;
	out->scale = scale;
	out->dscale = Max(dscale, scale);

	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
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
	uint128		u = neg ? (uint128) (-(m->value + 1)) + 1 : (uint128) m->value;
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

/* The exact decimal as numeric */
Datum
clv_money_to_numeric(const ClvMoney *m)
{
	char	   *s = clv_money_to_cstring(m);
	Datum		result;

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

/* m / count as numeric, with no fewer decimals than the amounts had */
Datum
clv_money_div_count(const ClvMoney *m, int64 count)
{
	Datum		q;
	int32		scale;

	Assert(count > 0);
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
	pq_sendint64(buf, (int64) (m->value >> 64));
	pq_sendint64(buf, (int64) (uint64) m->value);
}

void
clv_money_recv(StringInfo buf, ClvMoney *m)
{
	int64		hi,
				lo;

	m->scale = pq_getmsgint(buf, 4);
	m->dscale = pq_getmsgint(buf, 4);
	hi = pq_getmsgint64(buf);
	lo = pq_getmsgint64(buf);
	if (m->scale < 0 || m->scale > CLV_MAX_SCALE ||
		m->dscale < m->scale || m->dscale > CLV_NUMERIC_DSCALE_MASK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid scale in external money value")));
	m->value = (int128) (((uint128) (uint64) hi << 64) | (uint128) (uint64) lo);
}

/* ----------------------------------------------------------------
 * Customer keys
 * ----------------------------------------------------------------
 */

ClvKeyKind
clv_key_kind(Oid typid)
{
	switch (typid)
	{
		case INT8OID:
		case INT4OID:
		case INT2OID:
			return CLV_KEY_INT8;
		case UUIDOID:
			return CLV_KEY_UUID;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
			return CLV_KEY_TEXT;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("customer key must be bigint, integer, smallint, text, varchar, char or uuid, not %s",
							format_type_be(typid)),
					 errhint("Cast the customer key to text or bigint.")));
	}
	return CLV_KEY_NONE;		/* keep compiler quiet */
}

const char *
clv_key_kind_name(ClvKeyKind kind)
{
	switch (kind)
	{
		case CLV_KEY_NONE:
			return "none";
		case CLV_KEY_INT8:
			return "integer";
		case CLV_KEY_UUID:
			return "uuid";
		case CLV_KEY_TEXT:
			return "text";
	}
	return "unknown";
}

/* Hash of a key */
uint32
clv_key_hash(ClvKeyKind kind, const ClvKey *key)
{
	if (kind == CLV_KEY_INT8)
		return (uint32) hash_bytes_uint32((uint32) key->ival) ^
			(uint32) murmurhash32((uint32) ((uint64) key->ival >> 32));
	return (uint32) hash_bytes((const unsigned char *) key->bytes, (int) key->len);
}

/* Build a lookup key from a datum */
void
clv_key_from_datum(Datum value, Oid typid, ClvKeyKind kind, ClvKey *key)
{
	switch (typid)
	{
		case INT8OID:
			key->ival = DatumGetInt64(value);
			break;
		case INT4OID:
			key->ival = DatumGetInt32(value);
			break;
		case INT2OID:
			key->ival = DatumGetInt16(value);
			break;
		case UUIDOID:
			key->bytes = (const char *) DatumGetUUIDP(value)->data;
			key->len = UUID_LEN;
			break;
		case NAMEOID:
			key->bytes = NameStr(*DatumGetName(value));
			key->len = strlen(key->bytes);
			break;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			{
				struct varlena *t = PG_DETOAST_DATUM_PACKED(value);
				int			len = VARSIZE_ANY_EXHDR(t);
				const char *s = VARDATA_ANY(t);

				/* char(n) compares without trailing blanks */
				if (typid == BPCHAROID)
					while (len > 0 && s[len - 1] == ' ')
						len--;
				key->bytes = s;
				key->len = len;
				break;
			}
		default:
			(void) clv_key_kind(typid);
			break;
	}
	key->hash = clv_key_hash(kind, key);
}

void
clv_key_send(StringInfo buf, ClvKeyKind kind, const ClvKey *key)
{
	if (kind == CLV_KEY_INT8)
		pq_sendint64(buf, key->ival);
	else
	{
		pq_sendint32(buf, key->len);
		pq_sendbytes(buf, key->bytes, key->len);
	}
}

void
clv_key_recv(StringInfo buf, ClvKeyKind kind, ClvKey *key)
{
	if (kind == CLV_KEY_INT8)
	{
		clv_recv_need(buf, 8, "customer key");
		key->ival = pq_getmsgint64(buf);
	}
	else
	{
		uint32		len;

		clv_recv_need(buf, 4, "customer key");
		len = (uint32) pq_getmsgint(buf, 4);

		if (len > (uint32) (buf->len - buf->cursor) ||
			(kind == CLV_KEY_UUID && len != UUID_LEN) || len > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid customer key length %u in external value", len)));
		key->len = len;
		key->bytes = pq_getmsgbytes(buf, len);
	}
	key->hash = clv_key_hash(kind, key);
}

/* ----------------------------------------------------------------
 * Text form of binary states
 * ----------------------------------------------------------------
 */

char *
clv_text_encode(const char *prefix, bytea *binary)
{
	int			len = VARSIZE_ANY_EXHDR(binary);
	int			plen = strlen(prefix);
	int			enclen = pg_b64_enc_len(len);
	char	   *out = palloc(plen + 1 + enclen + 1);
	int			n;

	memcpy(out, prefix, plen);
	out[plen] = ':';
	n = clv_b64_encode(VARDATA_ANY(binary), len, out + plen + 1, enclen);
	if (n < 0)
		elog(ERROR, "could not encode state");
	out[plen + 1 + n] = '\0';
	return out;
}

void
clv_text_decode(const char *prefix, const char *str, StringInfo buf)
{
	int			plen = strlen(prefix);
	size_t		slen = strlen(str);
	int			declen;
	int			n;

	if (slen < (size_t) plen + 1 || strncmp(str, prefix, plen) != 0 || str[plen] != ':')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", prefix),
				 errdetail("The value must start with \"%s:\" followed by base64 data.", prefix)));
	if (slen - plen - 1 > (size_t) (MaxAllocSize / 2))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s value is too long", prefix)));
	declen = pg_b64_dec_len(slen - plen - 1);
	initStringInfo(buf);
	enlargeStringInfo(buf, declen + 1);
	n = clv_b64_decode(str + plen + 1, slen - plen - 1, buf->data, declen);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", prefix),
				 errdetail("The data after \"%s:\" is not valid base64.", prefix)));
	buf->len = n;
	buf->data[n] = '\0';
	buf->cursor = 0;
}

void
clv_recv_need(StringInfo buf, int64 n, const char *typname)
{
	if (n < 0 || n > (int64) (buf->len - buf->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external %s value", typname),
				 errdetail("The value is truncated.")));
}

void
clv_recv_finish(StringInfo buf, const char *typname)
{
	if (buf->cursor != buf->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external %s value", typname),
				 errdetail("%d bytes follow the end of the value.", buf->len - buf->cursor)));
}
