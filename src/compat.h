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
#include "nodes/pg_list.h"

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
 * PostgreSQL 19's pg_hosts.conf (server-side SNI, with ssl_sni on) names
 * more certificate files: secconn_load_pg_hosts() reads it with core's own
 * parser (load_hosts, which reads hosts_file, a PGC_POSTMASTER setting) and
 * returns the certificate and CA file of each line.  False, with *problem
 * set, when the file does not load; true with NIL when it is missing or
 * empty (the server then uses ssl_cert_file), and always on older versions.
 */
typedef struct SecconnHostsLine
{
	char	   *file;			/* the hosts file */
	int			line;
	char	   *ssl_cert;
	char	   *ssl_ca;			/* NULL: none */
} SecconnHostsLine;

#if PG_VERSION_NUM >= 190000
#include "libpq/hba.h"
#include "libpq/libpq.h"
#define SECCONN_HAVE_PG_HOSTS 1

static inline bool
secconn_load_pg_hosts(List **lines, char **problem)
{
	List	   *hosts = NIL;
	ListCell   *cell;

	*lines = NIL;
	switch (load_hosts(&hosts, problem))
	{
		case HOSTSFILE_LOAD_OK:
			break;
		case HOSTSFILE_LOAD_FAILED:
			return false;
		default:
			return true;
	}
	foreach(cell, hosts)
	{
		HostsLine  *host = lfirst(cell);
		SecconnHostsLine *line = palloc0(sizeof(SecconnHostsLine));

		line->file = host->sourcefile;
		line->line = host->linenumber;
		line->ssl_cert = host->ssl_cert;
		line->ssl_ca = host->ssl_ca;
		*lines = lappend(*lines, line);
	}
	return true;
}
#else
#define SECCONN_HAVE_PG_HOSTS 0

static inline bool
secconn_load_pg_hosts(List **lines, char **problem)
{
	*lines = NIL;
	return true;
}
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
