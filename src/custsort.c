/*-------------------------------------------------------------------------
 *
 * custsort.c
 *	  The canonical order of the state engine's entries (see custtab.h):
 *	  flattening a table (by buckets, or for text and uuid keys with
 *	  sub-keys through the radix sort of records), sorting a flat table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/memutils.h"

#include "clv.h"

struct ClvTabOrder
{
	uint32		n;
	uint32	   *slot;			/* slot of each entry, canonical order */
	uint64		arenalen;		/* of the flat form */
};

/* Forget the canonical order of a table (it is about to change) */
void
clv_tab_forget_order(ClvCustTab *t)
{
	if (t->order)
	{
		pfree(t->order->slot);
		pfree(t->order);
		t->order = NULL;
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

/* An int64 as unsigned bits in the same order: the sign bit flipped */
static inline uint64
OrderBits(int64 v)
{
	return (uint64) v ^ (UINT64CONST(1) << 63);
}

/* The length of the prefix key k shares with key "first", at most lcp */
static inline uint32
SharedPrefix(const ClvKey *first, const ClvKey *k, uint32 lcp)
{
	uint32		m = Min(lcp, k->len);
	uint32		j = 0;

	while (j < m && k->bytes[j] == first->bytes[j])
		j++;
	return j;
}

/* The 8 bytes of a key after its first lcp, big-endian, padded with zeros */
static inline uint64
KeyWindow(const ClvKey *k, uint32 lcp)
{
	uint64		w = 0;
	uint32		j;

	for (j = 0; j < 8; j++)
		w = (w << 8) | (lcp + j < k->len ? (uint8) k->bytes[lcp + j] : 0);
	return w;
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

			SourceKey(s, items ? items[i] : i, &k);
			lcp = SharedPrefix(&first, &k, lcp);
		}
	}

	for (i = 0; i < n; i++)
	{
		uint32		idx = items ? items[i] : i;
		SortRec    *r = &rec[i];

		r->idx = idx;
		r->k2 = OrderBits(SourceSubkey(s, idx));
		if (s->kind == CLV_KEY_INT8)
		{
			r->k1 = OrderBits(CLV_ENTRY_KEYREF(s->base + (Size) idx * s->stride));
			r->len = 0;
		}
		else
		{
			ClvKey		k;

			SourceKey(s, idx, &k);
			r->k1 = KeyWindow(&k, lcp);
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

/* ----------------------------------------------------------------
 * Flattening by buckets
 *
 * A table of integer keys, or of text or uuid keys without sub-keys, is
 * flattened straight into the output.  Each entry has a 64-bit sort value
 * that orders keys as the canonical order does, ties aside: the integer
 * key with the sign bit flipped, or the 8 bytes of a text or uuid key
 * after the prefix common to all keys, big-endian, padded with zeros (as
 * in the radix sort above).  The live entries are scattered from the
 * slots into at most BUCKETS_MAX buckets by the high bits of (value -
 * least value), so that the writes go to a few streams that stay in
 * cache; each bucket is then put in order where it lies: by insertion when
 * short, else by the same scatter on its own range (through a scratch copy
 * of that bucket alone, which fits in cache), and a run of one sort value
 * (one customer's sub-keys, or keys that differ only past the 8 bytes) by
 * qsort on the whole key and sub-key.  Text and uuid keys are then written
 * to the arena in that order.  This replaces the sort records, the order
 * array and the random gather of the general path, which remains for text
 * and uuid keys with sub-keys and for flat arrays (half the time at a
 * million customers: test/bench/RESULTS.md).
 * ----------------------------------------------------------------
 */

#define BUCKET_FILL		16		/* entries per bucket aimed at */
#define BUCKETS_MIN		16		/* when sorting a bucket again */
#define BUCKETS_MAX		1024	/* 1024 fronts of writes stay in cache */
#define INSERTION_MAX	24		/* runs this short: insertion sort */

/* What the sort of one table's entries needs to know */
typedef struct BucketSort
{
	const ClvCustTab *t;		/* the keys' kind and arena */
	uint32		esize;
	bool		subkeyed;
	uint32		lcp;			/* text and uuid: prefix common to all keys */
	char	   *tmp;			/* room for one entry */
} BucketSort;

/* Whether a table is flattened by buckets */
static inline bool
BucketFlattened(const ClvCustTab *t)
{
	return t->kind == CLV_KEY_INT8 || !t->spec->subkeyed;
}

/* The sort value of an entry */
static inline uint64
SortValue(const BucketSort *bs, const char *e)
{
	int64		ref = CLV_ENTRY_KEYREF(e);
	ClvKey		k;

	if (bs->t->kind == CLV_KEY_INT8)
		return OrderBits(ref);
	if (ref < 0)
	{
		/*
		 * a packed short key: its bytes, first byte lowest (keys.h), made
		 * big-endian without the length byte; lcp <= its length < 8
		 */
		return pg_bswap64((uint64) ref & UINT64CONST(0x00FFFFFFFFFFFFFF)) << (8 * bs->lcp);
	}
	clv_tab_entry_key(bs->t, e, &k);
	return KeyWindow(&k, bs->lcp);
}

/* Canonical order of two entries: key, then sub-key */
static int
EntryCmp(const void *a, const void *b, void *arg)
{
	const BucketSort *bs = (const BucketSort *) arg;
	int64		sa,
				sb;

	if (bs->t->kind == CLV_KEY_INT8)
	{
		int64		ka = CLV_ENTRY_KEYREF(a);
		int64		kb = CLV_ENTRY_KEYREF(b);

		if (ka != kb)
			return ka < kb ? -1 : 1;
	}
	else
	{
		ClvKey		ka,
					kb;
		int			c;

		clv_tab_entry_key(bs->t, a, &ka);
		clv_tab_entry_key(bs->t, b, &kb);
		c = clv_key_cmp(bs->t->kind, &ka, &kb);
		if (c != 0)
			return c;
	}
	if (!bs->subkeyed)
		return 0;
	sa = CLV_ENTRY_SUBKEY(a);
	sb = CLV_ENTRY_SUBKEY(b);
	return (sa > sb) - (sa < sb);
}

/*
 * Buckets for n entries with sort values lo..hi: a power of two (at least
 * minbuckets >= 2, so that the shift stays below 64), and the shift that
 * maps (value - lo) to a bucket
 */
static uint32
Buckets(uint32 n, uint32 minbuckets, uint64 lo, uint64 hi, int *shift)
{
	uint32		nb = minbuckets;

	while (nb < BUCKETS_MAX && nb < n / BUCKET_FILL)
		nb <<= 1;
	*shift = 0;
	while (((hi - lo) >> *shift) >= nb)
		(*shift)++;
	return nb;
}

/*
 * Scatter entries into dst by bucket of their sort value: the nsrc entries
 * at src, or with "live" only those whose control byte is not 0 (n entries
 * in all).  Returns the buckets' starts in dst (*nb + 1 of them); *onevalue
 * says that all the sort values were equal.
 */
static uint32 *
Scatter(const BucketSort *bs, const char *src, const uint8 *live, uint32 nsrc, uint32 n,
		uint32 minbuckets, char *dst, uint32 *nb, bool *onevalue)
{
	uint64		lo = PG_UINT64_MAX;
	uint64		hi = 0;
	int			shift;
	uint32		i;
	uint32	   *start;
	uint32	   *fill;

#define SCATTER_LIVE(i)		(live == NULL || live[i] != 0)
#define SCATTER_ENTRY(i)	(src + (Size) (i) * bs->esize)
#define SCATTER_BUCKET(i)	((SortValue(bs, SCATTER_ENTRY(i)) - lo) >> shift)
	for (i = 0; i < nsrc; i++)
		if (SCATTER_LIVE(i))
		{
			uint64		v = SortValue(bs, SCATTER_ENTRY(i));

			lo = Min(lo, v);
			hi = Max(hi, v);
		}
	*onevalue = (lo == hi);
	*nb = Buckets(n, minbuckets, lo, hi, &shift);
	start = palloc0((*nb + 1) * sizeof(uint32));
	fill = palloc(*nb * sizeof(uint32));
	for (i = 0; i < nsrc; i++)
		if (SCATTER_LIVE(i))
			start[SCATTER_BUCKET(i) + 1]++;
	for (i = 0; i < *nb; i++)
	{
		start[i + 1] += start[i];
		fill[i] = start[i];
	}
	CHECK_FOR_INTERRUPTS();
	for (i = 0; i < nsrc; i++)
		if (SCATTER_LIVE(i))
			memcpy(dst + (Size) fill[SCATTER_BUCKET(i)]++ * bs->esize, SCATTER_ENTRY(i), bs->esize);
	Assert(fill[*nb - 1] == n);
#undef SCATTER_LIVE
#undef SCATTER_ENTRY
#undef SCATTER_BUCKET
	pfree(fill);
	return start;
}

static void SortRun(const BucketSort *bs, char *base, uint32 n);

/*
 * Put scattered entries in order: each of the nb buckets (bucket b holds
 * entries start[b] to start[b + 1] of base), or if all the n sort values
 * are equal, the whole run by key and sub-key
 */
static void
SortScattered(const BucketSort *bs, char *base, uint32 n, const uint32 *start, uint32 nb,
			  bool onevalue)
{
	uint32		b;

	if (onevalue)
	{
		qsort_arg(base, n, bs->esize, EntryCmp, (void *) bs);
		return;
	}
	for (b = 0; b < nb; b++)
	{
		SortRun(bs, base + (Size) start[b] * bs->esize, start[b + 1] - start[b]);
		if ((b & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* Put n entries at base in canonical order */
static void
SortRun(const BucketSort *bs, char *base, uint32 n)
{
	uint32		esize = bs->esize;
	uint32		i;
	uint32		nb;
	bool		onevalue;
	uint32	   *start;
	char	   *scratch;

	if (n <= INSERTION_MAX)
	{
		for (i = 1; i < n; i++)
		{
			uint32		j = i;

			memcpy(bs->tmp, base + (Size) i * esize, esize);
			while (j > 0 && EntryCmp(base + (Size) (j - 1) * esize, bs->tmp, (void *) bs) > 0)
			{
				memcpy(base + (Size) j * esize, base + (Size) (j - 1) * esize, esize);
				j--;
			}
			if (j != i)
				memcpy(base + (Size) j * esize, bs->tmp, esize);
		}
		return;
	}
	scratch = palloc_extended((Size) n * esize, MCXT_ALLOC_HUGE);
	start = Scatter(bs, base, NULL, n, n, BUCKETS_MIN, scratch, &nb, &onevalue);
	memcpy(base, scratch, (Size) n * esize);
	pfree(scratch);
	SortScattered(bs, base, n, start, nb, onevalue);
	pfree(start);
}

/* The length of the prefix common to the keys of a table (text, uuid) */
static uint32
CommonPrefix(const ClvCustTab *t)
{
	ClvKey		first;
	uint32		lcp = 0;
	bool		have = false;
	uint32		i;

	for (i = 0; i < t->nslots; i++)
	{
		ClvKey		k;

		if (t->ctrl[i] == 0)
			continue;
		if (!have)
		{
			/* the first key's bytes may lie in its entry: they stay put */
			clv_tab_entry_key(t, t->slots + (Size) i * t->entrysize, &first);
			lcp = first.len;
			have = true;
			continue;
		}
		if (lcp == 0)
			break;
		clv_tab_entry_key(t, t->slots + (Size) i * t->entrysize, &k);
		lcp = SharedPrefix(&first, &k, lcp);
	}
	return lcp;
}

/* The arena bytes of the keys of a table flattened by buckets */
static uint64
BucketArenaBytes(const ClvCustTab *t)
{
	uint64		len = 0;
	uint32		i;

	if (t->kind == CLV_KEY_INT8)
		return 0;
	for (i = 0; i < t->nslots; i++)
		if (t->ctrl[i] != 0)
		{
			ClvKey		k;

			clv_tab_entry_key(t, t->slots + (Size) i * t->entrysize, &k);
			len += clv_key_arena_bytes(t->kind, k.len);
		}
	return len;
}

/* clv_tab_flatten for a table flattened by buckets (see above) */
static void
BucketFlatten(ClvCustTab *t, char *entries, char *arena)
{
	BucketSort	bs;
	uint32		nb;
	bool		onevalue;
	uint32	   *start;
	uint64		arenalen = 0;
	uint32		i;

	if (t->nentries == 0)
		return;
	bs.t = t;
	bs.esize = t->entrysize;
	bs.subkeyed = t->spec->subkeyed;
	bs.lcp = t->kind == CLV_KEY_INT8 ? 0 : CommonPrefix(t);
	bs.tmp = palloc(t->entrysize);
	start = Scatter(&bs, t->slots, t->ctrl, t->nslots, t->nentries, 2, entries, &nb, &onevalue);
	SortScattered(&bs, entries, t->nentries, start, nb, onevalue);
	pfree(start);
	pfree(bs.tmp);
	if (t->kind == CLV_KEY_INT8)
		return;
	/* the keys, in order, into the arena (no sub-keys: each key once) */
	Assert(!t->spec->subkeyed);
	for (i = 0; i < t->nentries; i++)
	{
		char	   *e = entries + (Size) i * t->entrysize;
		ClvKey		key;

		/* a packed key's bytes are in the entry: copied before it is set */
		clv_tab_entry_key(t, e, &key);
		CLV_ENTRY_KEYREF(e) = clv_key_arena_put(arena, &arenalen, &key);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

void
clv_tab_flat_sizes(ClvCustTab *t, uint32 *nentries, uint64 *arenalen)
{
	SortSource	s;
	uint32	   *items;
	uint32		i,
				k = 0;

	clv_tab_flush(t);
	if (BucketFlattened(t))
	{
		/* flattened without a precomputed order (BucketFlatten) */
		*nentries = t->nentries;
		*arenalen = BucketArenaBytes(t);
		return;
	}
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

	if (BucketFlattened(t))
	{
		clv_tab_flush(t);
		clv_tab_forget_order(t);
		BucketFlatten(t, entries, arena);
		return;
	}
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
