/*-------------------------------------------------------------------------
 *
 * hook.c
 *		The ClientAuthentication hook: enforce, warn, count.
 *
 * When a connection is accepted or rejected (after core has authenticated
 * it and after any earlier hook, which is called first):
 *
 *	- Core rejected it (status != STATUS_OK): secconn does nothing.
 *	- secconn.mode = off: nothing is checked, logged or counted; the
 *	  session's facts are still recorded for the views.
 *	- Otherwise every policy that applies (secconn.default_policy, the label
 *	  on the role and on every role it is a member of, the label on the
 *	  database; see catalog.c) is evaluated against the connection's facts
 *	  (see evaluate.c for when each requirement is met).
 *	- A policy cannot be evaluated (its label does not parse, or a catalog
 *	  read failed): in enforce mode the connection is REJECTED (fail closed);
 *	  in warn mode it is admitted and logged.
 *	- A requirement of a policy without mode=warn is violated: in enforce
 *	  mode the connection is REJECTED with FATAL, SQLSTATE 28000; in warn
 *	  mode it is admitted with one LOG line.
 *	- Only requirements of mode=warn policies are violated: admitted, with
 *	  one LOG line.
 *	- Nothing is violated: ACCEPTED silently.
 *	- Admitted (accepted or warned) with a client certificate that expires
 *	  within secconn.cert_expiry_warning: one LOG line, and counted.
 *
 * Before all that, the fast path (policycache.c) admits a connection whose
 * role and database have a valid entry in the shared policy cache and that
 * violates none of the cached policies nor the default policy, without
 * reading a catalog.  It never rejects or warns: any doubt, miss or
 * violation falls through to the full check above, which alone decides
 * against a connection and explains why, and which fills the cache after a
 * clean evaluation.
 *
 * The client sees which requirements it broke and what its connection had;
 * which policy demanded them, and the role, database and address, go only
 * to the server log (errdetail_log).
 *
 * The catalog reads run in an internal subtransaction, so that an error in
 * them is caught, rolled back cleanly, and turned into the decision above
 * instead of escaping as a FATAL without secconn's message.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "libpq/auth.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "replication/walsender.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "secconn.h"

static ClientAuthentication_hook_type prev_client_auth_hook = NULL;

/* What the protected part of the check produced. */
typedef struct CheckResult
{
	Oid			roleid;
	SecconnVerdict verdict;
	char	   *error;			/* set when the check itself failed */
	/* for the policy cache */
	uint64		cache_generation;	/* 0: do not store the result */
	bool		secret_is_scram;
	Oid			dbid;
	List	   *policies;		/* what was evaluated */
} CheckResult;

static bool
is_physical_replication(void)
{
	return am_walsender && !am_db_walsender;
}

/*
 * Look up the role and database, finish the facts, collect and evaluate the
 * policies.  Any error is caught and returned in result->error.
 */
static void
check_connection(Port *port, SecconnFacts *facts, bool evaluate,
				 bool scram_at_start, CheckResult *result)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		char	   *password;
		Oid			dbid = InvalidOid;

		/* Before any catalog read: see policycache.c. */
		if (evaluate)
			result->cache_generation = secconn_policy_cache_begin();

		result->roleid = secconn_lookup_role(port->user_name, &password);
		result->secret_is_scram = secconn_secret_is_scram(password);
		secconn_gather_auth_facts(port,
								  secconn_md5_line_exchange(port, scram_at_start,
															result->secret_is_scram),
								  facts);
		if (evaluate)
		{
			if (!is_physical_replication())
				dbid = secconn_lookup_database(port->database_name);
			result->dbid = dbid;
			result->policies = secconn_collect_policies(result->roleid, dbid,
														port->database_name);
			secconn_evaluate(result->policies, facts, &result->verdict);
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

/* "Connection of role "r" to database "d" from 127.0.0.1." */
static char *
describe_connection(Port *port)
{
	const char *from = port->remote_host ? port->remote_host : "[unknown]";

	if (is_physical_replication())
		return psprintf("Physical replication connection of role \"%s\" from %s.",
						port->user_name, from);
	return psprintf("Connection of role \"%s\" to database \"%s\" from %s.",
					port->user_name, port->database_name, from);
}

/*
 * The fast path (see policycache.c): admit a connection that the policy
 * cache shows to violate nothing, without reading a catalog.  False: take
 * the full check, which alone rejects, warns and explains.
 */
static bool
admitted_from_cache(Port *port, bool scram_at_start, instr_time start)
{
	SecconnFacts facts;
	Oid			roleid;
	instr_time	elapsed;

	if (!secconn_policy_cache_admits(port, is_physical_replication(),
									 scram_at_start, &facts, &roleid))
		return false;

	secconn_session_facts = facts;
	secconn_session_facts_valid = true;
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	secconn_count_check(SECCONN_ACTION_ACCEPTED, 0,
						(int64) (INSTR_TIME_GET_DOUBLE(elapsed) * 1e9), true);
	secconn_publish_session(&facts, roleid, port->database_name);
	secconn_note_expiring_cert(port, &facts);
	return true;
}

static void
secconn_client_auth(Port *port, int status)
{
	SecconnFacts facts;
	CheckResult result;
	MemoryContext cxt;
	MemoryContext oldcxt;
	instr_time	start;
	instr_time	elapsed;
	bool		enforce;
	int			violations;
	SecconnAction action;
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
	if (secconn_mode != SECCONN_MODE_OFF &&
		admitted_from_cache(port, scram_at_start, start))
		return;

	cxt = AllocSetContextCreate(TopMemoryContext, "secconn check",
								ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	memset(&result, 0, sizeof(result));
	secconn_gather_transport_facts(port, &facts);
	check_connection(port, &facts, secconn_mode != SECCONN_MODE_OFF,
					 scram_at_start, &result);

	/* The session's own facts, for the session functions. */
	secconn_session_facts = facts;
	secconn_session_facts_valid = true;

	if (secconn_mode == SECCONN_MODE_OFF)
	{
		secconn_publish_session(&facts, result.roleid, port->database_name);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(cxt);
		return;
	}

	enforce = secconn_mode == SECCONN_MODE_ENFORCE;
	violations = result.verdict.enforced | result.verdict.warned;
	if (result.error || result.verdict.unevaluable)
		action = enforce ? SECCONN_ACTION_REJECTED : SECCONN_ACTION_WARNED;
	else if (result.verdict.enforced && enforce)
		action = SECCONN_ACTION_REJECTED;
	else if (violations)
		action = SECCONN_ACTION_WARNED;
	else
		action = SECCONN_ACTION_ACCEPTED;

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	secconn_count_check(action, action == SECCONN_ACTION_REJECTED ?
						result.verdict.enforced : violations,
						(int64) (INSTR_TIME_GET_DOUBLE(elapsed) * 1e9), false);

	/*
	 * A clean result is worth caching: the next connection with the same
	 * role and database can then take the fast path.  An unknown role, or
	 * a database that does not exist (core refuses it later), is not.
	 */
	if (action == SECCONN_ACTION_ACCEPTED && !result.error &&
		!result.verdict.unevaluable && violations == 0 &&
		OidIsValid(result.roleid) &&
		(is_physical_replication() || OidIsValid(result.dbid)))
		secconn_policy_cache_store(result.cache_generation, port,
								   is_physical_replication(), result.roleid,
								   result.secret_is_scram, result.policies);
	if (action != SECCONN_ACTION_ACCEPTED)
		secconn_record_event(action, &facts, port->database_name, violations);
	/* Only admitted sessions appear in secconn_connections. */
	if (action != SECCONN_ACTION_REJECTED)
	{
		secconn_publish_session(&facts, result.roleid, port->database_name);
		secconn_note_expiring_cert(port, &facts);
	}

	if (result.error || result.verdict.unevaluable)
	{
		char	   *reason = result.error ?
			psprintf("The check failed: %s", result.error) :
			result.verdict.log_detail;

		ereport(enforce ? FATAL : LOG,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 enforce ?
				 errmsg("connection rejected: secconn could not evaluate its policy") :
				 errmsg("secconn could not evaluate its policy, connection admitted in warn mode"),
				 errdetail("A connection policy that applies to this connection could not be evaluated."),
				 errdetail_log("%s\n%s", reason, describe_connection(port)),
				 errhint("A superuser can inspect and correct the secconn labels (view secconn_policies).")));
	}
	else if (action == SECCONN_ACTION_REJECTED)
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("connection rejected by secconn policy"),
				 errdetail("%s", result.verdict.client_detail),
				 errdetail_log("%s\n%s", result.verdict.log_detail,
							   describe_connection(port)),
				 errhint("%s", result.verdict.hint)));
	else if (action == SECCONN_ACTION_WARNED)
		ereport(LOG,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("secconn policy violated, connection admitted in warn mode"),
				 errdetail("%s\n%s", result.verdict.log_detail,
						   describe_connection(port))));

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
}

void
secconn_hook_init(void)
{
	prev_client_auth_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = secconn_client_auth;
}
