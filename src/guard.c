/*-------------------------------------------------------------------------
 *
 * guard.c
 *		Keep non-superusers from weakening a policy by moving objects around.
 *
 * Only a superuser may set or remove a secconn label (label.c), but core
 * lets other roles create, drop and regroup the objects that carry labels.
 * This module closes the ways that would lift a policy that way:
 *
 *	- Cloning.  CREATE DATABASE d TEMPLATE t copies t's data but no
 *	  security label, so the owner of a labelled database could rename it,
 *	  clone it under the old name and read the copy with no policy.  The
 *	  new database gets the template's secconn label, in the same
 *	  transaction, from an object access hook on OAT_POST_CREATE of a
 *	  database: that is where core (createdb) creates every database, so
 *	  every path that copies one (any TEMPLATE, any STRATEGY) is covered.
 *	  pg_database records no template; the hook finds it by the lock
 *	  createdb holds on it: get_db_info(dbtemplate, ShareLock, ...) in 15
 *	  to 19, and CREATE DATABASE cannot run in a transaction block, so
 *	  the template is the one database this transaction holds ShareLock
 *	  on.  That lock also keeps the template from being renamed or dropped
 *	  meanwhile.  If there is not exactly one, CREATE DATABASE fails
 *	  (closed) rather than create an unlabelled copy.  This is more
 *	  robust than reading the statement's TEMPLATE option in a
 *	  ProcessUtility hook, which another module's hook could bypass and
 *	  which would have to resolve the name again.
 *
 *	- Removing a member from a group that carries a policy (REVOKE g FROM
 *	  u, ALTER GROUP g DROP USER u) and dropping such a group while it has
 *	  members (DROP ROLE deletes its label without calling the label
 *	  provider): both lift the group's policy from its members, so both
 *	  are reserved to superusers.  "Carries a policy" counts the labels of
 *	  the groups g itself belongs to, since those reach the members through
 *	  g too.  Dropping a role without members (other than the one who
 *	  drops it) is not restricted.
 *
 * What a non-superuser can still do is listed in the README ("Threat
 * model").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/objectaccess.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/seclabel.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/catcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "compat.h"
#include "guard.h"
#include "label.h"
#include "policycache.h"

static object_access_hook_type prev_object_access_hook = NULL;
static ProcessUtility_hook_type prev_process_utility_hook = NULL;

/* The database this transaction holds ShareLock on, other than "newdb". */
static Oid
template_of(Oid newdb)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			found = InvalidOid;
	int			nfound = 0;

	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Oid			dbid = ((Form_pg_database) GETSTRUCT(tuple))->oid;
		LOCKTAG		tag;

		if (dbid == newdb)
			continue;
		SET_LOCKTAG_OBJECT(tag, InvalidOid, DatabaseRelationId, dbid, 0);
		if (secconn_lock_held_by_me(&tag, ShareLock))
		{
			found = dbid;
			nfound++;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (nfound != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("secconn cannot tell which template the new database is copied from"),
				 errdetail("secconn copies the template's connection policy to the new database and found %d candidate templates.",
						   nfound)));
	return found;
}

static void
copy_template_label(Oid newdb)
{
	Oid			template = template_of(newdb);
	char	   *label = secconn_get_label(DatabaseRelationId, template);
	ObjectAddress object;

	if (label == NULL)
		return;
	ObjectAddressSet(object, DatabaseRelationId, newdb);
	SetSecurityLabel(&object, SECCONN_PROVIDER, label);
	secconn_policy_cache_note_change();
}

/* Does a secconn label apply to the members of role "roleid"? */
static bool
policy_reaches_members(Oid roleid)
{
	ListCell   *cell;

	foreach(cell, secconn_roles_containing(roleid))
	{
		if (secconn_get_label(AuthIdRelationId, lfirst_oid(cell)) != NULL)
			return true;
	}
	return false;
}

/*
 * Has role "roleid" a member other than the current user?  On 16 and later
 * a CREATEROLE role is itself a member (with ADMIN OPTION) of every role it
 * creates; that alone must not keep it from dropping a login role.
 */
static bool
has_other_members(Oid roleid)
{
	CatCList   *members = SearchSysCacheList1(AUTHMEMROLEMEM,
											  ObjectIdGetDatum(roleid));
	bool		result = false;

	for (int i = 0; i < members->n_members; i++)
	{
		Form_pg_auth_members form =
		(Form_pg_auth_members) GETSTRUCT(&members->members[i]->tuple);

		if (form->member != GetUserId())
			result = true;
	}
	ReleaseSysCacheList(members);
	return result;
}

static void
refuse_lifting(Oid group, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("must be superuser to %s role \"%s\"", what,
					secconn_role_name(group)),
			 errdetail("A secconn connection policy reaches the members of role \"%s\"; this would lift it from them.",
					   secconn_role_name(group)),
			 errhint("Ask a superuser, who can also remove the policy first (SECURITY LABEL FOR secconn ... IS NULL).")));
}

static void
secconn_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					  int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);

	if (access == OAT_POST_CREATE && classId == DatabaseRelationId)
		copy_template_label(objectId);
	else if (access == OAT_DROP && classId == AuthIdRelationId &&
			 !superuser() && has_other_members(objectId) &&
			 policy_reaches_members(objectId))
		refuse_lifting(objectId, "drop");
}

/* A statement removes members from role "group" (InvalidOid: no such role). */
static void
check_member_removal(Oid group)
{
	if (OidIsValid(group) && !superuser() && policy_reaches_members(group))
		refuse_lifting(group, "remove members from");
}

/* secconn's one ProcessUtility hook: the guards, then the policy cache. */
static void
secconn_guard_utility(PlannedStmt *pstmt, const char *queryString,
					  bool readOnlyTree, ProcessUtilityContext context,
					  ParamListInfo params, QueryEnvironment *queryEnv,
					  DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (IsA(parsetree, GrantRoleStmt) &&
		secconn_revokes_membership((GrantRoleStmt *) parsetree))
	{
		ListCell   *cell;

		foreach(cell, ((GrantRoleStmt *) parsetree)->granted_roles)
		{
			AccessPriv *priv = lfirst(cell);

			if (priv->priv_name)
				check_member_removal(get_role_oid(priv->priv_name, true));
		}
	}
	else if (IsA(parsetree, AlterRoleStmt) &&
			 ((AlterRoleStmt *) parsetree)->action < 0)
	{
		AlterRoleStmt *stmt = (AlterRoleStmt *) parsetree;

		/* ALTER GROUP g DROP USER u; a missing role fails in core */
		check_member_removal(get_rolespec_oid(stmt->role, true));
	}
	secconn_policy_cache_note_utility(parsetree);

	if (prev_process_utility_hook)
		prev_process_utility_hook(pstmt, queryString, readOnlyTree, context,
								  params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/* From _PG_init, only while shared_preload_libraries is processed. */
void
secconn_guard_init(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = secconn_object_access;
	prev_process_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = secconn_guard_utility;
}
