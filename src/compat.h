/*-------------------------------------------------------------------------
 *
 * compat.h
 *		The one place where secconn adapts to PostgreSQL versions.
 *
 * Every PG_VERSION_NUM test lives here, as a macro or a static inline,
 * so that no function body elsewhere needs an #if.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_COMPAT_H
#define SECCONN_COMPAT_H

#include "postgres.h"

#include "miscadmin.h"

#if PG_VERSION_NUM < 150000
#error "secconn requires PostgreSQL 15 or later"
#endif

/* 0-based index of this backend's slot in per-backend arrays. */
#if PG_VERSION_NUM >= 170000
#include "storage/procnumber.h"
#define SECCONN_MY_SLOT_INDEX()		((int) MyProcNumber)
#else
#include "storage/backendid.h"
#define SECCONN_MY_SLOT_INDEX()		((int) MyBackendId - 1)
#endif

/* GUC "extra" blocks: malloc in 15, guc_malloc (with elevel) from 16 on. */
#if PG_VERSION_NUM >= 160000
#define secconn_guc_malloc(size)	guc_malloc(LOG, (size))
#else
#define secconn_guc_malloc(size)	malloc(size)
#endif

/* OAuth is a pg_hba method from 18 on. */
#if PG_VERSION_NUM >= 180000
#define SECCONN_HAVE_OAUTH 1
#else
#define SECCONN_HAVE_OAUTH 0
#endif

#endif							/* SECCONN_COMPAT_H */
