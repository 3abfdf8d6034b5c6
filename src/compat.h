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

/*
 * Whether a SCRAM exchange really ran in this session: 18 sets
 * Port.has_scram_keys on every successful SCRAM exchange (auth-scram.c).
 * Before 18 nothing in Port says so; facts.c then compares the stored
 * secret before and after (see secconn_md5_line_exchange).
 */
#if PG_VERSION_NUM >= 180000
#define SECCONN_HAVE_SCRAM_KEYS 1
#define secconn_port_has_scram_keys(port)	((port)->has_scram_keys)
#else
#define SECCONN_HAVE_SCRAM_KEYS 0
#define secconn_port_has_scram_keys(port)	((void) (port), false)
#endif

/*
 * Does this REVOKE remove role memberships?  15 has admin_opt (REVOKE ADMIN
 * OPTION FOR keeps the membership); 16 has a list of options (REVOKE
 * INHERIT / SET / ADMIN OPTION FOR keep it too).
 */
#if PG_VERSION_NUM >= 160000
#define secconn_revokes_membership(stmt)	(!(stmt)->is_grant && (stmt)->opt == NIL)
#else
#define secconn_revokes_membership(stmt)	(!(stmt)->is_grant && !(stmt)->admin_opt)
#endif

/* LockHeldByMe gained "orstronger" in 17; secconn wants the exact mode. */
#if PG_VERSION_NUM >= 170000
#define secconn_lock_held_by_me(tag, mode)	LockHeldByMe((tag), (mode), false)
#else
#define secconn_lock_held_by_me(tag, mode)	LockHeldByMe((tag), (mode))
#endif

#endif							/* SECCONN_COMPAT_H */
