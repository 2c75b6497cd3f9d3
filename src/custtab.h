/*-------------------------------------------------------------------------
 *
 * custtab.h
 *	  The per-customer state engine: one table type under every
 *	  cross-customer aggregate state (clv_summary, clv_horizon_state,
 *	  clv_cohort_state, and the model inputs to come).
 *
 * A state type describes its entries once (ClvEntrySpec: size, whether
 * they are keyed by the customer alone or by (customer, sub-key), how two
 * entries of one key merge) and gets from the engine:
 *
 *	- ClvCustTab, the in-memory table: an exact hash map from keys to
 *	  fixed-size entries stored inline in the hash slots (one cache miss per
 *	  lookup), with a byte of control per slot, short text keys packed into
 *	  the entry and longer ones in an arena, and batched lookups that
 *	  prefetch the slots of the rows ahead (clv_tab_push);
 *	- ClvFlatTab, the flat form: the entries in canonical key order (see
 *	  keys.h; then by sub-key) followed by an arena of key bytes, which is
 *	  what stored values hold; sorted merges of two flat tables in one
 *	  sequential pass; binary search and insertion for small states that
 *	  stay flat; binary send and receive (with the duplicate check);
 *	- the conversions: flatten a table (canonical sort on the key, text
 *	  keys by the 8 bytes after their common prefix: the entries scattered
 *	  into buckets and each bucket sorted in place, or for text keys with
 *	  sub-keys a radix sort of records; custsort.c), fold a flat table
 *	  into a table.
 *
 * Entry layout (every entry, in memory and flat):
 *		int64	key reference	(CLV_ENTRY_KEYREF)
 *		int64	sub-key			(CLV_ENTRY_SUBKEY; subkeyed specs only)
 *		...		the state type's fields, up to spec->entrysize bytes
 * In a flat table the key reference is the integer key itself
 * (CLV_KEY_INT8) or the offset of the key in the arena (a uint32 length,
 * the bytes, padding to 8).  In a ClvCustTab it is private to the engine:
 * read keys with clv_tab_entry_key, never through the reference.
 *
 * Sub-keys.  A subkeyed spec keys entries by (customer, int64 sub-key):
 * e.g. (customer, cohort period) for cohort states, (customer, day) for
 * per-day spend, (customer, order time) for the rows a horizon keeps.
 * The canonical order is by customer, then sub-key (numerically), so in a
 * flat table the entries of one customer are adjacent and sorted; the
 * arena holds each customer's key once.  A state that needs a per-customer
 * entry as well keeps two tables (the horizon state does: customers, and
 * (customer, time) rows).
 *
 * Memory: a table allocates in its memory context with the huge
 * allocation API, and checks every growth against clv.max_state_memory,
 * counting the bytes of every table of the state (ClvCustTab.memory).
 * Pointers to entries are valid until the next insertion into that table.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_CUSTTAB_H
#define CLV_CUSTTAB_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "keys.h"

/* What a state type tells the engine about its entries */
typedef struct ClvEntrySpec
{
	const char *typname;		/* SQL type, for messages: "clv_summary" */
	const char *memname;		/* name in memory-limit errors: "clv_agg" */
	uint32		entrysize;		/* bytes, key reference (and sub-key) included;
								 * a multiple of 8 */
	bool		subkeyed;		/* keyed by (customer, int64 sub-key) */
	/* a new entry (all zero but the key): set its initial fields; or NULL */
	void		(*init) (void *entry);
	/* fold entry src into entry dst of the same key (merges of states) */
	void		(*merge) (void *dst, const void *src);
} ClvEntrySpec;

#define CLV_ENTRY_KEYREF(e)		(((int64 *) (e))[0])
#define CLV_ENTRY_SUBKEY(e)		(((int64 *) (e))[1])

/* ----------------------------------------------------------------
 * The in-memory table
 * ----------------------------------------------------------------
 */

/*
 * Apply one buffered row to its entry (isnew: the entry was just created).
 * May insert into other tables, never into the table being flushed.
 */
typedef void (*ClvTabApply) (void *arg, void *entry, bool isnew, const void *payload);

#define CLV_BATCH_ROWS 256
#define CLV_TAB_PAYLOAD_MAX 64	/* bytes of payload per row, at most */

/*
 * Rows waiting to be applied (private to custtab.c but for the inline
 * clv_tab_push / clv_tab_pushed): per row the key as the table compares it
 * (the integer or packed short key, or for a long key the offset of its
 * bytes in "bytes" with len its length), the hash, the sub-key, and the
 * state type's payload.  Allocated when the table becomes large.
 */
typedef struct ClvTabBatch
{
	int			n;				/* rows buffered */
	int64		code[CLV_BATCH_ROWS];
	uint32		hash[CLV_BATCH_ROWS];
	uint32		len[CLV_BATCH_ROWS];	/* long keys; CLV_BATCH_SHORT if not */
	int64		subkey[CLV_BATCH_ROWS];
	char	   *payloads;		/* CLV_BATCH_ROWS * payloadsize */
	char	   *bytes;			/* copies of long keys */
	Size		nbytes;
	Size		bytescap;
} ClvTabBatch;

#define CLV_BATCH_SHORT PG_UINT32_MAX

typedef struct ClvCustTab ClvCustTab;

/* Whether an entry stays when a table is filtered (clv_tab_filter) */
typedef bool (*ClvTabKeep) (void *arg, const void *entry);

/*
 * How a table may drop entries before it grows (clv_tab_set_compactor):
 * when the table is full and worth() says a pass is worth it (NULL:
 * always), the entries for which keep() is false are dropped, and the
 * table grows only if that freed less than half of it.  prefetch(), if
 * not NULL, is called for an entry some 16 ahead of the one keep() is
 * asked about, to prefetch what keep() will read.  None of them may change a
 * table's keys or apply buffered rows (use clv_tab_find_noflush).
 */
typedef struct ClvTabCompactor
{
	bool		(*worth) (void *arg, const ClvCustTab *t);
	void		(*prefetch) (void *arg, const void *entry);
	ClvTabKeep	keep;
	void	   *arg;
} ClvTabCompactor;

typedef struct ClvTabOrder ClvTabOrder;	/* private to custtab.c */

struct ClvCustTab
{
	const ClvEntrySpec *spec;
	MemoryContext cxt;
	ClvKeyKind	kind;			/* CLV_KEY_NONE until set */
	uint32		entrysize;
	uint32		nentries;
	uint32		nslots;			/* power of two, or 0 before the first key */
	uint32		growat;			/* grow when nentries would exceed it */
	uint8	   *ctrl;			/* per slot: 0 empty, else 0x80 | hash tag */
	char	   *slots;			/* nslots entries, 64-byte aligned */
	char	   *slotsraw;		/* the allocation holding them */
	char	   *arena;			/* keys longer than CLV_KEY_SHORT_MAX */
	uint64		arenalen;
	uint64		arenacap;
	Size	   *memory;			/* bytes of the whole state (shared by its
								 * tables); points to ownmemory by default */
	Size		ownmemory;
	/* rows (clv_tab_push): see clv_tab_batch_init */
	ClvTabApply apply;
	void	   *applyarg;
	uint32		payloadsize;	/* MAXALIGNed */
	ClvTabBatch *batch;			/* rows waiting, once the table is large */
	int64		onecode;		/* the row being pushed, while no batch */
	uint32		onehash;
	uint32		onelen;
	int64		onesubkey;
	const char *onebytes;
	int64		onepayload[CLV_TAB_PAYLOAD_MAX / sizeof(int64)];
	/* entries to drop before growing (clv_tab_set_compactor), or NULL */
	const ClvTabCompactor *compactor;
	ClvTabOrder *order;			/* canonical order, between flat_sizes and
								 * flatten */
};

/*
 * Initialize an empty table in memory context cxt ("expected": number of
 * entries to size it for, 0 if unknown; kind may be CLV_KEY_NONE).  With
 * "memory" non-NULL, the table adds its bytes to that counter, shared with
 * the other tables of the state.
 */
extern void clv_tab_init(ClvCustTab *t, const ClvEntrySpec *spec, MemoryContext cxt,
						 ClvKeyKind kind, uint32 expected, Size *memory);

/*
 * Set the key kind of the table for a row ("merging": for a merge of two
 * states), or check it: 42804 if the table has keys of another kind.
 */
extern void clv_tab_set_kind(ClvCustTab *t, ClvKeyKind kind, bool merging);

/*
 * The same checks on key kinds alone: the kind of a state (with nentries
 * entries) after adding a row's key; the kind of the merge of two values
 */
extern ClvKeyKind clv_row_kind(const ClvEntrySpec *spec, ClvKeyKind statekind,
							   uint32 nentries, ClvKeyKind rowkind);
extern ClvKeyKind clv_merge_kinds(const ClvEntrySpec *spec, ClvKeyKind a, ClvKeyKind b);

/*
 * Find the entry of (key, subkey), inserting it if absent (zeroed, then
 * spec->init); *found says which.  Applies any buffered rows first.
 */
extern void *clv_tab_lookup(ClvCustTab *t, const ClvKey *key, int64 subkey, bool *found);

/* Find the entry of (key, subkey), or NULL; applies buffered rows first */
extern void *clv_tab_find(ClvCustTab *t, const ClvKey *key, int64 subkey);

/*
 * Add a row: look up (inserting) the entry of (key, subkey) and apply the
 * row's payload to it with the batch's apply function.  Call
 * clv_tab_batch_init once, then per row:
 *		payload = clv_tab_push(t, key, subkey);
 *		(fill in the payload)
 *		clv_tab_pushed(t);
 * Small tables apply the row at once; large ones buffer rows (a copy of
 * the payload and of any key bytes: the row's datums do not live on) and
 * apply them in batches, prefetching the slots of the rows ahead, so that
 * the cache misses of many rows overlap.  Rows of one table are applied in
 * the order they were pushed.
 */
extern void clv_tab_batch_init(ClvCustTab *t, uint32 payloadsize, ClvTabApply apply,
							   void *arg);
extern void clv_tab_flush(ClvCustTab *t);
extern void *clv_tab_push_any(ClvCustTab *t, const ClvKey *key, int64 subkey);
extern void clv_tab_apply_one(ClvCustTab *t);

/* The hash of (customer, sub-key) from the customer's hash */
static inline uint32
clv_subkey_hash(uint32 keyhash, int64 subkey)
{
	return clv_hash64((uint64) keyhash * UINT64CONST(0x9E3779B97F4A7C15) + (uint64) subkey);
}

/*
 * An integer key, or a short text key (packed as in keys.h), is buffered
 * here inline; other keys through clv_tab_push_any.
 */
static inline void *
clv_tab_push(ClvCustTab *t, const ClvKey *key, int64 subkey)
{
	ClvTabBatch *b = t->batch;
	int64		code;
	int64		sub;
	uint32		hash;

	if (likely(t->kind == CLV_KEY_INT8))
		code = key->ival;
	else if (t->kind == CLV_KEY_TEXT && key->len <= CLV_KEY_SHORT_MAX)
		code = clv_key_short_code(key->bytes, key->len);
	else
		return clv_tab_push_any(t, key, subkey);
	sub = t->spec->subkeyed ? subkey : 0;
	hash = t->spec->subkeyed ? clv_subkey_hash(key->hash, subkey) : key->hash;
	if (likely(b != NULL))
	{
		int			n = b->n;

		b->code[n] = code;
		b->len[n] = CLV_BATCH_SHORT;
		b->subkey[n] = sub;
		b->hash[n] = hash;
		return b->payloads + (Size) n * t->payloadsize;
	}
	t->onecode = code;
	t->onelen = CLV_BATCH_SHORT;
	t->onesubkey = sub;
	t->onehash = hash;
	t->onebytes = NULL;
	return t->onepayload;
}

static inline void
clv_tab_pushed(ClvCustTab *t)
{
	ClvTabBatch *b = t->batch;

	if (likely(b != NULL))
	{
		if (++b->n == CLV_BATCH_ROWS)
			clv_tab_flush(t);
	}
	else
		clv_tab_apply_one(t);
}

/*
 * clv_tab_flush applies the buffered rows now; reading functions of the
 * engine call it themselves.
 */

/*
 * Drop the entries for which keep() is false (in place; buffered rows are
 * applied first).  keep() must not change any table.
 */
extern void clv_tab_filter(ClvCustTab *t, ClvTabKeep keep, void *arg);

/* Let the table drop entries before it grows (the compactor must live on) */
extern void clv_tab_set_compactor(ClvCustTab *t, const ClvTabCompactor *compactor);

/* clv_tab_find without applying buffered rows first */
extern void *clv_tab_find_noflush(ClvCustTab *t, const ClvKey *key, int64 subkey);

/* Prefetch the slot where (key, subkey) is or would be */
extern void clv_tab_prefetch(const ClvCustTab *t, const ClvKey *key, int64 subkey);

/*
 * Iterate over the entries in slot order (not canonical): start with
 * *pos = 0; returns NULL at the end.  No insertion while iterating.
 */
extern void *clv_tab_next(ClvCustTab *t, uint32 *pos);

/*
 * The key of an entry of a table (hash not filled in; the bytes of a
 * short key point into the entry)
 */
extern void clv_tab_entry_key(const ClvCustTab *t, const void *entry, ClvKey *key);

/* Bytes the table holds */
extern Size clv_tab_memory(const ClvCustTab *t);

/* Forget the canonical order kept by clv_tab_flat_sizes (engine-internal) */
extern void clv_tab_forget_order(ClvCustTab *t);

/* ----------------------------------------------------------------
 * Flat tables
 * ----------------------------------------------------------------
 */

/* A read-only (or caller-owned) flat table: sorted entries, then keys */
typedef struct ClvFlatTab
{
	ClvKeyKind	kind;
	uint32		entrysize;
	bool		subkeyed;
	uint32		nentries;
	char	   *entries;		/* nentries * entrysize, canonical order */
	char	   *arena;			/* key bytes (text and uuid keys) */
	uint64		arenalen;
} ClvFlatTab;

#define CLV_FLAT_ENTRY(f, i)	((void *) ((f)->entries + (Size) (i) * (f)->entrysize))

/* A flat table over the given arrays */
extern void clv_flat_init(ClvFlatTab *f, const ClvEntrySpec *spec, ClvKeyKind kind,
						  uint32 nentries, char *entries, char *arena, uint64 arenalen);

/* The key of entry i (hash not filled in) */
extern void clv_flat_key(const ClvFlatTab *f, uint32 i, ClvKey *key);

/* Canonical order of entry i of a and entry j of b (same kind) */
extern int	clv_flat_cmp(const ClvFlatTab *a, uint32 i, const ClvFlatTab *b, uint32 j);

/* The same for their customer keys alone, sub-keys aside */
extern int	clv_flat_key_cmp(const ClvFlatTab *a, uint32 i, const ClvFlatTab *b, uint32 j);

/*
 * Flatten a table.  clv_tab_flat_sizes applies buffered rows, sorts the
 * entries into canonical order (kept until clv_tab_flatten) and returns
 * the sizes; clv_tab_flatten writes the entries (nentries * entrysize
 * bytes) and the arena (arenalen bytes, each key once) into the caller's
 * buffers.  The table is unchanged.
 */
extern void clv_tab_flat_sizes(ClvCustTab *t, uint32 *nentries, uint64 *arenalen);
extern void clv_tab_flatten(ClvCustTab *t, char *entries, char *arena);

/* Fold every entry of a flat table into a table (spec->merge per key) */
extern void clv_tab_merge_flat(ClvCustTab *t, const ClvFlatTab *f);

/*
 * Merge two flat tables in one sequential pass: first the sizes, then the
 * entries (spec->merge where keys are equal) into the caller's buffers.
 */
extern void clv_flat_merge_sizes(const ClvFlatTab *a, const ClvFlatTab *b,
								 const ClvEntrySpec *spec, uint32 *nentries, uint64 *arenalen);
extern void clv_flat_merge(const ClvFlatTab *a, const ClvFlatTab *b, const ClvEntrySpec *spec,
						   char *entries, char *arena);

/*
 * The same in one pass, into buffers of a->nentries + b->nentries entries
 * and a->arenalen + b->arenalen arena bytes (upper bounds: the pages of a
 * large allocation that are not written cost nothing), returning the
 * number of entries and arena bytes written
 */
extern void clv_flat_merge_bounded(const ClvFlatTab *a, const ClvFlatTab *b,
								   const ClvEntrySpec *spec, char *entries, char *arena,
								   uint32 *nentries, uint64 *arenalen);

/*
 * Small states that stay flat.  clv_flat_search returns the position of
 * (key, subkey): of its entry (*found) or where it belongs.
 * clv_flat_insert copies f into the caller's buffers (f->nentries + 1
 * entries, f->arenalen + clv_key_arena_bytes(kind, key->len) arena bytes)
 * with a new entry for (key, subkey) at pos, zeroed and spec->init'ed, and
 * returns it.
 */
extern uint32 clv_flat_search(const ClvFlatTab *f, const ClvKey *key, int64 subkey,
							  bool *found);
extern void *clv_flat_insert(const ClvFlatTab *f, const ClvEntrySpec *spec, uint32 pos,
							 const ClvKey *key, int64 subkey, char *entries, char *arena);

/*
 * The same with a key reference already in the arena (or an integer key):
 * only the entries are written (f->nentries + 1 of them)
 */
extern void *clv_flat_insert_ref(const ClvFlatTab *f, const ClvEntrySpec *spec, uint32 pos,
								 int64 keyref, int64 subkey, char *entries);

/*
 * Binary form of a flat table: per entry the key (clv_key_send), the
 * sub-key (int64, subkeyed specs only) and the state type's fields
 * (send_fields).  The entry count is the caller's.
 */
typedef void (*ClvSendFields) (StringInfo buf, const void *entry, void *arg);
typedef void (*ClvRecvFields) (StringInfo buf, void *entry, void *arg);

extern void clv_flat_send(StringInfo buf, const ClvFlatTab *f, ClvSendFields send_fields,
						  void *arg);

/*
 * Read n entries of the binary form into a new flat table allocated in
 * the current memory context, in canonical order: recv_fields reads and
 * validates the fields of each entry (reporting with clv_bad_external);
 * keys (and sub-keys) that appear twice are rejected ("Duplicate customer
 * key.", 22P03).
 */
extern void clv_flat_recv(StringInfo buf, const ClvEntrySpec *spec, ClvKeyKind kind,
						  uint32 n, ClvRecvFields recv_fields, void *arg, ClvFlatTab *out);

/*
 * Sort the entries of a flat table into canonical order in place (used
 * for values whose order cannot be trusted); duplicates are left alone
 */
extern void clv_flat_sort(ClvFlatTab *f);

/* Whether two adjacent entries (i, i + 1) of a sorted flat table have equal keys */
extern bool clv_flat_has_duplicates(const ClvFlatTab *f);

#endif							/* CLV_CUSTTAB_H */
