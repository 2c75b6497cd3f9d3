/*-------------------------------------------------------------------------
 *
 * clv.c
 *	  Module entry point of the clv extension: PG_MODULE_MAGIC, GUCs and
 *	  the state-memory limit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "clv.h"

CLV_MODULE_MAGIC;

/* clv.max_state_memory in kB; default 1 GB */
int			clv_max_state_memory_kb = 1024 * 1024;

void		_PG_init(void);

/* Register the GUCs */
void
_PG_init(void)
{
	DefineCustomIntVariable("clv.max_state_memory",
							"Largest amount of memory one clv aggregate state may use.",
							"An aggregate whose state would grow past this raises an error "
							"instead of exhausting the server's memory.  Each parallel worker "
							"and each group has its own state.",
							&clv_max_state_memory_kb,
							1024 * 1024,
							64,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("clv");
}

/* Raise 54000 if a state would grow past clv.max_state_memory */
void
clv_check_state_memory(Size newsize, const char *what)
{
	if (newsize / 1024 > (Size) clv_max_state_memory_kb)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s state would exceed clv.max_state_memory (%d kB)",
						what, clv_max_state_memory_kb),
				 errdetail("The state needs %zu kB.", newsize / 1024),
				 errhint("Raise clv.max_state_memory, or aggregate per customer first "
						 "(GROUP BY customer_id) and combine the results, "
						 "or split the input with GROUP BY.")));
}
