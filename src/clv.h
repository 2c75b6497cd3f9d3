/*-------------------------------------------------------------------------
 *
 * clv.h
 *	  Shared declarations of the clv extension: customer keys, order times,
 *	  exact money, the customer key dictionary and the state-memory limit.
 *
 * Every C family of the extension (summary aggregates, cohorts, models)
 * builds on the helpers declared here, so that all of them agree on what a
 * customer key, an order time and an amount are:
 *
 *	- A customer key is a bigint, integer, smallint, text, varchar, char or
 *	  uuid value.  Integers are one kind (CLV_KEY_INT8), so summaries built
 *	  from integer and bigint keys merge.  Text keys compare byte by byte
 *	  (char(n) ignores trailing blanks, as bpchar equality does).
 *	- An order time is a timestamptz, timestamp or date.  timestamp and date
 *	  are converted to timestamptz with the session TimeZone, exactly as
 *	  PostgreSQL's implicit casts do, so comparisons with a timestamptz
 *	  cutoff agree with plain SQL.  Infinite times are rejected (22008).
 *	- An amount is numeric, double precision or an integer.  It is converted
 *	  exactly to a scaled 128-bit integer (value * 10^scale); a double goes
 *	  through float8 -> numeric first (15 significant digits, as the cast).
 *	  NaN and infinities are rejected (22023); values that do not fit in 38
 *	  decimal digits raise 22003.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_H
#define CLV_H

#include "postgres.h"

#include "compat.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#ifndef HAVE_INT128
#error "clv needs a compiler with a 128-bit integer type"
#endif

/* ----------------------------------------------------------------
 * GUCs (registered in clv.c)
 * ----------------------------------------------------------------
 */

/* clv.max_state_memory, in kilobytes: upper bound of one aggregate state */
extern int	clv_max_state_memory_kb;

/*
 * Check that an aggregate state of "newsize" bytes stays under
 * clv.max_state_memory; raise 54000 (program_limit_exceeded) with a hint
 * otherwise.  "what" names the aggregate for the message.
 */
extern void clv_check_state_memory(Size newsize, const char *what);

/* ----------------------------------------------------------------
 * Argument types
 * ----------------------------------------------------------------
 */

/*
 * Type of argument "argnum" of a call: from the call expression, else the
 * function's declared (non-polymorphic) type, else InvalidOid
 */
extern Oid	clv_fn_arg_type(FmgrInfo *flinfo, int argnum);

/* ----------------------------------------------------------------
 * Order times
 * ----------------------------------------------------------------
 */

/*
 * Convert a timestamptz/timestamp/date datum of type "typid" to TimestampTz.
 * Errors (22008) on infinite or out-of-range values, and (42804) on
 * other types.
 */
extern TimestampTz clv_time_from_datum(Datum value, Oid typid);

/* Same, for a timestamptz argument that is a parameter (e.g. a cutoff) */
extern TimestampTz clv_finite_timestamptz(TimestampTz t, const char *what);

/* ----------------------------------------------------------------
 * Exact money
 * ----------------------------------------------------------------
 */

#define CLV_MAX_SCALE 38

/*
 * An exact decimal: value * 10^-scale.  "scale" is the number of decimals
 * the value needs (trailing zeros stripped); "dscale" is the display scale,
 * the largest numeric dscale that went into it, as numeric's sum() keeps it.
 * Always scale <= dscale.
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

/* Resolve the amount kind of a type oid, or error (42804) */
extern ClvAmountKind clv_amount_kind(Oid typid);

/* Convert an amount datum of the given kind to an exact decimal */
extern void clv_money_from_datum(Datum value, ClvAmountKind kind, ClvMoney *out);

/* Convert a numeric datum (any header form) to an exact decimal */
extern void clv_money_from_numeric(Datum value, ClvMoney *out);

/* acc += x, rescaling as needed; errors (22003) on overflow */
extern void clv_money_add(ClvMoney *acc, const ClvMoney *x);

/* Rescale "m" up to "scale" (>= m->scale); errors (22003) on overflow */
extern void clv_money_rescale(ClvMoney *m, int32 scale);

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

/* Binary I/O of an exact decimal (int32 scale, two int64 halves) */
extern void clv_money_send(StringInfo buf, const ClvMoney *m);
extern void clv_money_recv(StringInfo buf, ClvMoney *m);

/*
 * Divide an exact decimal by a positive count; the result is numeric,
 * computed by PostgreSQL's numeric division and shown with no fewer
 * decimals than the amounts had and no needless trailing zeros.
 */
extern Datum clv_money_div_count(const ClvMoney *m, int64 count);

/* ----------------------------------------------------------------
 * Customer keys and the key dictionary
 * ----------------------------------------------------------------
 */

typedef enum ClvKeyKind
{
	CLV_KEY_NONE = 0,			/* no key seen yet */
	CLV_KEY_INT8 = 1,			/* smallint, integer, bigint */
	CLV_KEY_UUID = 2,			/* uuid (16 bytes) */
	CLV_KEY_TEXT = 3			/* text, varchar, char(n): bytes */
} ClvKeyKind;

/* Resolve the key kind of a type oid, or error (42804) */
extern ClvKeyKind clv_key_kind(Oid typid);

extern const char *clv_key_kind_name(ClvKeyKind kind);

/* A key being looked up: points into the caller's datum, not copied */
typedef struct ClvKey
{
	int64		ival;			/* CLV_KEY_INT8 */
	const char *bytes;			/* CLV_KEY_UUID / CLV_KEY_TEXT */
	uint32		len;
	uint32		hash;
} ClvKey;

/*
 * Build a ClvKey from a datum of type "typid" (kind already resolved).
 * Text datums are detoasted in the current memory context.
 */
extern void clv_key_from_datum(Datum value, Oid typid, ClvKeyKind kind, ClvKey *key);

/*
 * ClvKeyDict: an exact hash map from customer keys to dense ids 0..n-1.
 *
 * Each id owns one fixed-size entry of "entrysize" bytes in a dense array;
 * the first 8 bytes of every entry hold the key reference (the int64 key for
 * CLV_KEY_INT8, else the byte offset of the key in "arena", where each key
 * is stored as a uint32 length followed by its bytes, 4-byte aligned).  The
 * rest of the entry belongs to the caller.  Entry pointers are invalidated by
 * the next insertion.
 *
 * The hash slots hold (hash << 32 | id + 1), 0 meaning empty; open
 * addressing with linear probing, power-of-two size, at most 3/4 full.
 *
 * All memory is allocated in "cxt" with the huge allocation API, and every
 * growth is checked against clv.max_state_memory.
 */
typedef struct ClvKeyDict
{
	MemoryContext cxt;
	const char *what;			/* aggregate name, for the memory error */
	ClvKeyKind	kind;
	uint32		entrysize;
	uint32		nentries;
	uint32		capacity;		/* entries allocated */
	char	   *entries;
	uint32		nslots;			/* power of two, or 0 */
	uint64	   *slots;
	char	   *arena;
	uint64		arenalen;
	uint64		arenacap;
} ClvKeyDict;

#define CLV_KEYDICT_ENTRY(d, id) ((void *) ((d)->entries + (Size) (id) * (d)->entrysize))

extern void clv_keydict_init(ClvKeyDict *d, MemoryContext cxt, ClvKeyKind kind,
							 uint32 entrysize, uint32 capacity, const char *what);

/*
 * Find the id of "key", inserting it (entry zeroed but for the key
 * reference) if absent.  *found says which.
 */
extern uint32 clv_keydict_lookup(ClvKeyDict *d, const ClvKey *key, bool *found);

/* The key of entry "id" (bytes point into the arena) */
extern void clv_keydict_get_key(const ClvKeyDict *d, uint32 id, ClvKey *key);

/*
 * The key behind a key reference (the first 8 bytes of an entry) of a
 * dictionary's arrays, in memory or in a flat copy of them: the int64 key
 * itself for CLV_KEY_INT8, else an offset into "arena".
 */
extern void clv_key_from_ref(ClvKeyKind kind, int64 ref, const char *arena, ClvKey *key);

/*
 * Ask Linux for transparent huge pages for a large array (2 MB pages lying
 * inside it); does nothing elsewhere, and failure is harmless
 */
extern void clv_advise_huge_pages(void *p, Size len);

/* Bytes used by the dictionary (for memory figures) */
extern Size clv_keydict_memory(const ClvKeyDict *d);

/* Binary I/O of one key (kind-specific; text keys as length + bytes) */
extern void clv_key_send(StringInfo buf, ClvKeyKind kind, const ClvKey *key);
extern void clv_key_recv(StringInfo buf, ClvKeyKind kind, ClvKey *key);

/* Hash of a key (ClvKey.hash is filled in by clv_key_from_datum/recv) */
extern uint32 clv_key_hash(ClvKeyKind kind, const ClvKey *key);

/* ----------------------------------------------------------------
 * Text form of binary states
 * ----------------------------------------------------------------
 */

/*
 * Every state type's text form is "<prefix>:<base64 of its binary send
 * form>", so that text output/input (what Citus ships between nodes)
 * round-trips exactly and shares the validation of the receive function.
 * clv_text_decode errors (22P02) on a wrong prefix or bad base64 and
 * returns the decoded bytes as a StringInfo ready for the recv function.
 */
extern char *clv_text_encode(const char *prefix, bytea *binary);
extern void clv_text_decode(const char *prefix, const char *str, StringInfo buf);

/* Ensure n more bytes are available in a recv buffer, else 22P03 */
extern void clv_recv_need(StringInfo buf, int64 n, const char *typname);

/* Ensure the whole message was consumed by a recv function (22P03) */
extern void clv_recv_finish(StringInfo buf, const char *typname);

#endif							/* CLV_H */
