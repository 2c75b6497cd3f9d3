/*-------------------------------------------------------------------------
 *
 * stateio.c
 *	  The plumbing every clv state type shares (see stateio.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "clv.h"

/* ----------------------------------------------------------------
 * Text and binary forms
 * ----------------------------------------------------------------
 */

char *
clv_text_encode(const char *prefix, bytea *binary)
{
	int			len = VARSIZE_ANY_EXHDR(binary);
	int			plen = strlen(prefix);
	int			enclen = pg_b64_enc_len(len);
	char	   *out = palloc(plen + 1 + enclen + 1);
	int			n;

	memcpy(out, prefix, plen);
	out[plen] = ':';
	n = clv_b64_encode(VARDATA_ANY(binary), len, out + plen + 1, enclen);
	if (n < 0)
		elog(ERROR, "could not encode state");
	out[plen + 1 + n] = '\0';
	return out;
}

void
clv_text_decode(const char *prefix, const char *str, StringInfo buf)
{
	int			plen = strlen(prefix);
	size_t		slen = strlen(str);
	int			declen;
	int			n;

	if (slen < (size_t) plen + 1 || strncmp(str, prefix, plen) != 0 || str[plen] != ':')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", prefix),
				 errdetail("The value must start with \"%s:\" followed by base64 data.", prefix)));
	if (slen - plen - 1 > (size_t) (MaxAllocSize / 2))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s value is too long", prefix)));
	declen = pg_b64_dec_len(slen - plen - 1);
	initStringInfo(buf);
	enlargeStringInfo(buf, declen + 1);
	n = clv_b64_decode(str + plen + 1, slen - plen - 1, buf->data, declen);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", prefix),
				 errdetail("The data after \"%s:\" is not valid base64.", prefix)));
	buf->len = n;
	buf->data[n] = '\0';
	buf->cursor = 0;
}

void
clv_recv_need(StringInfo buf, int64 n, const char *typname)
{
	if (n < 0 || n > (int64) (buf->len - buf->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external %s value", typname),
				 errdetail("The value is truncated.")));
}

void
clv_recv_finish(StringInfo buf, const char *typname)
{
	if (buf->cursor != buf->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external %s value", typname),
				 errdetail("%d bytes follow the end of the value.", buf->len - buf->cursor)));
}

void
clv_bad_external(const char *typname, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external %s value", typname),
			 errdetail("%s", detail)));
}

Datum
clv_state_in(const char *typname, const char *str, ClvStateRecvFn recv)
{
	StringInfoData buf;
	Datum		result;

	clv_text_decode(typname, str, &buf);
	result = recv(&buf);
	clv_recv_finish(&buf, typname);
	return result;
}

char *
clv_state_out(const char *typname, Datum state, ClvStateSendFn send)
{
	return clv_text_encode(typname, send(state));
}

Datum
clv_state_recv(const char *typname, StringInfo buf, ClvStateRecvFn recv)
{
	Datum		result = recv(buf);

	clv_recv_finish(buf, typname);
	return result;
}

void
clv_flat_too_large(const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s is too large to store as one value", what),
			 errdetail("A stored value is limited to 1 GB."),
			 errhint("%s", hint)));
}

void
clv_send_int128(StringInfo buf, int128 v)
{
	pq_sendint64(buf, clv_int128_hi(v));
	pq_sendint64(buf, (int64) clv_int128_lo(v));
}

int128
clv_recv_int128(StringInfo buf)
{
	int64		hi = pq_getmsgint64(buf);
	int64		lo = pq_getmsgint64(buf);

	return clv_int128_join(hi, (uint64) lo);
}

/* ----------------------------------------------------------------
 * Argument types
 * ----------------------------------------------------------------
 */

/* The declared type of argument argno of the called function (no expression) */
static Oid
DeclaredArgType(FunctionCallInfo fcinfo, int argno)
{
	Oid			fn_oid = fcinfo->flinfo->fn_oid;
	HeapTuple	tp;
	Form_pg_proc proc;
	Oid			result;
	char		proname[NAMEDATALEN];

	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tp))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("could not determine the argument types of a clv function"),
				 errdetail("The function was called without a call expression or catalog entry.")));
	proc = (Form_pg_proc) GETSTRUCT(tp);
	if (argno >= proc->pronargs)
		elog(ERROR, "argument %d of function %u does not exist", argno, fn_oid);
	result = proc->proargtypes.values[argno];
	strlcpy(proname, NameStr(proc->proname), sizeof(proname));
	ReleaseSysCache(tp);
	if (IsPolymorphicType(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("could not determine the actual type of argument %d of %s",
						argno + 1, proname),
				 errdetail("The argument is declared %s and the caller passed no expression to resolve it.",
						   format_type_be(result)),
				 errhint("Call the function through one of its aggregates.")));
	return result;
}

Oid
clv_arg_base_type(FunctionCallInfo fcinfo, int argno)
{
	Oid			t = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (!OidIsValid(t))
		t = DeclaredArgType(fcinfo, argno);
	return getBaseType(t);
}

ClvArgTypes *
clv_arg_types_resolve(FunctionCallInfo fcinfo, int keyarg, int timearg, int amountarg)
{
	ClvArgTypes *t;

	if (fcinfo->flinfo->fn_extra != NULL)
		return (ClvArgTypes *) fcinfo->flinfo->fn_extra;
	t = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ClvArgTypes));
	if (keyarg >= 0)
	{
		t->keytype = clv_arg_base_type(fcinfo, keyarg);
		t->keykind = clv_key_kind(t->keytype);
	}
	if (timearg >= 0)
	{
		t->timetype = clv_arg_base_type(fcinfo, timearg);
		clv_check_time_type(t->timetype);
	}
	if (amountarg >= 0)
	{
		t->amounttype = clv_arg_base_type(fcinfo, amountarg);
		t->amountkind = clv_amount_kind(t->amounttype);
	}
	fcinfo->flinfo->fn_extra = t;
	return t;
}

/* ----------------------------------------------------------------
 * Aggregate call context
 * ----------------------------------------------------------------
 */

MemoryContext
clv_agg_context_any(FunctionCallInfo fcinfo, const char *fname, const char *use)
{
	MemoryContext aggcontext;

	if (unlikely(!AggCheckCallContext(fcinfo, &aggcontext)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate", fname),
				 errhint("Use the aggregate %s.", use)));
	return aggcontext;
}

/* ----------------------------------------------------------------
 * Expanded states
 * ----------------------------------------------------------------
 */

ClvStateHeader *
clv_state_expanded(Datum d, const ExpandedObjectMethods *methods, const char *typname)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = clv_state_eohp(d);
	if (eoh->eoh_methods != methods)
		elog(ERROR, "expanded object is not a %s", typname);
	return (ClvStateHeader *) eoh;
}

void *
clv_state_create(Size size, const ExpandedObjectMethods *methods, MemoryContext parent,
				 const char *typname)
{
	/* the name is a string constant of the state type (not checked here) */
	MemoryContext cxt = AllocSetContextCreateInternal(parent, typname, ALLOCSET_SMALL_SIZES);
	ClvStateHeader *h = MemoryContextAllocZero(cxt, size);

	Assert(size >= sizeof(ClvStateHeader));
	EOH_init_header(&h->eoh, methods, cxt);
	h->owner = parent;
	return h;
}

/*
 * Ask the kernel to back a large array with transparent huge pages, where
 * the system allows it (Linux, transparent_hugepage = madvise or always).
 * Lookups touch state arrays at random: with 4 kB pages nearly every lookup
 * in a state of a million customers also misses the TLB, and every page is
 * faulted in one by one as the arrays grow.  Only the 2 MB pages lying
 * entirely inside the array are advised; failure is harmless.
 */
void
clv_advise_huge_pages(void *p, Size len)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const uintptr_t huge = 2 * 1024 * 1024;
	uintptr_t	start = ((uintptr_t) p + huge - 1) & ~(huge - 1);
	uintptr_t	end = ((uintptr_t) p + len) & ~(huge - 1);

	if (len >= 2 * huge && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}
