/*-------------------------------------------------------------------------
 *
 * hook.c
 *		The ClientAuthentication hook: gather, evaluate, decide, record,
 *		report.
 *
 * After core has authenticated a connection (and after any earlier hook),
 * the connection's facts are gathered once, then evaluated against the
 * policies that apply: first those of the shared policy cache
 * (policycache.c), which can only admit; on any doubt, against those read
 * from the catalogs (catalog.c), which decide.  Which policies apply and
 * what their requirements mean is said in catalog.c and policy.c.
 *
 * When a connection is accepted or rejected:
 *	- core rejected it (status != STATUS_OK): secconn does nothing;
 *	- secconn.mode = off: nothing is checked, logged or counted;
 *	- a policy cannot be evaluated: REJECTED in enforce mode (fail closed),
 *	  admitted with a LOG line in warn mode;
 *	- a requirement of a policy without mode=warn is violated: REJECTED
 *	  with FATAL, SQLSTATE 28000, in enforce mode; admitted with one LOG
 *	  line in warn mode;
 *	- only requirements of mode=warn policies are violated: admitted, with
 *	  one LOG line;
 *	- nothing is violated: ACCEPTED silently.
 *
 * The catalog reads run in an internal
 * subtransaction, so that an error in them is caught and turned into a
 * decision (fail closed) instead of escaping as a FATAL without
 * secconn's message.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "libpq/auth.h"
#include "portability/instr_time.h"
#include "replication/walsender.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "catalog.h"
#include "certs.h"
#include "evaluate.h"
#include "facts.h"
#include "guc.h"
#include "hook.h"
#include "policycache.h"
#include "report.h"
#include "shmem.h"

static ClientAuthentication_hook_type prev_client_auth_hook = NULL;

/* What the catalog reads of the full check produced. */
typedef struct CheckResult
{
	Oid			roleid;
	char	   *error;			/* set when the check itself failed */
	List	   *policies;		/* what applies, the default included */
	/* for the policy cache */
	uint64		cache_generation;	/* 0: do not store the result */
	bool		secret_is_scram;
	Oid			dbid;
} CheckResult;

static bool
is_physical_replication(void)
{
	return am_walsender && !am_db_walsender;
}

static int64
elapsed_ns(instr_time start)
{
	instr_time	elapsed;

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	return (int64) (INSTR_TIME_GET_DOUBLE(elapsed) * 1e9);
}

/*
 * Look up the role and database, finish the facts, collect the policies.
 * Any error is caught and returned in result->error.
 */
static void
check_connection(Port *port, SecconnFacts *facts, bool collect,
				 bool scram_at_start, CheckResult *result)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		char	   *password;

		/* Before any catalog read: see policycache.c. */
		if (collect)
			result->cache_generation = secconn_policy_cache_begin();

		result->roleid = secconn_lookup_role(port->user_name, &password);
		result->secret_is_scram = secconn_secret_is_scram(password);
		secconn_gather_auth_facts(port,
								  secconn_md5_line_exchange(port, scram_at_start,
															result->secret_is_scram),
								  facts);
		if (collect)
		{
			if (!is_physical_replication())
				result->dbid = secconn_lookup_database(port->database_name);
			result->policies = secconn_collect_policies(result->roleid,
														result->dbid,
														port->database_name);
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		result->error = edata->message;
	}
	PG_END_TRY();
}

/* Evaluate the policies and decide, as the mode says. */
static void
decide(List *policies, const char *error, const SecconnFacts *facts,
	   SecconnDecision *d)
{
	memset(d, 0, sizeof(*d));
	d->enforce = secconn_mode == SECCONN_MODE_ENFORCE;
	d->error = error;
	d->policies = policies;
	if (error == NULL)
		secconn_evaluate(policies, facts, secconn_exempt_local, &d->verdict);

	if (error || d->verdict.unevaluable)
		d->action = d->enforce ? SECCONN_ACTION_REJECTED : SECCONN_ACTION_WARNED;
	else if (d->verdict.enforced && d->enforce)
		d->action = SECCONN_ACTION_REJECTED;
	else if (d->verdict.enforced | d->verdict.warned)
		d->action = SECCONN_ACTION_WARNED;
	else
		d->action = SECCONN_ACTION_ACCEPTED;
}

/* The session's facts for the session functions and the views. */
static void
publish(Port *port, const SecconnFacts *facts, Oid roleid)
{
	secconn_publish_session(facts, roleid, port->database_name);
	secconn_note_expiring_cert(port, facts);
}

/*
 * The fast path: admit a connection that the policy cache's policies and
 * the default policy show to violate nothing, without reading a catalog.
 * False: take the full check, which alone rejects, warns and explains.
 */
static bool
admitted_from_cache(Port *port, bool scram_at_start, SecconnFacts *facts,
					instr_time start)
{
	SecconnCachedPolicies cached;
	SecconnMd5LineRan ran;
	SecconnDecision d;
	List	   *policies;

	if (!secconn_policy_cache_lookup(port, is_physical_replication(), &cached))
		return false;

	/* What an md5 line ran, told from the secret the entry holds. */
	ran = secconn_md5_line_exchange(port, scram_at_start,
									cached.secret_is_scram);
	if (ran == SECCONN_RAN_UNKNOWN)
		return false;
	secconn_gather_auth_facts(port, ran, facts);

	policies = secconn_collect_default_policy();
	policies = list_concat(policies, cached.policies);
	decide(policies, NULL, facts, &d);
	if (d.action != SECCONN_ACTION_ACCEPTED)
		return false;

	secconn_set_session_facts(facts);
	secconn_count_check(SECCONN_ACTION_ACCEPTED, 0, elapsed_ns(start), true);
	publish(port, facts, cached.roleid);
	return true;
}

/* The full check: policies from the catalogs; fills the policy cache. */
static void
full_check(Port *port, bool scram_at_start, SecconnFacts *facts,
		   instr_time start)
{
	bool		physical = is_physical_replication();
	CheckResult result;
	SecconnDecision d;
	int			violations;

	memset(&result, 0, sizeof(result));
	check_connection(port, facts, secconn_mode != SECCONN_MODE_OFF,
					 scram_at_start, &result);
	secconn_set_session_facts(facts);

	if (secconn_mode == SECCONN_MODE_OFF)
	{
		secconn_publish_session(facts, result.roleid, port->database_name);
		return;
	}

	decide(result.policies, result.error, facts, &d);
	violations = d.verdict.enforced | d.verdict.warned;
	secconn_count_check(d.action, d.action == SECCONN_ACTION_REJECTED ?
						d.verdict.enforced : violations,
						elapsed_ns(start), false);

	/*
	 * A clean result is worth caching.  An unknown role, or a database that
	 * does not exist (core refuses it later), is not.
	 */
	if (d.action == SECCONN_ACTION_ACCEPTED && OidIsValid(result.roleid) &&
		(physical || OidIsValid(result.dbid)))
		secconn_policy_cache_store(result.cache_generation, port, physical,
								   result.roleid, result.secret_is_scram,
								   result.policies);
	if (d.action != SECCONN_ACTION_ACCEPTED)
		secconn_record_event(d.action, facts, port->database_name, violations);
	/* Only admitted sessions appear in secconn_connections. */
	if (d.action != SECCONN_ACTION_REJECTED)
		publish(port, facts, result.roleid);

	secconn_report(port, physical, facts, &d);
}

static void
secconn_client_auth(Port *port, int status)
{
	SecconnFacts facts;
	MemoryContext cxt;
	MemoryContext oldcxt;
	instr_time	start;
	bool		scram_at_start = false;

	/*
	 * Before the previous hook, and before anything that may accept
	 * invalidation messages: which secret core used (see facts.c).
	 */
	if (status == STATUS_OK)
		scram_at_start = secconn_secret_core_used_is_scram(port);

	if (prev_client_auth_hook)
		prev_client_auth_hook(port, status);

	if (status != STATUS_OK)
		return;

	INSTR_TIME_SET_CURRENT(start);
	cxt = AllocSetContextCreate(TopMemoryContext, "secconn check",
								ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	secconn_gather_transport_facts(port, &facts);
	if (secconn_mode == SECCONN_MODE_OFF ||
		!admitted_from_cache(port, scram_at_start, &facts, start))
		full_check(port, scram_at_start, &facts, start);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
}

void
secconn_hook_init(void)
{
	prev_client_auth_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = secconn_client_auth;
}
