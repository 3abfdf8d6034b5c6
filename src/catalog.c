/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		Catalog reads that work before a database is selected.
 *
 * The authentication hook runs inside a transaction but before the backend
 * has chosen a database: only the nailed shared catalogs (pg_database,
 * pg_authid, pg_auth_members, pg_shseclabel) can be read.  On the first
 * connection after a restart, before the shared relcache init file is
 * written, even their indexes cannot be opened, so every scan here passes
 * indexOK = criticalSharedRelcachesBuilt, as postinit.c's GetDatabaseTuple
 * does.  Core's helpers (get_database_oid, GetSecurityLabel) always use the
 * index, and so would lock every user out after a restart.
 *
 * Syscache lookups on pg_authid and pg_auth_members are safe: catcache
 * itself falls back to heap scans for them until the shared relcache is
 * built.
 *
 * The same functions serve the views, in an ordinary session.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "catalog/pg_shseclabel.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/relcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "guc.h"
#include "label.h"

/*
 * The OID of role "rolname", or InvalidOid.  If password is not NULL, set
 * *password to its stored secret (palloc'd), or NULL when it has none.
 */
Oid
secconn_lookup_role(const char *rolname, char **password)
{
	HeapTuple	tuple;
	Oid			roleid;

	if (password)
		*password = NULL;
	tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(rolname));
	if (!HeapTupleIsValid(tuple))
		return InvalidOid;
	roleid = ((Form_pg_authid) GETSTRUCT(tuple))->oid;
	if (password)
	{
		bool		isnull;
		Datum		secret = SysCacheGetAttr(AUTHNAME, tuple,
											 Anum_pg_authid_rolpassword,
											 &isnull);

		if (!isnull)
			*password = TextDatumGetCString(secret);
	}
	ReleaseSysCache(tuple);
	return roleid;
}

/*
 * Find one pg_database row by "key" on index "indexid" (the syscache is not
 * usable before a database is selected); false if there is none.
 */
static bool
find_database(ScanKey key, Oid indexid, Oid *dbid, Oid *owner)
{
	Relation	rel = table_open(DatabaseRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, indexid,
										  criticalSharedRelcachesBuilt,
										  NULL, 1, key);
	HeapTuple	tuple = systable_getnext(scan);
	bool		found = HeapTupleIsValid(tuple);

	if (found)
	{
		*dbid = ((Form_pg_database) GETSTRUCT(tuple))->oid;
		*owner = ((Form_pg_database) GETSTRUCT(tuple))->datdba;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* The OID of database "datname", or InvalidOid. */
Oid
secconn_lookup_database(const char *datname)
{
	ScanKeyData key;
	Oid			dbid;
	Oid			owner;

	ScanKeyInit(&key, Anum_pg_database_datname,
				BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(datname));
	return find_database(&key, DatabaseNameIndexId, &dbid, &owner) ?
		dbid : InvalidOid;
}

/* The secconn label on a shared object, palloc'd, or NULL when none. */
char *
secconn_get_label(Oid classid, Oid objid)
{
	Relation	rel;
	ScanKeyData keys[3];
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *label = NULL;

	ScanKeyInit(&keys[0], Anum_pg_shseclabel_objoid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objid));
	ScanKeyInit(&keys[1], Anum_pg_shseclabel_classoid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(classid));
	ScanKeyInit(&keys[2], Anum_pg_shseclabel_provider,
				BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum(SECCONN_PROVIDER));

	rel = table_open(SharedSecLabelRelationId, AccessShareLock);
	scan = systable_beginscan(rel, SharedSecLabelObjectIndexId,
							  criticalSharedRelcachesBuilt, NULL, 3, keys);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		datum = heap_getattr(tuple, Anum_pg_shseclabel_label,
										 RelationGetDescr(rel), &isnull);

		/* The provider caps labels so they stay inline; refuse anything else. */
		if (!isnull && VARATT_IS_EXTERNAL(DatumGetPointer(datum)))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("secconn label of object %u is stored out of line", objid)));
		if (!isnull)
			label = TextDatumGetCString(datum);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return label;
}

/* The owner of database "dbid", or InvalidOid. */
static Oid
database_owner(Oid dbid)
{
	ScanKeyData key;
	Oid			found_id;
	Oid			owner;

	ScanKeyInit(&key, Anum_pg_database_oid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(dbid));
	return find_database(&key, DatabaseOidIndexId, &found_id, &owner) ?
		owner : InvalidOid;
}

/*
 * Every role that "roleid" is a member of, directly or indirectly, and
 * roleid itself.  Real membership only: unlike is_member_of_role, a
 * superuser is not a member of everything.  As in core, a role that is
 * (or is a member of) "dbowner", the owner of the database connected to,
 * is a member of pg_database_owner.  Visits each role once, so membership
 * loops (impossible today) could not make it spin.
 */
static List *
roles_containing(Oid roleid, Oid dbowner)
{
	List	   *roles = list_make1_oid(roleid);
	ListCell   *cell;

	foreach(cell, roles)
	{
		Oid			member = lfirst_oid(cell);
		CatCList   *memberships;

		if (OidIsValid(dbowner) && member == dbowner)
			roles = list_append_unique_oid(roles, ROLE_PG_DATABASE_OWNER);

		memberships = SearchSysCacheList1(AUTHMEMMEMROLE,
										  ObjectIdGetDatum(member));
		for (int i = 0; i < memberships->n_members; i++)
		{
			HeapTuple	tuple = &memberships->members[i]->tuple;
			Oid			group = ((Form_pg_auth_members) GETSTRUCT(tuple))->roleid;

			roles = list_append_unique_oid(roles, group);
		}
		ReleaseSysCacheList(memberships);
	}
	return roles;
}

/* roleid and every role it is a member of, directly or indirectly. */
List *
secconn_roles_containing(Oid roleid)
{
	return roles_containing(roleid, InvalidOid);
}

/* The name of a role, palloc'd; its OID in digits if it has gone. */
char *
secconn_role_name(Oid roleid)
{
	HeapTuple	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(roleid));
	char	   *name;

	if (!HeapTupleIsValid(tuple))
		return psprintf("%u", roleid);
	name = pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tuple))->rolname));
	ReleaseSysCache(tuple);
	return name;
}

static List *
append_applied(List *policies, SecconnSourceKind kind, Oid objid,
			   const char *name, char *text)
{
	SecconnAppliedPolicy *applied = palloc0(sizeof(SecconnAppliedPolicy));
	SecconnPolicyError error;

	applied->kind = kind;
	applied->object_id = objid;
	if (name)
		strlcpy(applied->object_name, name, sizeof(applied->object_name));
	applied->label = text;
	applied->valid = secconn_policy_parse(text, &applied->policy, &error);
	if (!applied->valid)
		applied->invalid_reason = secconn_policy_error_text(&error);
	return lappend(policies, applied);
}

/* The default policy as a list of one applied policy; NIL when empty. */
List *
secconn_collect_default_policy(void)
{
	SecconnAppliedPolicy *applied;

	if (secconn_default_policy == NULL)
		return NIL;
	applied = palloc0(sizeof(SecconnAppliedPolicy));
	applied->kind = SECCONN_SOURCE_DEFAULT;
	applied->valid = true;
	applied->policy = *secconn_default_policy;
	return list_make1(applied);
}

/*
 * Every policy that applies to a connection of role "roleid" to database
 * "dbid" (InvalidOid for a physical replication connection): the default,
 * the labels on the role and on every role it belongs to (pg_database_owner
 * included when it owns the database), and the label on the database.  A list of palloc'd SecconnAppliedPolicy.
 */
List *
secconn_collect_policies(Oid roleid, Oid dbid, const char *dbname)
{
	List	   *policies = secconn_collect_default_policy();
	ListCell   *cell;

	if (OidIsValid(roleid))
	{
		Oid			dbowner = OidIsValid(dbid) ? database_owner(dbid) : InvalidOid;

		foreach(cell, roles_containing(roleid, dbowner))
		{
			Oid			role = lfirst_oid(cell);
			char	   *label = secconn_get_label(AuthIdRelationId, role);

			/* No name lookup here: a role is named only in messages. */
			if (label)
				policies = append_applied(policies, SECCONN_SOURCE_ROLE,
										  role, NULL, label);
		}
	}

	if (OidIsValid(dbid))
	{
		char	   *label = secconn_get_label(DatabaseRelationId, dbid);

		if (label)
			policies = append_applied(policies, SECCONN_SOURCE_DATABASE,
									  dbid, dbname, label);
	}
	return policies;
}

/* "the default policy", "the label on role "x"", ...; palloc'd. */
char *
secconn_source_description(const SecconnAppliedPolicy *applied)
{
	switch (applied->kind)
	{
		case SECCONN_SOURCE_DEFAULT:
			return pstrdup("the default policy");
		case SECCONN_SOURCE_ROLE:
			return psprintf("the label on role \"%s\"",
							secconn_role_name(applied->object_id));
		case SECCONN_SOURCE_DATABASE:
			return psprintf("the label on database \"%s\"", applied->object_name);
		case SECCONN_SOURCE_CACHE:
			return pstrdup("the cached labels");
	}
	return pstrdup("an unknown source");
}
