/*-------------------------------------------------------------------------
 *
 * custtab.c
 *	  The per-customer state engine (see custtab.h): the in-memory table,
 *	  with batched, prefetching lookups, growth in place and filtering.
 *	  The canonical order is in custsort.c, flat tables in flattab.c.
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
/*
 * rows ahead whose slots a batch prefetches as it applies rows (8 to 48
 * measured alike on a million customers; test/bench/RESULTS.md)
 */
#define FLUSH_AHEAD			16

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


/*
 * Prefetch the control byte and the home slot of a key.
 *
 * A macro, not a function: GCC (12 at least) finds that a function whose
 * only statements are prefetches has no effect, marks it const, and drops
 * every call to it before inlining it, so the prefetches silently vanish
 * (the objdump of custtab.o showed no prefetch instruction for the slots).
 * Stage 10 of the test suite checks the object code.
 */
#define PrefetchSlot(t, k) \
	do { \
		uint32		pf_i_ = (k)->hash & ((t)->nslots - 1); \
		__builtin_prefetch((t)->ctrl + pf_i_, 0, 3); \
		__builtin_prefetch((t)->slots + (Size) pf_i_ * (t)->entrysize, 1, 3); \
	} while (0)

static void TabGrow(ClvCustTab *t, uint64 minslots);
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
	clv_tab_forget_order(t);
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
	clv_tab_forget_order(t);
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
		if (i < FLUSH_AHEAD)
			PrefetchSlot(t, &keys[i]);
	}
	for (i = 0; i < n; i++)
	{
		bool		found;
		uint32		s;
		char	   *e;

		if (i + FLUSH_AHEAD < n)
			PrefetchSlot(t, &keys[i + FLUSH_AHEAD]);
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

/* Fold every entry of a flat table into a table (prefetching ahead) */
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
