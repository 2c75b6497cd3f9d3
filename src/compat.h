/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The differences between the PostgreSQL major versions clv supports
 *	  (15, 16, 17 and 18), in one place.
 *
 * Every C file includes this header (through clv.h) instead of testing
 * PG_VERSION_NUM itself.  What differs:
 *
 *	- 16 moved the varlena macros (VARDATA_ANY, VARSIZE_ANY_EXHDR, ...) out
 *	  of postgres.h into varatt.h.
 *	- 16 changed DecodeTimezoneAbbrev (an error code, six arguments) and
 *	  added DecodeTimezoneName, which resolves a zone name the way
 *	  timezone(text, timestamptz) does; clv_decode_timezone gives 15 the
 *	  same function.
 *	- 18 replaced pg_attribute_noreturn() (after the declarator) by
 *	  pg_noreturn (before the declaration), no longer includes common/int.h
 *	  from the headers clv uses, and made pg_b64_encode/pg_b64_decode take
 *	  uint8 buffers.
 *	- 18 records the extension's name and version in the module
 *	  (PG_MODULE_MAGIC_EXT).
 *
 * Checked with -Wall -Wextra -Werror and make installcheck on 15 (Debian
 * 12), 17 (Debian 13) and 18 (Debian forky): stage 95_versions runs the
 * last two; 16 on a source build of 16beta2, by hand.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_COMPAT_H
#define CLV_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "clv supports PostgreSQL 15, 16, 17 and 18"
#endif

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif
#include "common/base64.h"
#include "common/int.h"
#include "pgtime.h"

/*
 * A function that does not return: write "pg_noreturn static void f(...)",
 * the form of PostgreSQL 18, on every version.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/* Module magic block, with the extension's name and version on 18 */
#if PG_VERSION_NUM >= 180000
#define CLV_MODULE_MAGIC PG_MODULE_MAGIC_EXT(.name = "clv", .version = CLV_VERSION)
#else
#define CLV_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/* base64 of a byte buffer, with the buffer types of every version */
static inline int
clv_b64_encode(const char *src, int len, char *dst, int dstlen)
{
#if PG_VERSION_NUM >= 180000
	return pg_b64_encode((const uint8 *) src, len, dst, dstlen);
#else
	return pg_b64_encode(src, len, dst, dstlen);
#endif
}

static inline int
clv_b64_decode(const char *src, int len, char *dst, int dstlen)
{
#if PG_VERSION_NUM >= 180000
	return pg_b64_decode(src, len, (uint8 *) dst, dstlen);
#else
	return pg_b64_decode(src, len, dst, dstlen);
#endif
}

/*
 * What clv_decode_timezone found: a fixed-offset abbreviation (*offset set,
 * seconds west of Greenwich as PostgreSQL stores them), a dynamic
 * abbreviation (resolve it per timestamp, as timezone() does) or a full
 * zone name (*tz set).  The values are those of PostgreSQL 16's TZNAME_*.
 */
#define CLV_TZNAME_FIXED_OFFSET 0
#define CLV_TZNAME_DYNTZ		1
#define CLV_TZNAME_ZONE			2

/*
 * Interpret a time zone name as timezone(text, timestamptz) does: an
 * abbreviation first, then a zone of the time zone database.  Unknown names
 * raise PostgreSQL's own error (22023).  Defined in calendar code (it needs
 * the datetime headers); on 16 and later it is DecodeTimezoneName.
 */
extern int	clv_decode_timezone(const char *tzname, int *offset, pg_tz **tz);

#endif							/* CLV_COMPAT_H */
