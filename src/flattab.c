/*-------------------------------------------------------------------------
 *
 * flattab.c
 *	  Flat tables of the state engine (see custtab.h): keys and order,
 *	  sorted merges, search and insertion for small states, binary send and
 *	  receive.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "clv.h"

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
int
clv_flat_key_cmp(const ClvFlatTab *a, uint32 i, const ClvFlatTab *b, uint32 j)
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
	int			c = clv_flat_key_cmp(a, i, b, j);
	int64		sa,
				sb;

	if (c != 0 || !a->subkeyed)
		return c;
	sa = CLV_ENTRY_SUBKEY(CLV_FLAT_ENTRY(a, i));
	sb = CLV_ENTRY_SUBKEY(CLV_FLAT_ENTRY(b, j));
	return (sa > sb) - (sa < sb);
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
				if (lastf && clv_flat_key_cmp(lastf, lasti, f, k) == 0)
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
		else if (kind != CLV_KEY_INT8 && !(lastf && clv_flat_key_cmp(lastf, lasti, f, k) == 0))
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
