/*-------------------------------------------------------------------------
 *
 * keydict.h
 *	  ClvKeyDict, the customer dictionary of clv 0.2.0 (dense ids).
 *
 * Only the cohort state still uses it; it goes away when that state moves
 * onto the state engine (custtab.h), which replaces it everywhere else.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_KEYDICT_H
#define CLV_KEYDICT_H

#include "keys.h"

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

/* Bytes used by the dictionary (for memory figures) */
extern Size clv_keydict_memory(const ClvKeyDict *d);

#endif							/* CLV_KEYDICT_H */
