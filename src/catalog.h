/*-------------------------------------------------------------------------
 *
 * catalog.h
 *		Catalog reads that work before a database is selected (catalog.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_CATALOG_H
#define SECCONN_CATALOG_H

#include "nodes/pg_list.h"

#include "evaluate.h"

extern Oid	secconn_lookup_role(const char *rolname, char **password);
extern Oid	secconn_lookup_database(const char *datname);
extern char *secconn_get_label(Oid classid, Oid objid);
extern List *secconn_collect_default_policy(void);
extern List *secconn_collect_policies(Oid roleid, Oid dbid, const char *dbname);
extern char *secconn_source_description(const SecconnAppliedPolicy *applied);
extern char *secconn_role_name(Oid roleid);
extern List *secconn_roles_containing(Oid roleid);

#endif							/* SECCONN_CATALOG_H */
