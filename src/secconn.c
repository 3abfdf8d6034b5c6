/*-------------------------------------------------------------------------
 *
 * secconn.c
 *		Module entry point: each module initialises itself.
 *
 * Loaded through shared_preload_libraries, secconn enforces policies (the
 * ClientAuthentication hook) and tracks every backend in shared memory.
 * Loaded any other way (CREATE EXTENSION, LOAD), it installs no hook and no
 * shared memory: only the label provider, the settings and the functions
 * that need neither, so a policy can still be set and a cipher classified.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "guard.h"
#include "guc.h"
#include "hook.h"
#include "label.h"
#include "policycache.h"
#include "shmem.h"
#include "standby.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	secconn_guc_init();
	secconn_label_init();

	if (!process_shared_preload_libraries_in_progress)
		return;

	secconn_shmem_init();
	secconn_policy_cache_init();
	secconn_guard_init();
	secconn_standby_init();
	secconn_hook_init();
}
