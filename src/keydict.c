/*-------------------------------------------------------------------------
 *
 * keydict.c
 *	  ClvKeyDict: an exact hash map from customer keys to dense ids, with a
 *	  fixed-size caller entry per id (layout described in keydict.h).  Only
 *	  the cohort state still uses it (see keydict.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "clv.h"

#define SLOT_EMPTY	UINT64CONST(0)
#define SLOT_MAKE(hash, id) (((uint64) (hash) << 32) | (uint64) ((id) + 1))
#define SLOT_ID(s)	((uint32) ((s) & 0xFFFFFFFF) - 1)
#define SLOT_HASH(s) ((uint32) ((s) >> 32))

/* Bytes the dictionary would use with the given sizes */
static Size
DictBytes(const ClvKeyDict *d, uint64 capacity, uint64 nslots, uint64 arenacap)
{
	return (Size) (capacity * d->entrysize + nslots * sizeof(uint64) + arenacap);
}

Size
clv_keydict_memory(const ClvKeyDict *d)
{
	return DictBytes(d, d->capacity, d->nslots, d->arenacap);
}

/* Initialize an empty dictionary */
void
clv_keydict_init(ClvKeyDict *d, MemoryContext cxt, ClvKeyKind kind,
				 uint32 entrysize, uint32 capacity, const char *what)
{
	Assert(entrysize >= sizeof(int64) && entrysize % sizeof(int64) == 0);
	memset(d, 0, sizeof(ClvKeyDict));
	d->cxt = cxt;
	d->what = what;
	d->kind = kind;
	d->entrysize = entrysize;
	d->capacity = Max(capacity, 4);
	clv_check_state_memory(DictBytes(d, d->capacity, 0, 0), what);
	d->entries = MemoryContextAllocHuge(cxt, (Size) d->capacity * entrysize);
	clv_advise_huge_pages(d->entries, (Size) d->capacity * entrysize);
}

/* Put id into the slot table (no duplicate check) */
static inline void
SlotInsert(ClvKeyDict *d, uint32 hash, uint32 id)
{
	uint32		mask = d->nslots - 1;
	uint32		i = hash & mask;

	while (d->slots[i] != SLOT_EMPTY)
		i = (i + 1) & mask;
	d->slots[i] = SLOT_MAKE(hash, id);
}

/* The stored key of entry id */
void
clv_keydict_get_key(const ClvKeyDict *d, uint32 id, ClvKey *key)
{
	clv_key_from_ref(d->kind, *(const int64 *) CLV_KEYDICT_ENTRY(d, id), d->arena, key);
}

/* Rebuild the slot table with "nslots" slots */
static void
Rehash(ClvKeyDict *d, uint32 nslots)
{
	uint32		id;

	clv_check_state_memory(DictBytes(d, d->capacity, nslots, d->arenacap), d->what);
	if (d->slots)
		pfree(d->slots);
	d->nslots = nslots;
	d->slots = MemoryContextAllocHuge(d->cxt, (Size) nslots * sizeof(uint64));
	clv_advise_huge_pages(d->slots, (Size) nslots * sizeof(uint64));
	memset(d->slots, 0, (Size) nslots * sizeof(uint64));
	for (id = 0; id < d->nentries; id++)
	{
		ClvKey		k;

		clv_keydict_get_key(d, id, &k);
		SlotInsert(d, k.hash, id);
		if ((id & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* Does the stored key of entry id equal "key"? */
static inline bool
KeyEquals(const ClvKeyDict *d, uint32 id, const ClvKey *key)
{
	int64		ref = *(const int64 *) CLV_KEYDICT_ENTRY(d, id);
	uint32		len;

	if (d->kind == CLV_KEY_INT8)
		return ref == key->ival;
	memcpy(&len, d->arena + ref, sizeof(uint32));
	return len == key->len &&
		memcmp(d->arena + ref + sizeof(uint32), key->bytes, len) == 0;
}

/* Copy a key's bytes into the arena, returning its offset */
static int64
ArenaAdd(ClvKeyDict *d, const ClvKey *key)
{
	uint64		need = MAXALIGN(sizeof(uint32) + key->len);
	uint64		off;

	if (d->arenalen + need > d->arenacap)
	{
		uint64		newcap = Max(d->arenacap * 2, 1024);

		while (newcap < d->arenalen + need)
			newcap *= 2;
		clv_check_state_memory(DictBytes(d, d->capacity, d->nslots, newcap), d->what);
		if (d->arena)
			d->arena = repalloc_huge(d->arena, newcap);
		else
			d->arena = MemoryContextAllocHuge(d->cxt, newcap);
		d->arenacap = newcap;
	}
	off = d->arenalen;
	memcpy(d->arena + off, &key->len, sizeof(uint32));
	memcpy(d->arena + off + sizeof(uint32), key->bytes, key->len);
	d->arenalen += need;
	return (int64) off;
}

/* Find or insert a key */
uint32
clv_keydict_lookup(ClvKeyDict *d, const ClvKey *key, bool *found)
{
	uint32		mask;
	uint32		i;
	uint32		id;
	char	   *entry;

	if (d->nslots == 0)
		Rehash(d, 16);
	mask = d->nslots - 1;
	i = key->hash & mask;
	for (;;)
	{
		uint64		s = d->slots[i];

		if (s == SLOT_EMPTY)
			break;
		if (SLOT_HASH(s) == key->hash && KeyEquals(d, SLOT_ID(s), key))
		{
			*found = true;
			return SLOT_ID(s);
		}
		i = (i + 1) & mask;
	}

	/* insert */
	*found = false;
	if (d->nentries == PG_UINT32_MAX - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct customers in one %s state", d->what)));
	if (d->nentries >= d->capacity)
	{
		uint64		newcap = (uint64) d->capacity * 2;

		if (newcap > PG_UINT32_MAX - 1)
			newcap = PG_UINT32_MAX - 1;
		clv_check_state_memory(DictBytes(d, newcap, d->nslots, d->arenacap), d->what);
		d->entries = repalloc_huge(d->entries, (Size) newcap * d->entrysize);
		clv_advise_huge_pages(d->entries, (Size) newcap * d->entrysize);
		d->capacity = (uint32) newcap;
	}
	id = d->nentries++;
	entry = CLV_KEYDICT_ENTRY(d, id);
	memset(entry, 0, d->entrysize);
	if (d->kind == CLV_KEY_INT8)
		*(int64 *) entry = key->ival;
	else
		*(int64 *) entry = ArenaAdd(d, key);

	if ((uint64) d->nentries * 4 > (uint64) d->nslots * 3)
	{
		if (d->nslots >= (UINT64CONST(1) << 31))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct customers in one %s state", d->what)));
		Rehash(d, d->nslots * 2);
	}
	else
		d->slots[i] = SLOT_MAKE(key->hash, id);
	return id;
}
