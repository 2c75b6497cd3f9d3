/*-------------------------------------------------------------------------
 *
 * stateio.h
 *	  The plumbing every clv state type shares: text and binary forms,
 *	  argument-type resolution of transition functions, the aggregate
 *	  call context, and the mutable expanded form of a state.
 *
 * Every state type (clv_summary, clv_horizon_state, clv_cohort_state,
 * btyd_data) is a varlena type with
 *	- a binary form (send/recv, network byte order), validated completely
 *	  on receive: malformed values raise 22P03 through clv_bad_external;
 *	- a text form "<type name>:<base64 of the binary form>", so that text
 *	  output/input (what Citus ships between nodes) round-trips exactly and
 *	  shares the validation of the receive function;
 *	- a flat form (the datum stored on disk), and, while an aggregate
 *	  updates it, an expanded object (utils/expandeddatum.h) in the
 *	  aggregate's memory context, changed in place row by row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_STATEIO_H
#define CLV_STATEIO_H

#include "postgres.h"

#include "compat.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "utils/expandeddatum.h"

#include "keys.h"
#include "money.h"

/* ----------------------------------------------------------------
 * Text and binary forms
 * ----------------------------------------------------------------
 */

/*
 * "<prefix>:<base64>" of a binary form; clv_text_decode errors (22P02) on a
 * wrong prefix or bad base64 and returns the decoded bytes as a StringInfo
 * ready for the receive function.
 */
extern char *clv_text_encode(const char *prefix, bytea *binary);
extern void clv_text_decode(const char *prefix, const char *str, StringInfo buf);

/* Ensure n more bytes are available in a recv buffer, else 22P03 */
extern void clv_recv_need(StringInfo buf, int64 n, const char *typname);

/* Ensure the whole message was consumed by a recv function (22P03) */
extern void clv_recv_finish(StringInfo buf, const char *typname);

/*
 * Report a malformed external value of type "typname" (22P03), with a
 * full-sentence detail
 */
pg_noreturn extern void clv_bad_external(const char *typname, const char *detail);

/*
 * The four I/O functions of a state type, given its receive routine (which
 * reads one value from a buffer and returns it; the whole message must be
 * consumed) and its send routine (the binary form of a datum):
 *	clv_state_in	text input: decode "<typname>:<base64>", receive
 *	clv_state_out	text output: "<typname>:" and base64 of the binary form
 *	clv_state_recv	binary input: receive, the message must end there
 * (binary output is the send routine itself).
 */
typedef Datum (*ClvStateRecvFn) (StringInfo buf);
typedef bytea *(*ClvStateSendFn) (Datum state);

extern Datum clv_state_in(const char *typname, const char *str, ClvStateRecvFn recv);
extern char *clv_state_out(const char *typname, Datum state, ClvStateSendFn send);
extern Datum clv_state_recv(const char *typname, StringInfo buf, ClvStateRecvFn recv);

/*
 * Report (54000) that a flat value would exceed the size of one datum
 * (MaxAllocSize); "what" names the value ("clv_summary of 5 customers"),
 * "hint" is a full sentence
 */
pg_noreturn extern void clv_flat_too_large(const char *what, const char *hint);

/* An int128 as two int64 (high half first), network byte order */
extern void clv_send_int128(StringInfo buf, int128 v);
extern int128 clv_recv_int128(StringInfo buf);

/* ----------------------------------------------------------------
 * Argument types of transition functions
 * ----------------------------------------------------------------
 */

/*
 * The argument types of one call site, resolved on its first call and
 * cached in fn_extra.  Each type is the actual type of the argument
 * (get_fn_expr_argtype), or, when the caller passed no expression (Citus
 * calls transition functions through a bare FmgrInfo), the type declared
 * in the function's signature; a polymorphic declared type with no
 * expression to resolve it raises 42804.  Domains are reduced to their
 * base types (getBaseType), so a domain over text or bigint is a key.
 * "extra" is for the caller's own per-call-site cache.
 */
typedef struct ClvArgTypes
{
	Oid			keytype;		/* base type of the customer key */
	ClvKeyKind	keykind;
	Oid			timetype;		/* base type of the order time */
	Oid			amounttype;		/* base type of the amount, if any */
	ClvAmountKind amountkind;
	void	   *extra;			/* the caller's, allocated in fn_mcxt */
} ClvArgTypes;

extern ClvArgTypes *clv_arg_types_resolve(FunctionCallInfo fcinfo, int keyarg,
										  int timearg, int amountarg);

/*
 * Resolve (once per call site) the types of the key, time and amount
 * arguments at the given positions (-1: no such argument).  Unsupported
 * key or amount types raise 42804 on the first call.
 */
static inline ClvArgTypes *
clv_arg_types(FunctionCallInfo fcinfo, int keyarg, int timearg, int amountarg)
{
	if (likely(fcinfo->flinfo->fn_extra != NULL))
		return (ClvArgTypes *) fcinfo->flinfo->fn_extra;
	return clv_arg_types_resolve(fcinfo, keyarg, timearg, amountarg);
}

/* The base type of argument "argno" as clv_arg_types resolves it */
extern Oid	clv_arg_base_type(FunctionCallInfo fcinfo, int argno);

/* ----------------------------------------------------------------
 * Aggregate call context
 * ----------------------------------------------------------------
 */

extern MemoryContext clv_agg_context_any(FunctionCallInfo fcinfo, const char *fname,
										 const char *use);

/*
 * The aggregate memory context of a transition or combine function (what
 * AggCheckCallContext returns, read inline for plain aggregates).  When
 * the function "fname" is called outside an aggregate, raise 0A000 with a
 * hint naming the aggregate(s) to use ("use").
 */
static inline MemoryContext
clv_agg_context(FunctionCallInfo fcinfo, const char *fname, const char *use)
{
	if (likely(fcinfo->context && IsA(fcinfo->context, AggState)))
		return ((AggState *) fcinfo->context)->curaggcontext->ecxt_per_tuple_memory;
	return clv_agg_context_any(fcinfo, fname, use);
}

/* ----------------------------------------------------------------
 * Expanded states
 * ----------------------------------------------------------------
 */

/*
 * The header of every expanded state: the expanded-object header (its
 * methods identify the state type) and the aggregate memory context the
 * state was created under
 */
typedef struct ClvStateHeader
{
	ExpandedObjectHeader eoh;
	MemoryContext owner;		/* parent of eoh.eoh_context */
} ClvStateHeader;

/*
 * Create an expanded state of "size" bytes (a struct starting with a
 * ClvStateHeader) in a new memory context under "parent", zeroed.  typname
 * must be a string constant (it names the context).
 */
extern void *clv_state_create(Size size, const ExpandedObjectMethods *methods,
							  MemoryContext parent, const char *typname);

/* The expanded object a datum points to (DatumGetEOHP, inline) */
static inline ExpandedObjectHeader *
clv_state_eohp(Datum d)
{
	varatt_expanded ptr;

	memcpy(&ptr, VARDATA_EXTERNAL(DatumGetPointer(d)), sizeof(ptr));
	return ptr.eohptr;
}

/*
 * The expanded state behind datum d if it is one of type "methods"; NULL
 * for a flat datum; an error for an expanded object of another type.
 */
extern ClvStateHeader *clv_state_expanded(Datum d, const ExpandedObjectMethods *methods,
										  const char *typname);

/*
 * Whether datum d is a read-write expanded state of type "methods" that
 * the aggregate owns (created under aggcontext), so that a transition or
 * combine function may change it in place
 */
static inline bool
clv_state_is_mutable(Datum d, const ExpandedObjectMethods *methods, MemoryContext aggcontext)
{
	ClvStateHeader *h;

	if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return false;
	h = (ClvStateHeader *) clv_state_eohp(d);
	return h->eoh.eoh_methods == methods && h->owner == aggcontext;
}

/*
 * Ask Linux for transparent huge pages for a large array (the 2 MB pages
 * lying inside it); does nothing elsewhere, and failure is harmless
 */
extern void clv_advise_huge_pages(void *p, Size len);

#endif							/* CLV_STATEIO_H */
