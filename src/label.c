/*-------------------------------------------------------------------------
 *
 * label.c
 *		The "secconn" SECURITY LABEL provider: where policies are stored.
 *
 * Policies are labels on roles and databases, so they are transactional,
 * replicate to standbys and travel with pg_dumpall -g / pg_dump --create.
 *
 * Core checks only that the caller may alter the object (a database owner
 * may label its database, a CREATEROLE role may label roles).  A policy is a
 * security control, so this provider demands superuser for setting and for
 * removing a label, validates the policy, and caps its length so that the
 * label is never TOASTed: the authentication hook reads labels before a
 * database is selected, when a TOAST table cannot be read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/objectaddress.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/seclabel.h"
#include "miscadmin.h"

#include "label.h"
#include "policycache.h"
#include "standby.h"

/*
 * Parse a policy given in SQL, or raise the error SECURITY LABEL raises for
 * it: the same words for a label, and for a policy passed to a function.
 */
void
secconn_policy_parse_or_error(const char *text, SecconnPolicy *policy)
{
	SecconnPolicyError error;
	char	   *too_long = secconn_policy_length_problem(text);

	if (too_long)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("secconn policy is too long"),
				 errdetail("%s", too_long)));

	if (!secconn_policy_parse(text, policy, &error))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid secconn requirement \"%s\"", error.word),
				 errdetail("%s", error.detail)));
}

static void
secconn_object_relabel(const ObjectAddress *object, const char *seclabel)
{
	SecconnPolicy policy;

	if (object->classId != AuthIdRelationId &&
		object->classId != DatabaseRelationId)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("secconn policies can be set only on roles and databases")));

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to set or remove a secconn policy")));

	/* Cached policies must not outlive this change once it commits. */
	secconn_policy_cache_note_change();
	/* ...and on standbys, which see only the commit record. */
	secconn_standby_note_label_change(object->classId);

	if (seclabel == NULL)
		return;

	secconn_policy_parse_or_error(seclabel, &policy);
}

void
secconn_label_init(void)
{
	register_label_provider(SECCONN_PROVIDER, secconn_object_relabel);
}
