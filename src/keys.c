/*-------------------------------------------------------------------------
 *
 * keys.c
 *	  Customer keys (see keys.h): kinds, reading keys from datums, hashing,
 *	  arena references and binary I/O.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "clv.h"

/* Resolve the key kind of a type */
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

/*
 * Hash of a key: the 64-bit mixer over the integer, or over the packed form
 * of a short key, else hash_bytes
 */
uint32
clv_key_hash(ClvKeyKind kind, const ClvKey *key)
{
	if (kind == CLV_KEY_INT8)
		return clv_hash64((uint64) key->ival);
	if (key->len <= CLV_KEY_SHORT_MAX)
		return clv_key_short_hash(key->bytes, key->len);
	return (uint32) hash_bytes((const unsigned char *) key->bytes, (int) key->len);
}

/* Build a lookup key from a datum (see clv_key_from_datum) */
void
clv_key_from_datum_any(Datum value, Oid typid, ClvKeyKind kind, ClvKey *key)
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

/* The key behind a key reference of a flat array */
void
clv_key_from_ref(ClvKeyKind kind, int64 ref, const char *arena, ClvKey *key)
{
	clv_key_from_ref_nohash(kind, ref, arena, key);
	key->hash = clv_key_hash(kind, key);
}

/* Append a key to an arena (see keys.h) */
int64
clv_key_arena_put(char *arena, uint64 *arenalen, const ClvKey *key)
{
	uint64		off = *arenalen;
	Size		used = sizeof(uint32) + key->len;
	Size		need = MAXALIGN(used);

	memcpy(arena + off, &key->len, sizeof(uint32));
	memcpy(arena + off + sizeof(uint32), key->bytes, key->len);
	memset(arena + off + used, 0, need - used);
	*arenalen += need;
	return (int64) off;
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
		key->bytes = NULL;
		key->len = 0;
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
		key->ival = 0;
	}
	key->hash = clv_key_hash(kind, key);
}
