/*-------------------------------------------------------------------------
 *
 * keys.h
 *	  Customer keys: which SQL types are keys, how a key is read from a
 *	  datum, hashed, ordered and sent.
 *
 * A customer key is a bigint, integer, smallint, text, varchar, char, name
 * or uuid value.  The integer types are one kind (CLV_KEY_INT8), so states
 * built from integer and bigint keys merge.  Text keys compare byte by byte
 * (char(n) ignores trailing blanks, as bpchar equality does).
 *
 * Canonical order (the order of every flat state, hence of every text and
 * binary form): integers numerically; text and uuid keys by memcmp of the
 * common prefix, then shorter first.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_KEYS_H
#define CLV_KEYS_H

#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "lib/stringinfo.h"

/* Kinds of key; the numbers are part of every state's stored format */
typedef enum ClvKeyKind
{
	CLV_KEY_NONE = 0,			/* no key seen yet */
	CLV_KEY_INT8 = 1,			/* smallint, integer, bigint */
	CLV_KEY_UUID = 2,			/* uuid (16 bytes) */
	CLV_KEY_TEXT = 3			/* text, varchar, char(n), name: bytes */
} ClvKeyKind;

/* A key being looked up: points into the caller's datum, not copied */
typedef struct ClvKey
{
	int64		ival;			/* CLV_KEY_INT8 */
	const char *bytes;			/* CLV_KEY_UUID / CLV_KEY_TEXT */
	uint32		len;
	uint32		hash;			/* clv_key_hash() */
} ClvKey;

/* Resolve the key kind of a (base) type oid, or error (42804) */
extern ClvKeyKind clv_key_kind(Oid typid);

extern const char *clv_key_kind_name(ClvKeyKind kind);

/* Hash of a key (in-memory only: no stored value depends on it) */
extern uint32 clv_key_hash(ClvKeyKind kind, const ClvKey *key);

/* clv_key_from_datum for every type but bigint (and short texts) */
extern void clv_key_from_datum_any(Datum value, Oid typid, ClvKeyKind kind, ClvKey *key);

static inline uint32 clv_hash64(uint64 h);

/*
 * A text or uuid key of at most CLV_KEY_SHORT_MAX bytes packed into one
 * int64: byte i in bits 8i..8i+7, 0x80 | length in the top byte (so the
 * value is negative and distinct for every short key).  Hash tables keep
 * short keys this way instead of in their arena.
 */
#ifdef WORDS_BIGENDIAN
#define CLV_KEY_SHORT_MAX 0		/* packed keys are read in place: see custtab.c */
#else
#define CLV_KEY_SHORT_MAX 7
#endif

/* Little-endian loads of 2 and 4 bytes (packing is little-endian only) */
static inline uint64
clv_load2(const char *p)
{
	uint16		v;

	memcpy(&v, p, sizeof(uint16));
	return v;
}

static inline uint64
clv_load4(const char *p)
{
	uint32		v;

	memcpy(&v, p, sizeof(uint32));
	return v;
}

static inline int64
clv_key_short_code(const char *bytes, uint32 len)
{
	uint64		u = 0;
	uint32		off = 0;

	/* the bytes in at most three fixed-size loads rather than a loop */
	Assert(len <= CLV_KEY_SHORT_MAX);
	if (len & 4)
	{
		u = clv_load4(bytes);
		off = 4;
	}
	if (len & 2)
	{
		u |= clv_load2(bytes + off) << (8 * off);
		off += 2;
	}
	if (len & 1)
		u |= (uint64) (unsigned char) bytes[off] << (8 * off);
	return (int64) (u | (uint64) (0x80 | len) << 56);
}

/* clv_key_hash of a short text or uuid key: the mixer over its packed form */
static inline uint32
clv_key_short_hash(const char *bytes, uint32 len)
{
	return clv_hash64((uint64) clv_key_short_code(bytes, len));
}

/*
 * Build a ClvKey from a datum of type "typid" (kind already resolved), hash
 * included.  Text datums are detoasted in the current memory context.
 */
static inline void
clv_key_from_datum(Datum value, Oid typid, ClvKeyKind kind, ClvKey *key)
{
	const char *p = DatumGetPointer(value);

	if (likely(typid == INT8OID))
	{
		key->ival = DatumGetInt64(value);
		key->hash = clv_hash64((uint64) key->ival);
	}
	else if (typid == TEXTOID && VARATT_IS_1B(p) && !VARATT_IS_1B_E(p) &&
			 VARSIZE_1B(p) - VARHDRSZ_SHORT <= CLV_KEY_SHORT_MAX)
	{
		/* a short text in a 1-byte header */
		key->bytes = VARDATA_1B(p);
		key->len = VARSIZE_1B(p) - VARHDRSZ_SHORT;
		key->hash = clv_key_short_hash(key->bytes, key->len);
	}
	else
		clv_key_from_datum_any(value, typid, kind, key);
}

/* Canonical order of two keys of one kind: <0, 0, >0 */
static inline int
clv_key_cmp(ClvKeyKind kind, const ClvKey *a, const ClvKey *b)
{
	int			c;

	if (kind == CLV_KEY_INT8)
		return (a->ival > b->ival) - (a->ival < b->ival);
	c = memcmp(a->bytes, b->bytes, Min(a->len, b->len));
	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/*
 * The key behind a key reference of a flat array: the int64 key itself for
 * CLV_KEY_INT8, else the offset in "arena" of a uint32 length followed by
 * the key bytes (each key 8-byte aligned).  Hash included.
 */
extern void clv_key_from_ref(ClvKeyKind kind, int64 ref, const char *arena, ClvKey *key);

/* The same without the hash (hash set to 0), for comparisons and copies */
static inline void
clv_key_from_ref_nohash(ClvKeyKind kind, int64 ref, const char *arena, ClvKey *key)
{
	if (kind == CLV_KEY_INT8)
	{
		key->ival = ref;
		key->bytes = NULL;
		key->len = 0;
	}
	else
	{
		uint32		len;

		memcpy(&len, arena + ref, sizeof(uint32));
		key->len = len;
		key->bytes = arena + ref + sizeof(uint32);
		key->ival = 0;
	}
	key->hash = 0;
}

/* Bytes a key takes in an arena (0 for integer keys) */
static inline uint64
clv_key_arena_bytes(ClvKeyKind kind, uint32 len)
{
	return kind == CLV_KEY_INT8 ? 0 : MAXALIGN(sizeof(uint32) + (uint64) len);
}

/*
 * Append a key to an arena at *arenalen (which must have room), padding
 * zeroed; returns its offset
 */
extern int64 clv_key_arena_put(char *arena, uint64 *arenalen, const ClvKey *key);

/*
 * Binary I/O of one key: int64 for integers, else uint32 length and bytes.
 * clv_key_recv validates the length (22P03) and fills in the hash.
 */
extern void clv_key_send(StringInfo buf, ClvKeyKind kind, const ClvKey *key);
extern void clv_key_recv(StringInfo buf, ClvKeyKind kind, ClvKey *key);

/* A 64-bit mixer (the MurmurHash3 finalizer), folded to 32 bits */
static inline uint32
clv_hash64(uint64 h)
{
	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32) h;
}

#endif							/* CLV_KEYS_H */
