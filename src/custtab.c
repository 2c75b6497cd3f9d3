/*-------------------------------------------------------------------------
 *
 * custtab.c
 *	  The per-customer state engine (see custtab.h): the in-memory table
 *	  with batched, prefetching lookups, the canonical sort, flat tables and
 *	  their merges, binary send and receive.
 *
 * Why not lib/simplehash.h: simplehash instantiates a table for one
 * element type at compile time and has no batched or prefetching lookup;
 * here the entry size is the state type's (one engine for all of them),
 * variable-length keys live in an arena, and the large states of a
 * million customers are dominated by cache misses, which the batched
 * lookups overlap.  The table is the same idea (open addressing, linear
 * probing, power-of-two sizes, elements stored in the slots), with a
 * separate byte of control per slot (0: empty, else 0x80 | 7 bits of the
 * hash), so that probing reads a dense byte array and only a slot whose
 * tag matches is compared.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "clv.h"

/* At most this many entries per slot: grow past 3/4 full */
#define LOAD_NUM	3
#define LOAD_DEN	4
#define MIN_SLOTS	16
#define MAX_SLOTS	(UINT64CONST(1) << 31)
#define SLOT_ALIGN	64			/* a cache line */

/* Buffer rows only in tables this large (smaller ones stay in cache) */
#define BATCH_MIN_ENTRIES	4096
#define BATCH_ROWS			CLV_BATCH_ROWS
#define BATCH_KEY_BYTES		(64 * 1024)
/* rows ahead whose slots are prefetched (merges), or key bytes (batches) */
#define PREFETCH_AHEAD		16
#define ARENA_AHEAD			8

/* A key as the table compares it */
typedef struct ProbeKey
{
	int64		code;			/* integer key, or packed short key */
	const char *bytes;			/* long keys */
	uint32		len;
	uint32		hash;			/* of (key, sub-key) */
	int64		subkey;
	bool		isshort;		/* compared through "code" */
} ProbeKey;

struct ClvTabOrder
{
	uint32		n;
	uint32	   *slot;			/* slot of each entry, canonical order */
	uint64		arenalen;		/* of the flat form */
};

static void TabGrow(ClvCustTab *t, uint64 minslots);
static inline void PrefetchSlot(const ClvCustTab *t, const struct ProbeKey *k);
static void FilterPass(ClvCustTab *t, ClvTabKeep keep, void (*prefetch) (void *arg, const void *entry),
					   void *arg);

/* ----------------------------------------------------------------
 * Keys
 * ----------------------------------------------------------------
 */


static inline void
MakeProbeKey(const ClvCustTab *t, const ClvKey *key, int64 subkey, ProbeKey *k)
{
	if (t->kind == CLV_KEY_INT8)
	{
		k->code = key->ival;
		k->isshort = true;
	}
	else if (key->len <= CLV_KEY_SHORT_MAX)
	{
		k->code = clv_key_short_code(key->bytes, key->len);
		k->isshort = true;
	}
	else
	{
		k->code = 0;
		k->isshort = false;
	}
	k->bytes = key->bytes;
	k->len = key->len;
	k->subkey = t->spec->subkeyed ? subkey : 0;
	k->hash = t->spec->subkeyed ? clv_subkey_hash(key->hash, subkey) : key->hash;
}

/* Does the entry in a slot have this key? */
static inline bool
SlotMatches(const ClvCustTab *t, const char *e, const ProbeKey *k)
{
	int64		ref = CLV_ENTRY_KEYREF(e);
	uint32		len;

	if (t->spec->subkeyed && CLV_ENTRY_SUBKEY(e) != k->subkey)
		return false;
	if (k->isshort)
		return ref == k->code;
	if (ref < 0)
		return false;
	memcpy(&len, t->arena + ref, sizeof(uint32));
	return len == k->len && memcmp(t->arena + ref + sizeof(uint32), k->bytes, len) == 0;
}

/*
 * The key of an entry of the table.  A packed short key's bytes are the
 * low bytes of the reference, which on a little-endian machine (the only
 * kind that packs keys: keys.h) are the entry's first bytes in memory.
 */
void
clv_tab_entry_key(const ClvCustTab *t, const void *entry, ClvKey *key)
{
	int64		ref = CLV_ENTRY_KEYREF(entry);

	if (t->kind == CLV_KEY_INT8 || ref >= 0)
	{
		clv_key_from_ref_nohash(t->kind, ref, t->arena, key);
		return;
	}
	key->len = ((uint64) ref >> 56) & 0x7F;
	key->bytes = (const char *) entry;
	key->ival = 0;
	key->hash = 0;
}

/* Hash of the key of an entry (for rehashing) */
static inline uint32
EntryHash(const ClvCustTab *t, const char *e)
{
	int64		ref = CLV_ENTRY_KEYREF(e);
	uint32		h;

	if (t->kind == CLV_KEY_INT8 || ref < 0)
		h = clv_hash64((uint64) ref);
	else
	{
		uint32		len;

		memcpy(&len, t->arena + ref, sizeof(uint32));
		h = (uint32) hash_bytes((const unsigned char *) t->arena + ref + sizeof(uint32), (int) len);
	}
	return t->spec->subkeyed ? clv_subkey_hash(h, CLV_ENTRY_SUBKEY(e)) : h;
}

static inline uint8
HashTag(uint32 hash)
{
	return (uint8) (0x80 | (hash >> 25));
}

/* ----------------------------------------------------------------
 * The table
 * ----------------------------------------------------------------
 */

static inline Size
TabBytes(const ClvCustTab *t, uint64 nslots, uint64 arenacap)
{
	return (Size) (nslots * (t->entrysize + 1) + arenacap);
}

Size
clv_tab_memory(const ClvCustTab *t)
{
	return TabBytes(t, t->nslots, t->arenacap);
}

/* Account for a change of the table's size, checking the state's limit */
static void
TabResize(ClvCustTab *t, Size oldbytes, Size newbytes)
{
	Size		total = *t->memory - oldbytes + newbytes;

	if (newbytes > oldbytes)
		clv_check_state_memory(total, t->spec->memname);
	*t->memory = total;
}

void
clv_tab_init(ClvCustTab *t, const ClvEntrySpec *spec, MemoryContext cxt, ClvKeyKind kind,
			 uint32 expected, Size *memory)
{
	Assert(spec->entrysize % 8 == 0 && spec->entrysize >= (spec->subkeyed ? 16 : 8));
	memset(t, 0, sizeof(ClvCustTab));
	t->spec = spec;
	t->cxt = cxt;
	t->kind = kind;
	t->entrysize = spec->entrysize;
	t->memory = memory ? memory : &t->ownmemory;
	if (expected > 0)
		TabGrow(t, (uint64) expected * LOAD_DEN / LOAD_NUM + 1);
}

ClvKeyKind
clv_row_kind(const ClvEntrySpec *spec, ClvKeyKind statekind, uint32 nentries,
			 ClvKeyKind rowkind)
{
	if (likely(statekind == rowkind) || rowkind == CLV_KEY_NONE)
		return statekind;
	if (statekind == CLV_KEY_NONE && nentries == 0)
		return rowkind;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("cannot add a %s customer key to a %s of %s keys",
					clv_key_kind_name(rowkind), spec->typname, clv_key_kind_name(statekind)),
			 errdetail("The customer keys of one state must all be integers, all text or all uuid.")));
	return statekind;			/* keep compiler quiet */
}

void
clv_tab_set_kind(ClvCustTab *t, ClvKeyKind kind, bool merging)
{
	if (likely(t->kind == kind) || kind == CLV_KEY_NONE)
		return;
	if (merging)
		t->kind = clv_merge_kinds(t->spec, t->kind, kind);
	else
		t->kind = clv_row_kind(t->spec, t->kind, t->nentries, kind);
}

ClvKeyKind
clv_merge_kinds(const ClvEntrySpec *spec, ClvKeyKind a, ClvKeyKind b)
{
	if (a == CLV_KEY_NONE || a == b)
		return b == CLV_KEY_NONE ? a : b;
	if (b == CLV_KEY_NONE)
		return a;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("cannot merge %s values with %s and %s customer keys", spec->typname,
					clv_key_kind_name(a), clv_key_kind_name(b)),
			 errdetail("The customer keys of one state must all be integers, all text or all uuid.")));
	return a;					/* keep compiler quiet */
}

/*
 * Rebuild the table with nslots slots (>= the current number), in place:
 * the slot array is reallocated (for large arrays the kernel moves the
 * pages instead of copying them, and only the new part is fresh memory)
 * and every entry that "live" marks moves to its new position.  An entry
 * whose new position still holds an entry not yet moved takes its place,
 * and the displaced entry is moved next; the old control bytes, cleared as
 * entries are taken, tell moved from unmoved.  Old slots are read in
 * order, so the writes are nearly sequential.
 */
static void
Rehash(ClvCustTab *t, uint64 nslots, uint8 *live)
{
	uint32		oldn = t->nslots;
	uint32		esize = t->entrysize;
	uint32		mask;
	uint32		i;
	char	   *cur;
	char	   *next;

	if (nslots > MAX_SLOTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct customers in one %s state", t->spec->memname)));
	TabResize(t, TabBytes(t, oldn, t->arenacap), TabBytes(t, nslots, t->arenacap));
	/* slots start on a cache line, so that no entry straddles two */
	if (t->slotsraw == NULL)
	{
		t->slotsraw = MemoryContextAllocHuge(t->cxt, nslots * esize + SLOT_ALIGN);
		t->slots = (char *) TYPEALIGN(SLOT_ALIGN, t->slotsraw);
	}
	else if (nslots > oldn)
	{
		Size		oldoff = t->slots - t->slotsraw;
		Size		newoff;

		t->slotsraw = repalloc_huge(t->slotsraw, nslots * esize + SLOT_ALIGN);
		newoff = TYPEALIGN(SLOT_ALIGN, t->slotsraw) - (uintptr_t) t->slotsraw;
		t->slots = t->slotsraw + newoff;
		if (newoff != oldoff)
			memmove(t->slots, t->slotsraw + oldoff, (Size) oldn * esize);
	}
	clv_advise_huge_pages(t->slots, nslots * esize);
	t->ctrl = MemoryContextAllocExtended(t->cxt, nslots, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	t->nslots = (uint32) nslots;
	t->growat = (uint32) (nslots * LOAD_NUM / LOAD_DEN);
	mask = t->nslots - 1;
	cur = palloc(2 * esize);
	next = cur + esize;
	for (i = 0; i < oldn; i++)
	{
		uint8		tag = live[i];

		if (tag == 0)
			continue;
		memcpy(cur, t->slots + (Size) i * esize, esize);
		live[i] = 0;
		for (;;)
		{
			uint32		j = EntryHash(t, cur) & mask;
			char	   *dst;

			while (t->ctrl[j] != 0)
				j = (j + 1) & mask;
			dst = t->slots + (Size) j * esize;
			t->ctrl[j] = tag;
			if (j < oldn && live[j] != 0)
			{
				/* an entry not yet moved: take it out, put ours, move it next */
				char	   *tmp;

				memcpy(next, dst, esize);
				memcpy(dst, cur, esize);
				tag = live[j];
				live[j] = 0;
				tmp = cur;
				cur = next;
				next = tmp;
				continue;
			}
			memcpy(dst, cur, esize);
			break;
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(cur < next ? cur : next);
	if (live)
		pfree(live);
	if (t->order)
	{
		pfree(t->order->slot);
		pfree(t->order);
		t->order = NULL;
	}
}

/* Grow the table to at least minslots slots (a power of two) */
static void
TabGrow(ClvCustTab *t, uint64 minslots)
{
	uint64		nslots = t->nslots ? t->nslots : MIN_SLOTS;

	while (nslots < minslots || nslots * LOAD_NUM / LOAD_DEN < (uint64) t->nentries + 1)
		nslots *= 2;
	Rehash(t, nslots, t->ctrl);
}

/*
 * Make room for "extra" more entries: drop entries first if the table has
 * a compactor, then grow if that was not enough
 */
static void
EnsureRoom(ClvCustTab *t, uint32 extra)
{
	uint64		need = (uint64) t->nentries + extra;

	if (need <= t->growat)
		return;
	if (t->compactor && t->nentries >= BATCH_MIN_ENTRIES &&
		(t->compactor->worth == NULL || t->compactor->worth(t->compactor->arg, t)))
	{
		FilterPass(t, t->compactor->keep, t->compactor->prefetch, t->compactor->arg);
		need = (uint64) t->nentries + extra;
		if (need * 2 <= t->growat)
			return;
	}
	TabGrow(t, need * LOAD_DEN / LOAD_NUM + 1);
}

void
clv_tab_set_compactor(ClvCustTab *t, const ClvTabCompactor *compactor)
{
	t->compactor = compactor;
}

/* Copy a long key into the arena; returns its offset */
static int64
ArenaAdd(ClvCustTab *t, const char *bytes, uint32 len)
{
	uint64		need = clv_key_arena_bytes(t->kind, len);
	ClvKey		k;

	if (t->arenalen + need > t->arenacap)
	{
		uint64		newcap = Max(t->arenacap * 2, 1024);

		while (newcap < t->arenalen + need)
			newcap *= 2;
		TabResize(t, TabBytes(t, t->nslots, t->arenacap), TabBytes(t, t->nslots, newcap));
		if (t->arena)
			t->arena = repalloc_huge(t->arena, newcap);
		else
			t->arena = MemoryContextAllocHuge(t->cxt, newcap);
		t->arenacap = newcap;
	}
	k.bytes = bytes;
	k.len = len;
	return clv_key_arena_put(t->arena, &t->arenalen, &k);
}

/*
 * The slot of key k: its entry's (*found), or the empty slot where it
 * belongs
 */
static inline uint32
Probe(const ClvCustTab *t, const ProbeKey *k, bool *found)
{
	uint32		mask = t->nslots - 1;
	uint32		i = k->hash & mask;
	uint8		tag = HashTag(k->hash);

	for (;;)
	{
		uint8		c = t->ctrl[i];

		if (c == 0)
		{
			*found = false;
			return i;
		}
		if (c == tag && SlotMatches(t, t->slots + (Size) i * t->entrysize, k))
		{
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

/* Put a new entry for k into empty slot i (capacity already ensured) */
static inline char *
InsertAt(ClvCustTab *t, uint32 i, const ProbeKey *k)
{
	char	   *e = t->slots + (Size) i * t->entrysize;

	if (t->nentries >= PG_UINT32_MAX - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct customers in one %s state", t->spec->memname)));
	memset(e, 0, t->entrysize);
	t->ctrl[i] = HashTag(k->hash);
	t->nentries++;
	if (t->spec->subkeyed)
		CLV_ENTRY_SUBKEY(e) = k->subkey;
	if (t->spec->init)
		t->spec->init(e);
	/* the arena may grow: set the reference last */
	CLV_ENTRY_KEYREF(e) = k->isshort ? k->code : ArenaAdd(t, k->bytes, k->len);
	if (t->order)
	{
		pfree(t->order->slot);
		pfree(t->order);
		t->order = NULL;
	}
	return e;
}

/* Find or insert (no buffered rows) */
static inline char *
LookupProbe(ClvCustTab *t, const ProbeKey *k, bool *found)
{
	uint32		i;

	if (unlikely(t->nentries >= t->growat))
		EnsureRoom(t, 1);
	i = Probe(t, k, found);
	if (*found)
		return t->slots + (Size) i * t->entrysize;
	return InsertAt(t, i, k);
}

void *
clv_tab_lookup(ClvCustTab *t, const ClvKey *key, int64 subkey, bool *found)
{
	ProbeKey	k;

	Assert(t->kind != CLV_KEY_NONE);
	if (t->batch && t->batch->n > 0)
		clv_tab_flush(t);
	MakeProbeKey(t, key, subkey, &k);
	return LookupProbe(t, &k, found);
}

void *
clv_tab_find(ClvCustTab *t, const ClvKey *key, int64 subkey)
{
	if (t->batch && t->batch->n > 0)
		clv_tab_flush(t);
	return clv_tab_find_noflush(t, key, subkey);
}

void
clv_tab_prefetch(const ClvCustTab *t, const ClvKey *key, int64 subkey)
{
	ProbeKey	k;

	if (t->nslots == 0)
		return;
	MakeProbeKey(t, key, subkey, &k);
	PrefetchSlot(t, &k);
}

void *
clv_tab_find_noflush(ClvCustTab *t, const ClvKey *key, int64 subkey)
{
	ProbeKey	k;
	bool		found;
	uint32		i;

	if (t->nentries == 0)
		return NULL;
	MakeProbeKey(t, key, subkey, &k);
	i = Probe(t, &k, &found);
	return found ? t->slots + (Size) i * t->entrysize : NULL;
}

void *
clv_tab_next(ClvCustTab *t, uint32 *pos)
{
	if (t->batch && t->batch->n > 0)
		clv_tab_flush(t);
	while (*pos < t->nslots)
	{
		uint32		i = (*pos)++;

		if (t->ctrl[i] != 0)
			return t->slots + (Size) i * t->entrysize;
	}
	return NULL;
}

/* ----------------------------------------------------------------
 * Batched rows
 * ----------------------------------------------------------------
 */

void
clv_tab_batch_init(ClvCustTab *t, uint32 payloadsize, ClvTabApply apply, void *arg)
{
	Assert(MAXALIGN(payloadsize) <= CLV_TAB_PAYLOAD_MAX);
	clv_tab_flush(t);
	t->payloadsize = MAXALIGN(payloadsize);
	t->apply = apply;
	t->applyarg = arg;
	if (t->batch && t->batch->payloads == NULL)
		t->batch->payloads = MemoryContextAlloc(t->cxt, (Size) BATCH_ROWS * t->payloadsize);
}

/* Start buffering rows: the table has become large */
static void
BatchStart(ClvCustTab *t)
{
	ClvTabBatch *b = MemoryContextAllocZero(t->cxt, sizeof(ClvTabBatch));

	b->payloads = MemoryContextAlloc(t->cxt, (Size) BATCH_ROWS * CLV_TAB_PAYLOAD_MAX);
	t->batch = b;
}

/* The probe key of buffered row i */
static inline void
BatchKey(const ClvCustTab *t, const ClvTabBatch *b, int i, ProbeKey *k)
{
	k->hash = b->hash[i];
	k->subkey = b->subkey[i];
	if (b->len[i] == CLV_BATCH_SHORT)
	{
		k->code = b->code[i];
		k->isshort = true;
		k->bytes = NULL;
		k->len = 0;
	}
	else
	{
		k->code = 0;
		k->isshort = false;
		k->bytes = b->bytes + b->code[i];
		k->len = b->len[i];
	}
}

/* Prefetch the control byte and the home slot of a key */
static inline void
PrefetchSlot(const ClvCustTab *t, const ProbeKey *k)
{
	uint32		i = k->hash & (t->nslots - 1);

	__builtin_prefetch(t->ctrl + i, 0, 3);
	__builtin_prefetch(t->slots + (Size) i * t->entrysize, 1, 3);
}

/*
 * Prefetch the arena bytes of the first slot whose tag matches a long key
 * (the control bytes and slot were prefetched earlier)
 */
static inline void
PrefetchArena(const ClvCustTab *t, const ProbeKey *k)
{
	uint32		mask = t->nslots - 1;
	uint32		i = k->hash & mask;
	uint8		tag = HashTag(k->hash);
	uint8		c;

	while ((c = t->ctrl[i]) != 0)
	{
		if (c == tag)
		{
			int64		ref = CLV_ENTRY_KEYREF(t->slots + (Size) i * t->entrysize);

			if (ref >= 0)
				__builtin_prefetch(t->arena + ref, 0, 3);
			return;
		}
		i = (i + 1) & mask;
	}
}

/*
 * Apply the buffered rows, in order.  Room for all of them is made first,
 * so that no insertion moves the slots in the middle; then the control
 * byte and home slot of every row are prefetched, and only then are the
 * rows applied, so that the cache misses of the whole batch overlap
 * instead of being paid one row after another.  Keys stored in the arena
 * get their bytes prefetched a few rows ahead.
 */
void
clv_tab_flush(ClvCustTab *t)
{
	ClvTabBatch *b = t->batch;
	ProbeKey	keys[CLV_BATCH_ROWS];
	int			n;
	int			i;

	if (b == NULL || b->n == 0)
		return;
	n = b->n;
	b->n = 0;
	EnsureRoom(t, n);
	for (i = 0; i < n; i++)
	{
		BatchKey(t, b, i, &keys[i]);
		PrefetchSlot(t, &keys[i]);
	}
	for (i = 0; i < n; i++)
	{
		bool		found;
		uint32		s;
		char	   *e;

		if (i + ARENA_AHEAD < n && !keys[i + ARENA_AHEAD].isshort)
			PrefetchArena(t, &keys[i + ARENA_AHEAD]);
		s = Probe(t, &keys[i], &found);
		e = found ? t->slots + (Size) s * t->entrysize : InsertAt(t, s, &keys[i]);
		t->apply(t->applyarg, e, !found, b->payloads + (Size) i * t->payloadsize);
	}
	b->nbytes = 0;
}

/* Apply the row just pushed, while the table is small */
void
clv_tab_apply_one(ClvCustTab *t)
{
	ProbeKey	k;
	bool		found;
	char	   *e;

	k.hash = t->onehash;
	k.subkey = t->onesubkey;
	k.isshort = t->onelen == CLV_BATCH_SHORT;
	k.code = t->onecode;
	k.bytes = t->onebytes;
	k.len = k.isshort ? 0 : t->onelen;
	e = LookupProbe(t, &k, &found);
	t->apply(t->applyarg, e, !found, t->onepayload);
	if (t->nentries >= BATCH_MIN_ENTRIES && t->batch == NULL)
		BatchStart(t);
}

/* clv_tab_push for keys other than integers */
void *
clv_tab_push_any(ClvCustTab *t, const ClvKey *key, int64 subkey)
{
	ClvTabBatch *b = t->batch;
	ProbeKey	k;
	int			n;

	Assert(t->kind != CLV_KEY_NONE);
	MakeProbeKey(t, key, subkey, &k);
	if (b == NULL)
	{
		/* applied before the key's datum goes away: no copy */
		t->onecode = k.code;
		t->onehash = k.hash;
		t->onesubkey = k.subkey;
		t->onelen = k.isshort ? CLV_BATCH_SHORT : k.len;
		t->onebytes = k.bytes;
		return t->onepayload;
	}
	if (!k.isshort && b->nbytes + key->len > BATCH_KEY_BYTES && b->n > 0)
		clv_tab_flush(t);
	n = b->n;
	b->hash[n] = k.hash;
	b->subkey[n] = k.subkey;
	if (k.isshort)
	{
		b->code[n] = k.code;
		b->len[n] = CLV_BATCH_SHORT;
	}
	else
	{
		/* keep a copy of a long key: the row's datum does not live on */
		if (b->nbytes + key->len > b->bytescap)
		{
			Size		newcap = Max(Max(b->bytescap * 2, BATCH_KEY_BYTES), b->nbytes + key->len);

			b->bytes = b->bytes ? repalloc_huge(b->bytes, newcap) :
				MemoryContextAllocHuge(t->cxt, newcap);
			b->bytescap = newcap;
		}
		memcpy(b->bytes + b->nbytes, key->bytes, key->len);
		b->code[n] = (int64) b->nbytes;
		b->len[n] = key->len;
		b->nbytes += key->len;
	}
	return b->payloads + (Size) n * t->payloadsize;
}

/* ----------------------------------------------------------------
 * Filtering
 * ----------------------------------------------------------------
 */

void
clv_tab_filter(ClvCustTab *t, ClvTabKeep keep, void *arg)
{
	clv_tab_flush(t);
	FilterPass(t, keep, NULL, arg);
}

/* Drop the entries keep() rejects (no buffered rows are applied) */
static void
FilterPass(ClvCustTab *t, ClvTabKeep keep, void (*prefetch) (void *arg, const void *entry),
		   void *arg)
{
	uint8	   *live;
	uint32		i;
	uint32		dropped = 0;

	if (t->nentries == 0)
		return;
	live = MemoryContextAllocHuge(t->cxt, t->nslots);
	memcpy(live, t->ctrl, t->nslots);
	for (i = 0; i < t->nslots; i++)
	{
		if (live[i] == 0)
			continue;
		/* what keep() will read for an entry some 16 entries ahead */
		if (prefetch && i + 32 < t->nslots && live[i + 32] != 0)
			prefetch(arg, t->slots + (Size) (i + 32) * t->entrysize);
		if (!keep(arg, t->slots + (Size) i * t->entrysize))
		{
			live[i] = 0;
			dropped++;
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (dropped == 0)
	{
		pfree(live);
		return;
	}
	t->nentries -= dropped;
	pfree(t->ctrl);
	t->ctrl = NULL;
	Rehash(t, t->nslots, live);

	/* keep the arena from filling with the keys of dropped entries */
	if (t->arena && t->kind != CLV_KEY_INT8)
	{
		uint64		used = 0;
		uint32		pos = 0;
		char	   *e;

		while ((e = clv_tab_next(t, &pos)) != NULL)
			if (CLV_ENTRY_KEYREF(e) >= 0)
			{
				uint32		len;

				memcpy(&len, t->arena + CLV_ENTRY_KEYREF(e), sizeof(uint32));
				used += clv_key_arena_bytes(t->kind, len);
			}
		if (used * 2 < t->arenalen)
		{
			char	   *old = t->arena;
			uint64		cap = Max(used, 1024);

			t->arena = MemoryContextAllocHuge(t->cxt, cap);
			t->arenalen = 0;
			pos = 0;
			while ((e = clv_tab_next(t, &pos)) != NULL)
				if (CLV_ENTRY_KEYREF(e) >= 0)
				{
					ClvKey		key;

					clv_key_from_ref_nohash(t->kind, CLV_ENTRY_KEYREF(e), old, &key);
					CLV_ENTRY_KEYREF(e) = clv_key_arena_put(t->arena, &t->arenalen, &key);
				}
			pfree(old);
			TabResize(t, TabBytes(t, t->nslots, t->arenacap), TabBytes(t, t->nslots, cap));
			t->arenacap = cap;
		}
	}
}

/* ----------------------------------------------------------------
 * Canonical order
 *
 * Entries are sorted by key, then sub-key, with an LSD radix sort of
 * 24-byte records (primary 64 bits, secondary 64 bits, index, length): one
 * counting pass over all 16 key bytes, then one scatter pass per byte in
 * which the keys differ (customer ids below 2^24 take three).  The primary
 * bits are the integer key with the sign bit flipped, or for text and uuid
 * keys the 8 bytes that follow the prefix common to all keys, big-endian
 * (padded with zeros); records whose primary bits tie while their keys are
 * longer than that window are put in order by comparing whole keys.
 * ----------------------------------------------------------------
 */

typedef struct SortRec
{
	uint64		k1;
	uint64		k2;
	uint32		idx;
	uint32		len;			/* text and uuid keys */
} SortRec;

/* Where the keys to sort come from: a table's slots or a flat array */
typedef struct SortSource
{
	ClvKeyKind	kind;
	bool		subkeyed;
	const char *base;
	uint32		stride;
	const ClvCustTab *tab;		/* table (packed short keys), or NULL */
	const char *arena;			/* flat arena */
} SortSource;

static inline void
SourceKey(const SortSource *s, uint32 idx, ClvKey *key)
{
	const char *e = s->base + (Size) idx * s->stride;

	if (s->tab)
		clv_tab_entry_key(s->tab, e, key);
	else
		clv_key_from_ref_nohash(s->kind, CLV_ENTRY_KEYREF(e), s->arena, key);
}

static inline int64
SourceSubkey(const SortSource *s, uint32 idx)
{
	return s->subkeyed ? CLV_ENTRY_SUBKEY(s->base + (Size) idx * s->stride) : 0;
}

/* Whole-key order of two records (ties of the radix window) */
static int
RecCmp(const void *a, const void *b, void *arg)
{
	const SortSource *s = (const SortSource *) arg;
	const SortRec *ra = (const SortRec *) a;
	const SortRec *rb = (const SortRec *) b;
	ClvKey		ka,
				kb;
	int			c;

	SourceKey(s, ra->idx, &ka);
	SourceKey(s, rb->idx, &kb);
	c = clv_key_cmp(s->kind, &ka, &kb);
	if (c != 0)
		return c;
	return (ra->k2 > rb->k2) - (ra->k2 < rb->k2);
}

/* LSD radix sort of n records on (k1, k2); returns the sorted array */
static SortRec *
RadixSort(SortRec *rec, uint32 n)
{
	uint32	   *counts = palloc0(16 * 256 * sizeof(uint32));
	int			passes[16];
	int			npasses = 0;
	SortRec    *tmp = NULL;
	SortRec    *in = rec;
	uint32		i;
	int			b;

	for (i = 0; i < n; i++)
	{
		uint64		k1 = rec[i].k1;
		uint64		k2 = rec[i].k2;

		for (b = 0; b < 8; b++)
		{
			counts[b * 256 + ((k2 >> (8 * b)) & 0xFF)]++;
			counts[(8 + b) * 256 + ((k1 >> (8 * b)) & 0xFF)]++;
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	/* bytes where not all records agree, least significant first */
	for (b = 0; b < 16; b++)
	{
		uint64		k = b < 8 ? rec[0].k2 : rec[0].k1;

		if (counts[b * 256 + ((k >> (8 * (b % 8))) & 0xFF)] != n)
			passes[npasses++] = b;
	}
	if (npasses > 0)
	{
		tmp = palloc_extended((Size) n * sizeof(SortRec), MCXT_ALLOC_HUGE);
		clv_advise_huge_pages(tmp, (Size) n * sizeof(SortRec));
	}
	for (b = 0; b < npasses; b++)
	{
		int			byte = passes[b];
		int			shift = 8 * (byte % 8);
		bool		primary = byte >= 8;
		uint32	   *c = counts + byte * 256;
		uint32		off = 0;
		int			v;
		SortRec    *out = (in == rec) ? tmp : rec;

		for (v = 0; v < 256; v++)
		{
			uint32		cnt = c[v];

			c[v] = off;
			off += cnt;
		}
		for (i = 0; i < n; i++)
		{
			uint64		k = primary ? in[i].k1 : in[i].k2;

			out[c[(k >> shift) & 0xFF]++] = in[i];
		}
		in = out;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(counts);
	if (tmp && in != tmp)
		pfree(tmp);
	else if (tmp)
		pfree(rec);
	return in;
}

/*
 * The canonical order of n entries (given by index: the identity for a
 * flat array, slot numbers for a table), as a new array of indexes
 */
static uint32 *
SortOrder(const SortSource *s, const uint32 *items, uint32 n)
{
	SortRec    *rec;
	uint32	   *order;
	uint32		i;
	uint32		lcp = 0;
	ClvKey		first;

	order = palloc_extended(sizeof(uint32) * Max(n, 1), MCXT_ALLOC_HUGE);
	if (n == 0)
		return order;
	rec = palloc_extended((Size) n * sizeof(SortRec), MCXT_ALLOC_HUGE);
	clv_advise_huge_pages(rec, (Size) n * sizeof(SortRec));

	/* text and uuid keys: the prefix common to all keys */
	if (s->kind != CLV_KEY_INT8)
	{
		SourceKey(s, items ? items[0] : 0, &first);
		lcp = first.len;
		for (i = 1; i < n && lcp > 0; i++)
		{
			ClvKey		k;
			uint32		j = 0;
			uint32		m;

			SourceKey(s, items ? items[i] : i, &k);
			m = Min(lcp, k.len);
			while (j < m && k.bytes[j] == first.bytes[j])
				j++;
			lcp = j;
		}
	}

	for (i = 0; i < n; i++)
	{
		uint32		idx = items ? items[i] : i;
		SortRec    *r = &rec[i];

		r->idx = idx;
		r->k2 = (uint64) SourceSubkey(s, idx) ^ (UINT64CONST(1) << 63);
		if (s->kind == CLV_KEY_INT8)
		{
			r->k1 = (uint64) CLV_ENTRY_KEYREF(s->base + (Size) idx * s->stride) ^ (UINT64CONST(1) << 63);
			r->len = 0;
		}
		else
		{
			ClvKey		k;
			uint64		w = 0;
			uint32		j;

			SourceKey(s, idx, &k);
			for (j = 0; j < 8; j++)
				w = (w << 8) | (lcp + j < k.len ? (uint8) k.bytes[lcp + j] : 0);
			r->k1 = w;
			r->len = k.len;
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	rec = RadixSort(rec, n);

	/* ties of the window among keys that do not fit in it: compare keys */
	if (s->kind != CLV_KEY_INT8)
	{
		uint32		start = 0;

		while (start < n)
		{
			uint32		end = start + 1;
			bool		needcmp = rec[start].len > lcp + 8;

			while (end < n && rec[end].k1 == rec[start].k1)
			{
				if (rec[end].len != rec[start].len || rec[end].len > lcp + 8)
					needcmp = true;
				end++;
			}
			if (end - start > 1 && needcmp)
				qsort_arg(rec + start, end - start, sizeof(SortRec), RecCmp, (void *) s);
			start = end;
		}
	}
	for (i = 0; i < n; i++)
		order[i] = rec[i].idx;
	pfree(rec);
	return order;
}

/* Do entries i and j of a sort source have the same key? */
static inline bool
SameKey(const SortSource *s, uint32 i, uint32 j)
{
	ClvKey		a,
				b;

	SourceKey(s, i, &a);
	SourceKey(s, j, &b);
	return clv_key_cmp(s->kind, &a, &b) == 0;
}

void
clv_tab_flat_sizes(ClvCustTab *t, uint32 *nentries, uint64 *arenalen)
{
	SortSource	s;
	uint32	   *items;
	uint32		i,
				k = 0;

	clv_tab_flush(t);
	if (t->order == NULL)
	{
		ClvTabOrder *o = MemoryContextAllocZero(t->cxt, sizeof(ClvTabOrder));
		MemoryContext old = MemoryContextSwitchTo(t->cxt);

		items = palloc_extended(sizeof(uint32) * Max(t->nentries, 1), MCXT_ALLOC_HUGE);
		for (i = 0; i < t->nslots; i++)
			if (t->ctrl[i] != 0)
				items[k++] = i;
		Assert(k == t->nentries);
		s.kind = t->kind;
		s.subkeyed = t->spec->subkeyed;
		s.base = t->slots;
		s.stride = t->entrysize;
		s.tab = t;
		s.arena = NULL;
		o->n = t->nentries;
		o->slot = SortOrder(&s, items, t->nentries);
		pfree(items);
		/* arena bytes: each key once (entries of one key are adjacent) */
		o->arenalen = 0;
		if (t->kind != CLV_KEY_INT8)
			for (i = 0; i < o->n; i++)
			{
				ClvKey		key;

				if (i > 0 && t->spec->subkeyed && SameKey(&s, o->slot[i - 1], o->slot[i]))
					continue;
				clv_tab_entry_key(t, t->slots + (Size) o->slot[i] * t->entrysize, &key);
				o->arenalen += clv_key_arena_bytes(t->kind, key.len);
			}
		MemoryContextSwitchTo(old);
		t->order = o;
	}
	*nentries = t->order->n;
	*arenalen = t->order->arenalen;
}

void
clv_tab_flatten(ClvCustTab *t, char *entries, char *arena)
{
	ClvTabOrder *o;
	uint64		arenalen = 0;
	int64		lastref = 0;
	uint32		i;

	if (t->order == NULL)
	{
		uint32		n;
		uint64		alen;

		clv_tab_flat_sizes(t, &n, &alen);
	}
	o = t->order;
	for (i = 0; i < o->n; i++)
	{
		const char *src = t->slots + (Size) o->slot[i] * t->entrysize;
		char	   *dst = entries + (Size) i * t->entrysize;

		if (i + 8 < o->n)
			__builtin_prefetch(t->slots + (Size) o->slot[i + 8] * t->entrysize, 0, 0);
		memcpy(dst, src, t->entrysize);
		if (t->kind != CLV_KEY_INT8)
		{
			ClvKey		key;

			clv_tab_entry_key(t, src, &key);
			if (i > 0 && t->spec->subkeyed)
			{
				ClvKey		prev;

				clv_tab_entry_key(t, t->slots + (Size) o->slot[i - 1] * t->entrysize, &prev);
				if (clv_key_cmp(t->kind, &prev, &key) == 0)
				{
					CLV_ENTRY_KEYREF(dst) = lastref;
					continue;
				}
			}
			lastref = clv_key_arena_put(arena, &arenalen, &key);
			CLV_ENTRY_KEYREF(dst) = lastref;
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	Assert(arenalen == o->arenalen);
	pfree(o->slot);
	pfree(o);
	t->order = NULL;
}

/* ----------------------------------------------------------------
 * Flat tables
 * ----------------------------------------------------------------
 */

void
clv_flat_init(ClvFlatTab *f, const ClvEntrySpec *spec, ClvKeyKind kind, uint32 nentries,
			  char *entries, char *arena, uint64 arenalen)
{
	f->kind = kind;
	f->entrysize = spec->entrysize;
	f->subkeyed = spec->subkeyed;
	f->nentries = nentries;
	f->entries = entries;
	f->arena = arena;
	f->arenalen = arenalen;
}

void
clv_flat_key(const ClvFlatTab *f, uint32 i, ClvKey *key)
{
	clv_key_from_ref_nohash(f->kind, CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(f, i)), f->arena, key);
}

/* Key order of entry i of a and entry j of b, sub-keys aside */
static inline int
FlatKeyCmp(const ClvFlatTab *a, uint32 i, const ClvFlatTab *b, uint32 j)
{
	int64		ra = CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(a, i));
	int64		rb = CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(b, j));
	uint32		la,
				lb;
	int			c;

	if (a->kind == CLV_KEY_INT8)
		return (ra > rb) - (ra < rb);
	memcpy(&la, a->arena + ra, sizeof(uint32));
	memcpy(&lb, b->arena + rb, sizeof(uint32));
	c = memcmp(a->arena + ra + sizeof(uint32), b->arena + rb + sizeof(uint32), Min(la, lb));
	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

int
clv_flat_cmp(const ClvFlatTab *a, uint32 i, const ClvFlatTab *b, uint32 j)
{
	int			c = FlatKeyCmp(a, i, b, j);
	int64		sa,
				sb;

	if (c != 0 || !a->subkeyed)
		return c;
	sa = CLV_ENTRY_SUBKEY(CLV_FLAT_ENTRY(a, i));
	sb = CLV_ENTRY_SUBKEY(CLV_FLAT_ENTRY(b, j));
	return (sa > sb) - (sa < sb);
}

void
clv_tab_merge_flat(ClvCustTab *t, const ClvFlatTab *f)
{
	uint32		i;
	ProbeKey	ahead[PREFETCH_AHEAD];

	if (f->nentries == 0)
		return;
	clv_tab_set_kind(t, f->kind, true);
	clv_tab_flush(t);
	if ((uint64) t->nentries + f->nentries > t->growat)
		TabGrow(t, ((uint64) t->nentries + f->nentries) * LOAD_DEN / LOAD_NUM + 1);
	for (i = 0; i < f->nentries + PREFETCH_AHEAD; i++)
	{
		/* look up entry i - PREFETCH_AHEAD, prefetch entry i */
		if (i >= PREFETCH_AHEAD)
		{
			uint32		j = i - PREFETCH_AHEAD;
			const ProbeKey *k = &ahead[j % PREFETCH_AHEAD];
			bool		found;
			uint32		s = Probe(t, k, &found);
			char	   *e = found ? t->slots + (Size) s * t->entrysize : InsertAt(t, s, k);

			t->spec->merge(e, CLV_FLAT_ENTRY(f, j));
		}
		if (i < f->nentries)
		{
			ClvKey		key;
			ProbeKey   *k = &ahead[i % PREFETCH_AHEAD];

			clv_flat_key(f, i, &key);
			key.hash = clv_key_hash(f->kind, &key);
			MakeProbeKey(t, &key, f->subkeyed ? CLV_ENTRY_SUBKEY(CLV_FLAT_ENTRY(f, i)) : 0, k);
			PrefetchSlot(t, k);
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * One pass of a sorted merge: with "entries" NULL only count, else write.
 * Entries of equal keys are merged; the output arena holds each key once.
 */
static void
MergePass(const ClvFlatTab *a, const ClvFlatTab *b, const ClvEntrySpec *spec,
		  uint32 *nentries, uint64 *arenalen, char *entries, char *arena)
{
	uint32		i = 0,
				j = 0;
	uint64		n = 0;
	uint64		alen = 0;
	int64		lastref = 0;
	const ClvFlatTab *lastf = NULL;
	uint32		lasti = 0;
	ClvKeyKind	kind = a->kind != CLV_KEY_NONE ? a->kind : b->kind;
	uint32		esize = spec->entrysize;

	while (i < a->nentries || j < b->nentries)
	{
		int			c;
		const ClvFlatTab *f;
		uint32		k;

		if (i >= a->nentries)
			c = 1;
		else if (j >= b->nentries)
			c = -1;
		else if (kind == CLV_KEY_INT8)
		{
			/* integer keys: the key reference is the key */
			const char *ea = CLV_FLAT_ENTRY(a, i);
			const char *eb = CLV_FLAT_ENTRY(b, j);
			int64		ka = CLV_ENTRY_KEYREF(ea);
			int64		kb = CLV_ENTRY_KEYREF(eb);

			c = (ka > kb) - (ka < kb);
			if (c == 0 && spec->subkeyed)
			{
				ka = CLV_ENTRY_SUBKEY(ea);
				kb = CLV_ENTRY_SUBKEY(eb);
				c = (ka > kb) - (ka < kb);
			}
		}
		else
			c = clv_flat_cmp(a, i, b, j);
		f = c <= 0 ? a : b;
		k = c <= 0 ? i : j;
		if (entries)
		{
			char	   *e = entries + n * esize;

			memcpy(e, CLV_FLAT_ENTRY(f, k), esize);
			if (c == 0)
				spec->merge(e, CLV_FLAT_ENTRY(b, j));
			if (kind != CLV_KEY_INT8)
			{
				if (lastf && FlatKeyCmp(lastf, lasti, f, k) == 0)
					CLV_ENTRY_KEYREF(e) = lastref;
				else
				{
					ClvKey		key;

					clv_flat_key(f, k, &key);
					lastref = clv_key_arena_put(arena, &alen, &key);
					CLV_ENTRY_KEYREF(e) = lastref;
				}
			}
		}
		else if (kind != CLV_KEY_INT8 && !(lastf && FlatKeyCmp(lastf, lasti, f, k) == 0))
		{
			uint32		len;

			memcpy(&len, f->arena + CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(f, k)), sizeof(uint32));
			alen += clv_key_arena_bytes(kind, len);
		}
		lastf = f;
		lasti = k;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		n++;
		if ((n & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (n > PG_UINT32_MAX - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct customers in one %s state", spec->memname)));
	*nentries = (uint32) n;
	*arenalen = alen;
}

void
clv_flat_merge_sizes(const ClvFlatTab *a, const ClvFlatTab *b, const ClvEntrySpec *spec,
					 uint32 *nentries, uint64 *arenalen)
{
	MergePass(a, b, spec, nentries, arenalen, NULL, NULL);
}

void
clv_flat_merge(const ClvFlatTab *a, const ClvFlatTab *b, const ClvEntrySpec *spec,
			   char *entries, char *arena)
{
	uint32		n;
	uint64		alen;

	MergePass(a, b, spec, &n, &alen, entries, arena);
}

void
clv_flat_merge_bounded(const ClvFlatTab *a, const ClvFlatTab *b, const ClvEntrySpec *spec,
					   char *entries, char *arena, uint32 *nentries, uint64 *arenalen)
{
	MergePass(a, b, spec, nentries, arenalen, entries, arena);
}

uint32
clv_flat_search(const ClvFlatTab *f, const ClvKey *key, int64 subkey, bool *found)
{
	uint32		lo = 0,
				hi = f->nentries;

	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo) / 2;
		ClvKey		k;
		int			c;

		clv_flat_key(f, mid, &k);
		c = clv_key_cmp(f->kind, &k, key);
		if (c == 0 && f->subkeyed)
		{
			int64		s = CLV_ENTRY_SUBKEY(CLV_FLAT_ENTRY(f, mid));

			c = (s > subkey) - (s < subkey);
		}
		if (c == 0)
		{
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

void *
clv_flat_insert_ref(const ClvFlatTab *f, const ClvEntrySpec *spec, uint32 pos, int64 keyref,
					int64 subkey, char *entries)
{
	uint32		esize = f->entrysize;
	char	   *e = entries + (Size) pos * esize;

	if (pos > 0)
		memcpy(entries, f->entries, (Size) pos * esize);
	if (pos < f->nentries)
		memcpy(e + esize, f->entries + (Size) pos * esize, (Size) (f->nentries - pos) * esize);
	memset(e, 0, esize);
	if (f->subkeyed)
		CLV_ENTRY_SUBKEY(e) = subkey;
	if (spec->init)
		spec->init(e);
	CLV_ENTRY_KEYREF(e) = keyref;
	return e;
}

void *
clv_flat_insert(const ClvFlatTab *f, const ClvEntrySpec *spec, uint32 pos, const ClvKey *key,
				int64 subkey, char *entries, char *arena)
{
	int64		keyref;

	if (f->kind == CLV_KEY_INT8)
		keyref = key->ival;
	else
	{
		uint64		alen = f->arenalen;

		if (f->arenalen > 0)
			memcpy(arena, f->arena, f->arenalen);
		keyref = clv_key_arena_put(arena, &alen, key);
	}
	return clv_flat_insert_ref(f, spec, pos, keyref, subkey, entries);
}

void
clv_flat_send(StringInfo buf, const ClvFlatTab *f, ClvSendFields send_fields, void *arg)
{
	uint32		i;

	for (i = 0; i < f->nentries; i++)
	{
		ClvKey		key;
		const char *e = CLV_FLAT_ENTRY(f, i);

		clv_flat_key(f, i, &key);
		clv_key_send(buf, f->kind, &key);
		if (f->subkeyed)
			pq_sendint64(buf, CLV_ENTRY_SUBKEY(e));
		send_fields(buf, e, arg);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

bool
clv_flat_has_duplicates(const ClvFlatTab *f)
{
	uint32		i;

	for (i = 1; i < f->nentries; i++)
		if (clv_flat_cmp(f, i - 1, f, i) == 0)
			return true;
	return false;
}

void
clv_flat_sort(ClvFlatTab *f)
{
	SortSource	s;
	uint32	   *order;
	char	   *sorted;
	uint32		i;
	Size		bytes = (Size) f->nentries * f->entrysize;

	for (i = 1; i < f->nentries; i++)
		if (clv_flat_cmp(f, i - 1, f, i) > 0)
			break;
	if (i >= f->nentries)
		return;					/* already in order */
	s.kind = f->kind;
	s.subkeyed = f->subkeyed;
	s.base = f->entries;
	s.stride = f->entrysize;
	s.tab = NULL;
	s.arena = f->arena;
	order = SortOrder(&s, NULL, f->nentries);
	sorted = palloc_extended(bytes, MCXT_ALLOC_HUGE);
	for (i = 0; i < f->nentries; i++)
		memcpy(sorted + (Size) i * f->entrysize, CLV_FLAT_ENTRY(f, order[i]), f->entrysize);
	memcpy(f->entries, sorted, bytes);
	pfree(sorted);
	pfree(order);
}

void
clv_flat_recv(StringInfo buf, const ClvEntrySpec *spec, ClvKeyKind kind, uint32 n,
			  ClvRecvFields recv_fields, void *arg, ClvFlatTab *out)
{
	char	   *entries;
	char	   *arena = NULL;
	uint64		arenalen = 0;
	uint64		arenacap = 0;
	uint32		i;
	ClvKey		prev = {0};

	entries = palloc_extended((Size) Max(n, 1) * spec->entrysize, MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
	{
		char	   *e = entries + (Size) i * spec->entrysize;
		ClvKey		key;

		memset(e, 0, spec->entrysize);
		clv_key_recv(buf, kind, &key);
		if (spec->subkeyed)
		{
			clv_recv_need(buf, 8, spec->typname);
			CLV_ENTRY_SUBKEY(e) = pq_getmsgint64(buf);
		}
		if (kind == CLV_KEY_INT8)
			CLV_ENTRY_KEYREF(e) = key.ival;
		else if (spec->subkeyed && i > 0 && clv_key_cmp(kind, &prev, &key) == 0)
			CLV_ENTRY_KEYREF(e) = CLV_ENTRY_KEYREF(e - spec->entrysize);
		else
		{
			uint64		need = clv_key_arena_bytes(kind, key.len);

			if (arenalen + need > arenacap)
			{
				arenacap = Max(Max(arenacap * 2, 1024), arenalen + need);
				arena = arena ? repalloc_huge(arena, arenacap) :
					palloc_extended(arenacap, MCXT_ALLOC_HUGE);
			}
			CLV_ENTRY_KEYREF(e) = clv_key_arena_put(arena, &arenalen, &key);
		}
		prev = key;				/* points into buf, which lives on */
		recv_fields(buf, e, arg);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	clv_flat_init(out, spec, kind, n, entries, arena, arenalen);
	clv_flat_sort(out);
	if (clv_flat_has_duplicates(out))
		clv_bad_external(spec->typname, "Duplicate customer key.");
}
