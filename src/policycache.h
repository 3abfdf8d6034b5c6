/*-------------------------------------------------------------------------
 *
 * policycache.h
 *		Shared cache of each (role, database)'s label policies: the
 *		hook's fast path, and its invalidation (policycache.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_POLICYCACHE_H
#define SECCONN_POLICYCACHE_H

#include "libpq/libpq-be.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "storage/lwlock.h"

/* What a valid cache entry says about a connection's role and database. */
typedef struct SecconnCachedPolicies
{
	Oid			roleid;
	bool		secret_is_scram;
	List	   *policies;		/* SecconnAppliedPolicy, without the default */
} SecconnCachedPolicies;

extern void secconn_policy_cache_init(void);
/* the shared region, set up by shmem.c */
extern Size secconn_policy_cache_shmem_size(void);
extern void secconn_policy_cache_shmem_attach(void *block, LWLock *lock,
											  bool found);
extern void secconn_policy_cache_note_change(void);
extern void secconn_policy_cache_bump(void);
extern void secconn_policy_cache_note_utility(Node *parsetree);
extern bool secconn_policy_cache_lookup(Port *port, bool physical,
										SecconnCachedPolicies *cached);
extern uint64 secconn_policy_cache_begin(void);
extern void secconn_policy_cache_store(uint64 generation, Port *port,
									   bool physical, Oid roleid,
									   bool secret_is_scram, List *policies);

#endif							/* SECCONN_POLICYCACHE_H */
