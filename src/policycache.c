/*-------------------------------------------------------------------------
 *
 * policycache.c
 *		Shared cache of the label policies of each (role, database), so that
 *		the authentication hook can admit a compliant connection without
 *		reading a catalog.
 *
 * A freshly forked backend has cold catalog caches: collecting the policies
 * (memberships, pg_shseclabel scans, a subtransaction) costs far more than
 * evaluating them.  So the hook first tries a fast path: it looks up
 * (role name, database name) here and, when an entry is valid, evaluates
 * the connection's facts against the entry's merged policies and the live
 * default policy.  Only a connection with no violation of any kind is
 * admitted that way; anything else (no entry, a stale one, a violation)
 * goes through the full check in hook.c, which produces the exact messages
 * and, when it admits a connection cleanly, stores its result here.  The
 * fast path never rejects and never reports anything below FATAL.
 *
 * An entry holds, for one key, the role's OID, whether its stored secret is
 * a SCRAM secret (an md5 pg_hba line then runs SCRAM), and the merged
 * requirements of the role's own label, its groups' labels and the
 * database's label: one merge for the enforcing labels and one for the
 * mode=warn labels.  Merging keeps "no violation of the merge" equivalent
 * to "no violation of any label": ssl and cipher=strong are OR'ed, min_tls
 * and clientcert take the strictest, auth= masks are intersected.  A label
 * with cipher=LIST, a pinned DN (cert_issuer=, cert_subject=), or auth=
 * masks with an empty intersection, cannot be merged that way: such an
 * entry is "slow only" and the fast path always
 * declines it.  The default policy is never merged (it is a reloadable
 * setting, evaluated on every connection).
 *
 * Validity: one generation counter, in shared memory.  An entry is valid
 * only while its generation equals the current one; bumping the counter
 * invalidates every entry at once.  The full check reads the generation
 * BEFORE it reads any catalog (and first accepts pending invalidation
 * messages and drops its catalog snapshot, so that it reads the current
 * catalogs, not its catalog caches of before), and stores its result only
 * under that generation, and only if the generation has not moved by then.
 * So an entry can only be valid if no bump happened since its catalog reads
 * began, and the rule for writers is: bump strictly AFTER a relevant change
 * is visible to new snapshots AND its invalidation messages are queued.
 *
 * What bumps the generation:
 *	- The label provider (label.c) marks the transaction as "pending" on
 *	  every secconn SECURITY LABEL, set or removed, on a role or database.
 *	  A label change sends no catalog cache invalidation (pg_shseclabel has
 *	  no syscache), so this flag is the only way to see it.
 *	- Syscache callbacks on pg_authid (AUTHOID), pg_auth_members
 *	  (AUTHMEMMEMROLE, AUTHMEMROLEMEM) and pg_database (DATABASEOID) mark
 *	  the transaction pending and bump at once.  In the backend that makes
 *	  the change they run at CommandCounterIncrement, before the commit,
 *	  which is why they also set the flag; in every other backend they run
 *	  when it processes the committed invalidation, which is after the
 *	  change became visible.  This covers CREATE/ALTER/DROP ROLE (rename,
 *	  password, DROP deleting the role's label without calling the
 *	  provider), GRANT/REVOKE of role membership and CREATE/ALTER/DROP
 *	  DATABASE, and a catalog cache reset (sinval overflow), which calls
 *	  every callback.
 *	- At the end of a transaction that is pending: XACT_EVENT_COMMIT (and
 *	  every other end event: PARALLEL_COMMIT, PREPARE, ABORT) bumps and
 *	  clears the flag.  In PostgreSQL 15 CommitTransaction (xact.c) runs
 *	  ProcArrayEndTransaction, so the change is visible to new snapshots,
 *	  and only then CallXactCallbacks(XACT_EVENT_COMMIT); but
 *	  AtEOXact_Inval, which queues the shared invalidation messages, runs
 *	  after the callbacks.  A connecting backend that read the bumped
 *	  generation could therefore still use a catalog cache entry it loaded
 *	  before the commit (core looks the role up during authentication, and
 *	  the messages that would flush it are not queued yet).  So a commit
 *	  also bumps a second time from a resource-owner release callback at
 *	  RESOURCE_RELEASE_AFTER_LOCKS of the top transaction, which runs after
 *	  AtEOXact_Inval.  Both bumps happen before the client is told that the
 *	  commit succeeded, so a connection attempted after that is checked
 *	  against the new catalogs.
 *	- COMMIT PREPARED: the backend that commits a prepared transaction did
 *	  not run its SECURITY LABEL or DDL, so a ProcessUtility hook marks
 *	  that transaction pending; its own commit (after the prepared
 *	  transaction's commit is visible and its invalidations are queued,
 *	  both inside FinishPreparedTransaction) then bumps.
 *	- Reloading secconn.mode, secconn.default_policy or
 *	  secconn.exempt_local needs no bump: the fast path reads them live.
 *	- During recovery (a hot standby) catalog changes arrive by WAL replay,
 *	  which runs no secconn code: standby.c's worker bumps from the
 *	  invalidation messages of the replayed commits, and an entry is
 *	  served during recovery only while standby.c says that the replay
 *	  position is covered.  Entries filled during recovery are never
 *	  served after a promotion.
 *
 * Known gaps, by design:
 *	- A label written straight into pg_shseclabel (allow_system_table_mods)
 *	  bypasses the provider and sends no syscache invalidation: an entry
 *	  cached before it stays valid until the next bump.  Nothing else
 *	  writes pg_shseclabel.
 *	- Between ProcArrayEndTransaction and the first bump (a few
 *	  instructions in the committing backend) a connection can still be
 *	  admitted under the old policy; its client could not have known of
 *	  the commit yet, as it is not acknowledged.
 *
 * Locking: the table is protected by its own LWLock, shared to look an
 * entry up (copied out under the lock), exclusive to store one.  The
 * generation is a pg_atomic_uint64 read and bumped without the lock; the
 * fast path reads it after a full memory barrier (see find_entry for why
 * no stale allow can pass).  An entry
 * whose generation is stale is free to be overwritten.
 *
 * Size: SECCONN_POLICY_CACHE_ENTRIES entries; a key probes
 * SECCONN_POLICY_CACHE_PROBES consecutive entries, and when all of them are
 * valid and taken, storing overwrites the first one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "common/hashfn.h"
#include "libpq/crypt.h"
#include "nodes/parsenodes.h"
#include "port/atomics.h"
#include "storage/lwlock.h"
#include "utils/inval.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "evaluate.h"
#include "facts.h"
#include "policycache.h"
#include "standby.h"

#define SECCONN_POLICY_CACHE_ENTRIES	1024	/* a power of two */
#define SECCONN_POLICY_CACHE_PROBES		8

/* The merged requirements of several policies (see the file header). */
typedef struct MergedPolicy
{
	bool		require_ssl;
	bool		cipher_strong;
	SecconnTlsVersion min_tls;
	SecconnCertReq clientcert;
	uint32		auth_mask;		/* 0: any */
} MergedPolicy;

typedef struct CacheEntry
{
	uint64		generation;		/* 0: never used */
	uint32		hash;
	bool		physical;		/* physical replication (dbname is "") */
	bool		slow_only;		/* the fast path must decline it */
	bool		secret_is_scram;
	Oid			roleid;
	char		role_name[NAMEDATALEN];
	char		dbname[NAMEDATALEN];
	MergedPolicy enforced;		/* labels without mode=warn */
	MergedPolicy warned;		/* mode=warn labels */
	bool		in_recovery;	/* filled during recovery: see standby.c */
} CacheEntry;

typedef struct PolicyCache
{
	LWLock	   *lock;			/* protects entries[] */
	pg_atomic_uint64 generation;	/* starts at 1 */
	CacheEntry	entries[SECCONN_POLICY_CACHE_ENTRIES];
} PolicyCache;

static PolicyCache *cache = NULL;

/* This transaction changed something a cache entry may depend on. */
static bool change_pending = false;

/* Bump once more after this commit's invalidation messages are queued. */
static bool bump_after_inval = false;

/* Did the last secconn_policy_cache_begin run during recovery? */
static bool begun_in_recovery = false;

static void
bump_generation(void)
{
	if (cache != NULL)
		pg_atomic_fetch_add_u64(&cache->generation, 1);
}

/* Invalidate every entry now (standby.c). */
void
secconn_policy_cache_bump(void)
{
	bump_generation();
}

/* ---- shared memory (set up by shmem.c) ---- */

Size
secconn_policy_cache_shmem_size(void)
{
	return MAXALIGN(sizeof(PolicyCache));
}

void
secconn_policy_cache_shmem_attach(void *block, LWLock *lock, bool found)
{
	cache = block;
	if (!found)
	{
		memset(cache, 0, sizeof(PolicyCache));
		cache->lock = lock;
		pg_atomic_init_u64(&cache->generation, 1);
	}
}

/* ---- invalidation ---- */

/* The label provider: a secconn label is being set or removed. */
void
secconn_policy_cache_note_change(void)
{
	change_pending = true;
}

static void
syscache_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	change_pending = true;
	bump_generation();
}

static void
xact_ended(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
			if (change_pending)
			{
				bump_generation();
				bump_after_inval = true;
			}
			change_pending = false;
			break;
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:

			/*
			 * After an abort the bump is usually not needed, but it costs
			 * one full check per cached key, and it covers a commit that an
			 * error in another module's XACT_EVENT_COMMIT callback (run
			 * before ours) turned into an abort after the commit record.
			 */
			if (change_pending)
				bump_generation();
			change_pending = false;
			break;
		default:
			break;
	}
}

/* After AtEOXact_Inval of a committing top transaction; see file header. */
static void
resources_released(ResourceReleasePhase phase, bool isCommit,
				   bool isTopLevel, void *arg)
{
	if (phase != RESOURCE_RELEASE_AFTER_LOCKS || !isTopLevel)
		return;
	if (bump_after_inval && isCommit)
		bump_generation();
	bump_after_inval = false;
}

/* From guard.c's ProcessUtility hook, before the statement runs. */
void
secconn_policy_cache_note_utility(Node *parsetree)
{
	/* The prepared transaction may have changed labels, roles, databases. */
	if (IsA(parsetree, TransactionStmt) &&
		((TransactionStmt *) parsetree)->kind == TRANS_STMT_COMMIT_PREPARED)
		change_pending = true;
}

/* From _PG_init, only while shared_preload_libraries is processed. */
void
secconn_policy_cache_init(void)
{
	CacheRegisterSyscacheCallback(AUTHOID, syscache_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMMEMROLE, syscache_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, syscache_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(DATABASEOID, syscache_changed, (Datum) 0);
	RegisterXactCallback(xact_ended, NULL);
	RegisterResourceReleaseCallback(resources_released, NULL);
}

/* ---- lookup and store ---- */

/* The cache key of a connection: its role and database names. */
static void
connection_key(Port *port, bool physical, const char **role_name,
			   const char **dbname)
{
	*role_name = port->user_name ? port->user_name : "";
	*dbname = physical || port->database_name == NULL ? "" :
		port->database_name;
}

static uint32
key_hash(const char *role_name, const char *dbname, bool physical)
{
	uint32		h = hash_bytes((const unsigned char *) role_name,
							   strlen(role_name));

	h = hash_combine(h, hash_bytes((const unsigned char *) dbname,
								   strlen(dbname)));
	return h ^ (physical ? 1 : 0);
}

static bool
key_matches(const CacheEntry *entry, uint32 hash, const char *role_name,
			const char *dbname, bool physical)
{
	return entry->hash == hash && entry->physical == physical &&
		strcmp(entry->role_name, role_name) == 0 &&
		strcmp(entry->dbname, dbname) == 0;
}

/* A merged policy as an applied policy, for secconn_evaluate. */
static SecconnAppliedPolicy *
unmerge(const MergedPolicy *merged, bool warn_only)
{
	SecconnAppliedPolicy *applied = palloc0(sizeof(SecconnAppliedPolicy));
	SecconnPolicy *policy = &applied->policy;

	/* cipher lists and pins are never merged: see merge_policy */
	applied->kind = SECCONN_SOURCE_CACHE;
	applied->valid = true;
	policy->require_ssl = merged->require_ssl;
	policy->min_tls = merged->min_tls;
	policy->cipher = merged->cipher_strong ? SECCONN_CIPHER_STRONG :
		SECCONN_CIPHER_ANY;
	policy->clientcert = merged->clientcert;
	policy->auth_mask = merged->auth_mask;
	policy->warn_only = warn_only;
	return applied;
}

/*
 * May the fast path serve an entry now?  Not without shared memory; during
 * recovery only while standby.c says so (it ends with a barrier, before
 * the caller reads the generation).  *recovery: whether we are in
 * recovery, which an entry must match.
 */
static bool
lookup_usable(bool *recovery)
{
	if (cache == NULL)
		return false;
	*recovery = RecoveryInProgress();
	return !*recovery || secconn_standby_cache_current();
}

/*
 * Copy out the valid entry for a key, filled in recovery or not as
 * "recovery" says; false if there is none.
 */
static bool
find_entry(const char *role_name, const char *dbname, bool physical,
		   bool recovery, CacheEntry *entry)
{
	uint64		generation;
	uint32		hash;
	uint32		first;
	bool		found = false;

	/*
	 * No stale allow can pass: every bump is a pg_atomic_fetch_add_u64, a
	 * full barrier, made after the change is visible and before its commit
	 * is acknowledged; this full barrier orders our read of the generation
	 * after everything this backend did before (it received the startup
	 * packet, so the connection began after that acknowledgement), so the
	 * read returns that bump or a later one; and an entry carries the
	 * generation it was stored under, compared below under the lock (whose
	 * acquisition orders the entry reads after this read), while stores
	 * re-check the generation under the exclusive lock: an entry that
	 * predates a bump never matches a generation read after it.
	 */
	pg_memory_barrier();
	generation = pg_atomic_read_u64(&cache->generation);
	hash = key_hash(role_name, dbname, physical);
	first = hash & (SECCONN_POLICY_CACHE_ENTRIES - 1);

	LWLockAcquire(cache->lock, LW_SHARED);
	for (int i = 0; i < SECCONN_POLICY_CACHE_PROBES; i++)
	{
		const CacheEntry *e =
		&cache->entries[(first + i) & (SECCONN_POLICY_CACHE_ENTRIES - 1)];

		if (e->generation == generation && e->in_recovery == recovery &&
			key_matches(e, hash, role_name, dbname, physical))
		{
			*entry = *e;
			found = true;
			break;
		}
	}
	LWLockRelease(cache->lock);
	return found;
}

/*
 * The fast path's policies: true if the cache holds a valid entry for this
 * connection that can be evaluated there (not "slow only"); then *cached
 * holds its role, the type of its secret and its merged policies (the
 * default policy is not cached: the caller adds it live).  Reads no
 * catalog and reports nothing.
 */
bool
secconn_policy_cache_lookup(Port *port, bool physical,
							SecconnCachedPolicies *cached)
{
	const char *role_name;
	const char *dbname;
	CacheEntry	entry;
	bool		recovery;

	if (!lookup_usable(&recovery))
		return false;
	connection_key(port, physical, &role_name, &dbname);
	if (!find_entry(role_name, dbname, physical, recovery, &entry) ||
		entry.slow_only)
		return false;

	cached->roleid = entry.roleid;
	cached->secret_is_scram = entry.secret_is_scram;
	cached->policies = list_make2(unmerge(&entry.enforced, false),
								  unmerge(&entry.warned, true));
	return true;
}

/*
 * Called by the full check before it reads any catalog: the generation its
 * result may be stored under, or 0 when it must not be stored.  Accepts
 * the invalidation messages queued so far and drops the catalog snapshot,
 * so that what it reads next is at least as new as that generation.
 */
uint64
secconn_policy_cache_begin(void)
{
	uint64		generation;

	if (cache == NULL)
		return 0;
	/* Decided here, before the reads: see standby.c. */
	begun_in_recovery = RecoveryInProgress();
	generation = pg_atomic_read_u64(&cache->generation);
	pg_memory_barrier();
	AcceptInvalidationMessages();
	InvalidateCatalogSnapshot();
	return generation;
}

/* Fold one valid policy into a merge; false if it cannot be merged. */
static bool
merge_policy(MergedPolicy *merged, const SecconnPolicy *policy)
{
	/*
	 * A cipher list or a pinned DN would need its text in the entry (up to
	 * a policy's length each): such entries are slow only, so a pinned
	 * role always takes the full check.
	 */
	if (policy->cipher == SECCONN_CIPHER_LIST ||
		policy->cert_issuer[0] != '\0' || policy->cert_subject[0] != '\0')
		return false;
	merged->require_ssl |= policy->require_ssl;
	merged->cipher_strong |= policy->cipher == SECCONN_CIPHER_STRONG;
	merged->min_tls = Max(merged->min_tls, policy->min_tls);
	merged->clientcert = Max(merged->clientcert, policy->clientcert);
	if (policy->auth_mask != 0)
	{
		merged->auth_mask = merged->auth_mask == 0 ? policy->auth_mask :
			merged->auth_mask & policy->auth_mask;
		/* Nothing could pass: not expressible as a mask (0 is "any"). */
		if (merged->auth_mask == 0)
			return false;
	}
	return true;
}

/* Write an entry, unless the generation moved since its catalog reads. */
static void
store_entry(const CacheEntry *entry)
{
	uint32		first = entry->hash & (SECCONN_POLICY_CACHE_ENTRIES - 1);
	CacheEntry *slot = NULL;

	LWLockAcquire(cache->lock, LW_EXCLUSIVE);
	if (pg_atomic_read_u64(&cache->generation) == entry->generation)
	{
		for (int i = 0; i < SECCONN_POLICY_CACHE_PROBES; i++)
		{
			CacheEntry *e =
			&cache->entries[(first + i) & (SECCONN_POLICY_CACHE_ENTRIES - 1)];

			/* Our own key (any generation), else the first free entry. */
			if (key_matches(e, entry->hash, entry->role_name, entry->dbname,
							entry->physical))
			{
				slot = e;
				break;
			}
			if (slot == NULL && e->generation != entry->generation)
				slot = e;
		}
		if (slot == NULL)
			slot = &cache->entries[first];
		*slot = *entry;
	}
	LWLockRelease(cache->lock);
}

/*
 * Store the result of a full check that admitted the connection with no
 * violation and no error.  "policies" is the list it evaluated (see
 * secconn_collect_policies); "generation" what secconn_policy_cache_begin
 * returned before its catalog reads.  Does nothing if the generation has
 * moved since.
 */
void
secconn_policy_cache_store(uint64 generation, Port *port, bool physical,
						   Oid roleid, bool secret_is_scram, List *policies)
{
	const char *role_name;
	const char *dbname;
	CacheEntry	entry;
	ListCell   *cell;

	connection_key(port, physical, &role_name, &dbname);
	if (generation == 0 || cache == NULL || !OidIsValid(roleid) ||
		strlen(role_name) >= NAMEDATALEN || strlen(dbname) >= NAMEDATALEN)
		return;

	memset(&entry, 0, sizeof(entry));
	entry.generation = generation;
	entry.hash = key_hash(role_name, dbname, physical);
	entry.physical = physical;
	entry.secret_is_scram = secret_is_scram;
	entry.roleid = roleid;
	entry.in_recovery = begun_in_recovery;
	strlcpy(entry.role_name, role_name, sizeof(entry.role_name));
	strlcpy(entry.dbname, dbname, sizeof(entry.dbname));

	foreach(cell, policies)
	{
		SecconnAppliedPolicy *applied = lfirst(cell);

		/* The default policy is evaluated live, never cached. */
		if (applied->kind == SECCONN_SOURCE_DEFAULT)
			continue;
		if (!applied->valid ||
			!merge_policy(applied->policy.warn_only ? &entry.warned :
						  &entry.enforced, &applied->policy))
			entry.slow_only = true;
	}

	store_entry(&entry);
}
