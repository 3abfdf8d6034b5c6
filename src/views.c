/*-------------------------------------------------------------------------
 *
 * views.c
 *		SQL-callable functions behind the secconn_* views.
 *
 *	secconn_connection_slots()		secconn_connections (with pg_stat_activity);
 *									_1_1: with the 1.1 certificate columns
 *	secconn_terminate_noncompliant(bool)	1.1: end the sessions that
 *									violate an enforcing policy now
 *	secconn_test_policy(text)		a policy tried on the open sessions
 *	secconn_role_policies()			secconn_roles
 *	secconn_policy_problem(text)	secconn_policies.problem
 *	secconn_rejection_history()		secconn_rejections
 *	secconn_stats_counters()		secconn_stats; _1_1: with
 *									client_certs_expiring
 *	secconn_stats_reset()
 *	secconn_hook_histogram()		the hook-time histograms
 *	secconn_tls_version(), secconn_cipher(), secconn_cipher_bits(),
 *	secconn_cipher_strong(), secconn_auth_mechanism()	this session
 *									(C names secconn_session_*)
 *	secconn_cipher_info(text)		any cipher, classified
 *
 * The functions that read shared memory raise an error when secconn is not
 * preloaded; the others work either way.
 *
 * Versions: the library serves the SQL objects of every extension version
 * it can be updated from, so that installing a new package and running
 * ALTER EXTENSION secconn UPDATE later keeps the old views working in
 * between.  A function whose result grew in a later version keeps its 1.0
 * C entry point with the 1.0 columns and meanings, and gets a new one
 * (suffix _1_1) for the new shape, as pg_stat_statements does.
 *
 * Privacy follows pg_stat_activity: the caller sees a session in full if it
 * has the privileges of pg_read_all_stats or of the session's role
 * (superusers have both); of other sessions, only the pid.  Compliance is
 * computed at read time, against the policies in force at that moment, so
 * that it says who would be rejected on reconnecting.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/crypt.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "catalog.h"
#include "cipher.h"
#include "evaluate.h"
#include "facts.h"
#include "guc.h"
#include "label.h"
#include "shmem.h"

PG_FUNCTION_INFO_V1(secconn_connection_slots);
PG_FUNCTION_INFO_V1(secconn_connection_slots_1_1);
PG_FUNCTION_INFO_V1(secconn_terminate_noncompliant);
PG_FUNCTION_INFO_V1(secconn_test_policy);
PG_FUNCTION_INFO_V1(secconn_role_policies);
PG_FUNCTION_INFO_V1(secconn_policy_problem);
PG_FUNCTION_INFO_V1(secconn_rejection_history);
PG_FUNCTION_INFO_V1(secconn_stats_counters);
PG_FUNCTION_INFO_V1(secconn_stats_counters_1_1);
PG_FUNCTION_INFO_V1(secconn_stats_reset);
PG_FUNCTION_INFO_V1(secconn_hook_histogram);
PG_FUNCTION_INFO_V1(secconn_session_tls_version);
PG_FUNCTION_INFO_V1(secconn_session_cipher);
PG_FUNCTION_INFO_V1(secconn_session_cipher_bits);
PG_FUNCTION_INFO_V1(secconn_session_cipher_strong);
PG_FUNCTION_INFO_V1(secconn_session_auth_mechanism);
PG_FUNCTION_INFO_V1(secconn_cipher_info);

/* Entry points "name" (1.0's columns) and "name_1_1" of impl(fcinfo, v1_1). */
#define SHAPES_1_0_AND_1_1(name, impl) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	return impl(fcinfo, false); \
} \
Datum \
name##_1_1(PG_FUNCTION_ARGS) \
{ \
	return impl(fcinfo, true); \
}

/* Output columns of secconn_connection_slots() */
enum
{
	SLOT_PID,
	SLOT_TRANSPORT,
	SLOT_TLS_VERSION,
	SLOT_CIPHER,
	SLOT_CIPHER_BITS,
	SLOT_CIPHER_STRONG,
	SLOT_AUTH_METHOD,
	SLOT_AUTH_MECHANISM,
	SLOT_CERT_PRESENT,
	SLOT_CERT_VERIFIED,
	SLOT_CLIENT_DN,
	SLOT_COMPLIANT,
	SLOT_VIOLATIONS,
	SLOT_NCOLS_1_0,
	/* 1.1 */
	SLOT_ISSUER_DN = SLOT_NCOLS_1_0,
	SLOT_SERIAL,
	SLOT_NOT_BEFORE,
	SLOT_NOT_AFTER,
	SLOT_NCOLS
};

/* The SQL declaration has the columns this entry point fills. */
static void
check_result_columns(TupleDesc desc, int expected)
{
	if (desc->natts != expected)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("secconn's SQL objects do not match its library"),
				 errdetail("A function returns %d columns where the library has %d.",
						   desc->natts, expected),
				 errhint("Run ALTER EXTENSION secconn UPDATE.")));
}

static void
require_shmem(void)
{
	if (!secconn_shmem_ready())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("secconn must be loaded via \"shared_preload_libraries\""),
				 errdetail("Per-session states, rejections and counters are kept in shared memory, which secconn sets up only when preloaded."),
				 errhint("Add secconn to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/* Set column "col" to the text "s", or leave it NULL when s is NULL. */
static void
set_text(Datum *values, bool *nulls, int col, const char *s)
{
	if (s == NULL)
		return;
	values[col] = CStringGetTextDatum(s);
	nulls[col] = false;
}

/* Set column "col" to "value". */
static void
set_datum(Datum *values, bool *nulls, int col, Datum value)
{
	values[col] = value;
	nulls[col] = false;
}

/* May the current user see everything about a session of "roleid"? */
static bool
may_see_session(bool all_stats, Oid roleid)
{
	return all_stats ||
		(OidIsValid(roleid) && has_privs_of_role(GetUserId(), roleid));
}

/* text[] of the keywords of the SECCONN_REQ_* bits in "violations". */
static Datum
violations_array(int violations)
{
	Datum		elems[SECCONN_NUM_REQS];
	int			n = 0;

	for (int i = 0; i < SECCONN_NUM_REQS; i++)
	{
		if (violations & (1 << i))
			elems[n++] = CStringGetTextDatum(secconn_req_keyword(1 << i));
	}
	if (n == 0)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	return PointerGetDatum(construct_array_builtin(elems, n, TEXTOID));
}

/* The role of a session, even if the hook could not look it up. */
static Oid
session_role(const SecconnSession *session)
{
	if (OidIsValid(session->roleid))
		return session->roleid;
	if (session->facts.role_name[0] == '\0')
		return InvalidOid;
	return secconn_lookup_role(session->facts.role_name, NULL);
}

/*
 * The policies that apply to (role, database) now.  Sessions of the same role
 * and database share them, so they are collected once per call, in the
 * call's memory context, and kept in *seen (not the shared policy cache).
 */
typedef struct CallPolicies
{
	Oid			roleid;
	char		dbname[NAMEDATALEN];
	List	   *policies;
} CallPolicies;

static List *
policies_for(List **seen, MemoryContext cxt, Oid roleid, const char *dbname)
{
	ListCell   *cell;
	CallPolicies *entry;
	MemoryContext oldcxt;
	Oid			dbid = InvalidOid;

	foreach(cell, *seen)
	{
		entry = lfirst(cell);
		if (entry->roleid == roleid && strcmp(entry->dbname, dbname) == 0)
			return entry->policies;
	}

	oldcxt = MemoryContextSwitchTo(cxt);
	entry = palloc(sizeof(CallPolicies));
	entry->roleid = roleid;
	strlcpy(entry->dbname, dbname, sizeof(entry->dbname));
	/* A database with sessions cannot be renamed, so the name still fits. */
	if (dbname[0] != '\0')
		dbid = secconn_lookup_database(dbname);
	entry->policies = secconn_collect_policies(roleid, dbid, dbname);
	*seen = lappend(*seen, entry);
	MemoryContextSwitchTo(oldcxt);
	return entry->policies;
}

/*
 * Compliance with every policy that applies to the session now: a known
 * violation makes it non-compliant; a policy that cannot be evaluated,
 * unknown.
 */
static void
fill_compliance_columns(const SecconnSession *session, List *policies,
						Datum *values, bool *nulls)
{
	SecconnVerdict verdict;
	int			violations;

	secconn_evaluate(policies, &session->facts, secconn_exempt_local, &verdict);
	violations = verdict.enforced | verdict.warned;
	if (violations || !verdict.unevaluable)
		set_datum(values, nulls, SLOT_COMPLIANT, BoolGetDatum(violations == 0));
	set_datum(values, nulls, SLOT_VIOLATIONS, violations_array(violations));
}

/*
 * Fill the columns that describe the connection itself: the 1.0 ones
 * (client_dn in OpenSSL's one-line form, truncated at 255 bytes, as 1.0
 * showed it), or the 1.1 ones (client_dn in full RFC 2253 form, NULL if it
 * does not fit in the slot, never truncated; issuer, serial, validity).
 */
static void
fill_fact_columns(const SecconnFacts *facts, bool v1_1, Datum *values,
				  bool *nulls)
{
	bool		tls = facts->transport == SECCONN_TRANSPORT_TLS;
	const char *version = secconn_tls_version_name(facts->tls_version);
	const char *method = secconn_auth_mech_name(facts->auth_method);
	const char *mechanism = secconn_auth_mech_name(facts->auth_mechanism);

	set_text(values, nulls, SLOT_TRANSPORT,
			 secconn_transport_name(facts->transport));

	if (tls && version)
		set_text(values, nulls, SLOT_TLS_VERSION, version);
	if (tls && facts->cipher[0] != '\0')
	{
		set_text(values, nulls, SLOT_CIPHER, facts->cipher);
		set_datum(values, nulls, SLOT_CIPHER_BITS,
				  Int32GetDatum(facts->cipher_bits));
		set_datum(values, nulls, SLOT_CIPHER_STRONG,
				  BoolGetDatum(facts->cipher_strong));
	}
	set_text(values, nulls, SLOT_AUTH_METHOD, method);
	set_text(values, nulls, SLOT_AUTH_MECHANISM, mechanism);
	set_datum(values, nulls, SLOT_CERT_PRESENT, BoolGetDatum(facts->cert_present));
	set_datum(values, nulls, SLOT_CERT_VERIFIED,
			  BoolGetDatum(facts->cert_present && facts->cert_verified));
	if (!v1_1)
	{
		if (facts->cert_present && facts->client_dn_1_0[0] != '\0')
			set_text(values, nulls, SLOT_CLIENT_DN, facts->client_dn_1_0);
		return;
	}
	if (!facts->cert_present)
		return;
	if (facts->subject_dn_fits)
		set_text(values, nulls, SLOT_CLIENT_DN, facts->subject_dn);
	if (facts->issuer_dn_fits)
		set_text(values, nulls, SLOT_ISSUER_DN, facts->issuer_dn);
	if (facts->serial[0] != '\0')
		set_text(values, nulls, SLOT_SERIAL, facts->serial);
	if (facts->cert_dates_valid)
	{
		set_datum(values, nulls, SLOT_NOT_BEFORE,
				  TimestampTzGetDatum(facts->cert_not_before));
		set_datum(values, nulls, SLOT_NOT_AFTER,
				  TimestampTzGetDatum(facts->cert_not_after));
	}
}

/*
 * One row per client backend or walsender that secconn's hook has seen and
 * that is still alive: the facts recorded at authentication and compliance
 * with the policies in force now.  The view secconn_connections joins
 * pg_stat_activity, which also leaves out backends still authenticating.
 */
static Datum
connection_slots(FunctionCallInfo fcinfo, bool v1_1)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext rowcxt;
	MemoryContext callcxt = CurrentMemoryContext;
	List	   *call_policies = NIL;
	bool		all_stats;
	int			nslots;

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	check_result_columns(rsinfo->setDesc, v1_1 ? SLOT_NCOLS : SLOT_NCOLS_1_0);

	all_stats = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "secconn row",
								   ALLOCSET_DEFAULT_SIZES);
	nslots = secconn_session_slot_count();

	for (int i = 0; i < nslots; i++)
	{
		SecconnSession session;
		Datum		values[SLOT_NCOLS];
		bool		nulls[SLOT_NCOLS];
		MemoryContext oldcxt;
		Oid			roleid;

		if (!secconn_read_session(i, &session))
			continue;

		oldcxt = MemoryContextSwitchTo(rowcxt);
		memset(nulls, true, sizeof(nulls));
		set_datum(values, nulls, SLOT_PID, Int32GetDatum(session.pid));

		roleid = session_role(&session);
		if (may_see_session(all_stats, roleid))
		{
			fill_fact_columns(&session.facts, v1_1, values, nulls);
			fill_compliance_columns(&session,
									policies_for(&call_policies, callcxt,
												 roleid, session.dbname),
									values, nulls);
		}

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}

	MemoryContextDelete(rowcxt);
	return (Datum) 0;
}

/*
 * The 1.0 shape (13 columns) and the 1.1 one (plus client_issuer_dn,
 * client_serial, client_cert_not_before/after).
 */
SHAPES_1_0_AND_1_1(secconn_connection_slots, connection_slots)

/* May the current user terminate a session of "roleid", as pg_terminate_backend decides? */
static bool
may_terminate(Oid roleid)
{
	if (!OidIsValid(roleid))
		return superuser();
	if (superuser_arg(roleid) && !superuser())
		return false;
	return has_privs_of_role(GetUserId(), roleid) ||
		has_privs_of_role(GetUserId(), ROLE_PG_SIGNAL_BACKEND);
}

/* pid, usename, datname, violations, terminated */
static void
put_terminated_row(ReturnSetInfo *rsinfo, const SecconnSession *session,
				   Oid roleid, int enforced, bool terminated)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	char	   *rolname = OidIsValid(roleid) ? secconn_role_name(roleid) : NULL;

	if (rolname == NULL)
		rolname = pstrdup(session->facts.role_name);
	values[0] = Int32GetDatum(session->pid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(rolname));
	if (session->dbname[0] != '\0')
		values[2] = DirectFunctionCall1(namein,
										CStringGetDatum(session->dbname));
	else
		nulls[2] = true;
	values[3] = violations_array(enforced);
	values[4] = BoolGetDatum(terminated);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * secconn_terminate_noncompliant(dry_run boolean DEFAULT true): the open
 * client sessions and walsenders, other than the caller's, that violate a
 * requirement of an enforcing (not mode=warn) policy that applies to them
 * now: pid, usename, datname, violations (of enforcing policies only),
 * terminated.  With dry_run false, each is ended with pg_terminate_backend
 * (which signals and returns: the session ends a moment later), and only
 * while secconn.mode is enforce.  A session whose policies cannot be
 * evaluated (a label that no longer parses) is not listed: secconn never
 * ends a session on a doubt.  EXECUTE is revoked from PUBLIC.
 */
Datum
secconn_terminate_noncompliant(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		dry_run = PG_GETARG_BOOL(0);
	MemoryContext callcxt = CurrentMemoryContext;
	List	   *call_policies = NIL;
	int			nslots;

	require_shmem();
	if (!dry_run && secconn_mode != SECCONN_MODE_ENFORCE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("secconn terminates sessions only while secconn.mode is enforce"),
				 errdetail("secconn.mode is %s: new sessions that violate a policy are admitted, so open ones are not ended either.",
						   secconn_mode == SECCONN_MODE_WARN ? "warn" : "off"),
				 errhint("Set secconn.mode to enforce, or call the function with dry_run => true to list the sessions.")));
	InitMaterializedSRF(fcinfo, 0);

	nslots = secconn_session_slot_count();
	for (int i = 0; i < nslots; i++)
	{
		SecconnSession session;
		Oid			roleid;
		bool		terminated = false;
		SecconnVerdict verdict;

		if (!secconn_read_session(i, &session) || session.pid == MyProcPid)
			continue;

		roleid = session_role(&session);
		secconn_evaluate(policies_for(&call_policies, callcxt, roleid,
									  session.dbname),
						 &session.facts, secconn_exempt_local, &verdict);
		if (verdict.enforced == 0)
			continue;

		if (!dry_run && may_terminate(roleid) &&
			secconn_slot_has_pid(i, session.pid))
			terminated = DatumGetBool(DirectFunctionCall2(pg_terminate_backend,
														  Int32GetDatum(session.pid),
														  Int64GetDatum(0)));

		put_terminated_row(rsinfo, &session, roleid, verdict.enforced,
						   terminated);
	}
	return (Datum) 0;
}

/*
 * secconn_test_policy(policy text): which open sessions would violate this
 * policy (alone, as if it were the only one) if they connected again now.
 * One row per session the caller may see in full.
 */
Datum
secconn_test_policy(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *policy_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	SecconnPolicy policy;
	bool		all_stats;
	int			nslots;

	require_shmem();
	secconn_policy_parse_or_error(policy_text, &policy);
	InitMaterializedSRF(fcinfo, 0);

	all_stats = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	nslots = secconn_session_slot_count();

	for (int i = 0; i < nslots; i++)
	{
		SecconnSession session;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int			violations;

		if (!secconn_read_session(i, &session) ||
			!may_see_session(all_stats, session_role(&session)))
			continue;

		violations = secconn_policy_violations(&policy, &session.facts,
												secconn_exempt_local);
		values[0] = Int32GetDatum(session.pid);
		values[1] = BoolGetDatum(violations == 0);
		values[2] = violations_array(violations);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * secconn_policy_problem(policy text): NULL when the policy is valid, else
 * the sentence SECURITY LABEL would have refused it with.
 */
Datum
secconn_policy_problem(PG_FUNCTION_ARGS)
{
	char	   *policy_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	SecconnPolicy policy;
	SecconnPolicyError error;
	char	   *problem;

	problem = secconn_policy_length_problem(policy_text);
	if (problem == NULL)
	{
		if (secconn_policy_parse(policy_text, &policy, &error))
			PG_RETURN_NULL();
		problem = secconn_policy_error_text(&error);
	}
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}

/* A role's stored secret, classified; NULL when it has none. */
static const char *
password_type_name(const char *secret)
{
	if (secret == NULL || secret[0] == '\0')
		return NULL;
	switch (get_password_type(secret))
	{
		case PASSWORD_TYPE_SCRAM_SHA_256:
			return "scram-sha-256";
		case PASSWORD_TYPE_MD5:
			return "md5";
		case PASSWORD_TYPE_PLAINTEXT:
			return "plaintext";
	}
	return NULL;
}

/*
 * Every policy that applies to the role in some database, with its source:
 * "default: ssl; role alice: min_tls=TLSv1.3; role staff: auth=cert".
 * NULL when none does.  Same list as the hook uses, minus database labels.
 */
static char *
effective_policy_text(Oid roleid)
{
	StringInfoData buf;
	ListCell   *cell;

	initStringInfo(&buf);
	foreach(cell, secconn_collect_policies(roleid, InvalidOid, NULL))
	{
		SecconnAppliedPolicy *applied = lfirst(cell);
		const char *sep = buf.len ? "; " : "";

		if (applied->kind == SECCONN_SOURCE_DEFAULT)
			appendStringInfo(&buf, "%sdefault: %s", sep,
							 secconn_default_policy_text);
		else if (applied->kind == SECCONN_SOURCE_ROLE)
			appendStringInfo(&buf, "%srole %s: %s", sep,
							 quote_identifier(secconn_role_name(applied->object_id)),
							 applied->label);
	}
	return buf.len ? buf.data : NULL;
}

typedef struct RoleRow
{
	Oid			oid;
	NameData	rolname;
	bool		rolcanlogin;
	const char *password_type;
} RoleRow;

/* Every role, read from pg_authid first, so that no scan stays open. */
static List *
read_roles(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *roles = NIL;

	rel = table_open(AuthIdRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_authid form = (Form_pg_authid) GETSTRUCT(tuple);
		RoleRow    *row = palloc0(sizeof(RoleRow));
		bool		isnull;
		Datum		secret;

		row->oid = form->oid;
		row->rolname = form->rolname;
		row->rolcanlogin = form->rolcanlogin;
		secret = heap_getattr(tuple, Anum_pg_authid_rolpassword,
							  RelationGetDescr(rel), &isnull);
		if (!isnull)
			row->password_type = password_type_name(TextDatumGetCString(secret));
		roles = lappend(roles, row);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return roles;
}

/*
 * secconn_role_policies(): one row per role: rolname, rolcanlogin,
 * password_type, policy (its own label), effective_policy.
 */
Datum
secconn_role_policies(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *cell;

	InitMaterializedSRF(fcinfo, 0);

	foreach(cell, read_roles())
	{
		RoleRow    *row = lfirst(cell);
		Datum		values[5];
		bool		nulls[5] = {false, false, true, true, true};
		char	   *label = secconn_get_label(AuthIdRelationId, row->oid);
		char	   *effective = effective_policy_text(row->oid);

		values[0] = CStringGetTextDatum(NameStr(row->rolname));
		values[1] = BoolGetDatum(row->rolcanlogin);
		set_text(values, nulls, 2, row->password_type);
		set_text(values, nulls, 3, label);
		set_text(values, nulls, 4, effective);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static const char *
action_name(SecconnAction action)
{
	switch (action)
	{
		case SECCONN_ACTION_ACCEPTED:
			return "accepted";
		case SECCONN_ACTION_WARNED:
			return "warned";
		case SECCONN_ACTION_REJECTED:
			return "rejected";
	}
	return "unknown";
}

/* secconn_rejection_history(): the ring, oldest first. */
Datum
secconn_rejection_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SecconnEvent *events;
	int			n;

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);

	n = secconn_read_events(&events);
	for (int i = 0; i < n; i++)
	{
		SecconnEvent *e = &events[i];
		Datum		values[13];
		bool		nulls[13];
		const char *version = secconn_tls_version_name(e->tls_version);
		const char *method = secconn_auth_mech_name(e->auth_method);
		const char *mechanism = secconn_auth_mech_name(e->auth_mechanism);

		memset(nulls, true, sizeof(nulls));
		values[0] = Int64GetDatum((int64) e->seq);
		values[1] = TimestampTzGetDatum(e->time);
		values[2] = Int32GetDatum(e->pid);
		values[3] = CStringGetTextDatum(e->role_name);
		nulls[0] = nulls[1] = nulls[2] = nulls[3] = false;
		if (e->dbname[0] != '\0')
			set_text(values, nulls, 4, e->dbname);
		if (e->client_addr[0] != '\0')
			set_datum(values, nulls, 5,
					  DirectFunctionCall1(inet_in, CStringGetDatum(e->client_addr)));
		set_text(values, nulls, 6, secconn_transport_name(e->transport));
		if (e->transport == SECCONN_TRANSPORT_TLS && version)
			set_text(values, nulls, 7, version);
		if (e->transport == SECCONN_TRANSPORT_TLS && e->cipher[0] != '\0')
			set_text(values, nulls, 8, e->cipher);
		set_text(values, nulls, 9, method);
		set_text(values, nulls, 10, mechanism);
		values[11] = CStringGetTextDatum(action_name(e->action));
		values[12] = violations_array(e->violations);
		nulls[11] = nulls[12] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Nanoseconds as (fractional) microseconds. */
static Datum
ns_to_us(int64 ns)
{
	return Float8GetDatum((double) ns / 1000.0);
}

/* One row of counters: 13 columns in 1.0, 1.1 appends client_certs_expiring. */
static Datum
stats_counters(FunctionCallInfo fcinfo, bool v1_1)
{
	TupleDesc	tupdesc;
	SecconnCounters c;
	Datum		values[14];
	bool		nulls[14] = {0};
	int			col = 0;
	int			ncols = v1_1 ? 14 : 13;

	require_shmem();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	check_result_columns(tupdesc, ncols);

	secconn_read_counters(&c);
	values[col++] = Int64GetDatum(c.checked);
	values[col++] = Int64GetDatum(c.accepted);
	values[col++] = Int64GetDatum(c.warned);
	values[col++] = Int64GetDatum(c.rejected);
	for (int i = 0; i < SECCONN_NUM_REQS_1_0; i++)
		values[col++] = Int64GetDatum(c.rejected_by[i]);
	values[col++] = ns_to_us(c.hook_time_total_ns);
	values[col++] = ns_to_us(c.hook_time_max_ns);
	values[col++] = Int64GetDatum(c.policy_cache_hits);
	values[col++] = TimestampTzGetDatum(c.stats_reset);
	if (v1_1)
		values[col++] = Int64GetDatum(c.client_certs_expiring);
	Assert(col == ncols);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

SHAPES_1_0_AND_1_1(secconn_stats_counters, stats_counters)

/*
 * secconn_hook_histogram(): one row per (path, bucket) of the hook-time
 * histograms, cumulative counts as Prometheus has them, and the path's sum.
 */
Datum
secconn_hook_histogram(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SecconnCounters counters;
	static const char *const paths[2] = {"hit", "miss"};

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	check_result_columns(rsinfo->setDesc, 5);
	secconn_read_counters(&counters);

	for (int path = 0; path < 2; path++)
	{
		int64		cumulative = 0;

		for (int b = 0; b < SECCONN_HIST_BUCKETS; b++)
		{
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};

			cumulative += counters.hook_hist[path][b];
			values[0] = CStringGetTextDatum(paths[path]);
			values[1] = Float8GetDatum(b < SECCONN_HIST_BUCKETS - 1 ?
									   secconn_hist_bounds_ns[b] / 1000.0 :
									   get_float8_infinity());
			values[2] = Int64GetDatum(counters.hook_hist[path][b]);
			values[3] = Int64GetDatum(cumulative);
			values[4] = Float8GetDatum(counters.hook_hist_sum_ns[path] / 1000.0);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
	}
	return (Datum) 0;
}

/* secconn_stats_reset(): zero the counters; the rejection ring stays. */
Datum
secconn_stats_reset(PG_FUNCTION_ARGS)
{
	require_shmem();
	secconn_reset_counters();
	PG_RETURN_VOID();
}

/*
 * The current session: what the hook recorded, else (not preloaded, or a
 * process the hook never saw) what the connection has now.
 */
static bool
current_tls_facts(SecconnFacts *facts)
{
	secconn_current_facts(facts);
	return facts->transport == SECCONN_TRANSPORT_TLS;
}

Datum
secconn_session_tls_version(PG_FUNCTION_ARGS)
{
	SecconnFacts facts;
	const char *version;

	if (!current_tls_facts(&facts) ||
		(version = secconn_tls_version_name(facts.tls_version)) == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(version));
}

Datum
secconn_session_cipher(PG_FUNCTION_ARGS)
{
	SecconnFacts facts;

	if (!current_tls_facts(&facts) || facts.cipher[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(facts.cipher));
}

Datum
secconn_session_cipher_bits(PG_FUNCTION_ARGS)
{
	SecconnFacts facts;

	if (!current_tls_facts(&facts) || facts.cipher[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_INT32(facts.cipher_bits);
}

Datum
secconn_session_cipher_strong(PG_FUNCTION_ARGS)
{
	SecconnFacts facts;

	if (!current_tls_facts(&facts) || facts.cipher[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_BOOL(facts.cipher_strong);
}

/*
 * The mechanism that really authenticated this session.  Only the hook can
 * know it (it needs the pg_hba line, gone after authentication), so NULL,
 * with a NOTICE, when the hook did not run.
 */
Datum
secconn_session_auth_mechanism(PG_FUNCTION_ARGS)
{
	SecconnFacts facts;
	const char *name;

	if (!secconn_session_facts_known())
	{
		if (!secconn_shmem_ready())
			ereport(NOTICE,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("secconn is not loaded via \"shared_preload_libraries\""),
					 errdetail("The authentication mechanism is recorded only by secconn's authentication hook."),
					 errhint("Add secconn to shared_preload_libraries in postgresql.conf and restart the server.")));
		else
			ereport(NOTICE,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("secconn did not see this session authenticate"),
					 errdetail("Only client connections are authenticated; background processes are not.")));
		PG_RETURN_NULL();
	}

	secconn_current_facts(&facts);
	name = secconn_auth_mech_name(facts.auth_mechanism);
	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * secconn_cipher_info(name): a cipher, by OpenSSL or RFC name, as OpenSSL
 * describes it, plus whether secconn counts it as strong.  NULL for a name
 * OpenSSL does not know (so that it can run over a column of names).
 */
Datum
secconn_cipher_info(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	SecconnCipherInfo info;
	TupleDesc	tupdesc;
	Datum		values[11];
	bool		nulls[11] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!secconn_cipher_lookup(name, &info))
		PG_RETURN_NULL();

	values[0] = text_or_null(info.name, &nulls[0]);
	values[1] = text_or_null(info.standard_name, &nulls[1]);
	values[2] = text_or_null(info.protocol, &nulls[2]);
	values[3] = text_or_null(info.kx, &nulls[3]);
	values[4] = text_or_null(info.auth, &nulls[4]);
	values[5] = text_or_null(info.enc, &nulls[5]);
	values[6] = text_or_null(info.mac, &nulls[6]);
	values[7] = BoolGetDatum(info.aead);
	values[8] = BoolGetDatum(info.forward_secrecy);
	values[9] = Int32GetDatum(info.bits);
	values[10] = BoolGetDatum(info.strong);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
