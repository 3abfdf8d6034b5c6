/*-------------------------------------------------------------------------
 *
 * guc.c
 *		secconn.* settings.
 *
 * secconn.mode, secconn.default_policy, secconn.exempt_local and (1.1)
 * secconn.cert_expiry_warning are reloadable (PGC_SIGHUP); secconn.history_size sizes shared memory and is
 * fixed at server start.  The default policy is parsed once, in its check
 * hook, so that a bad value on reload is refused with a log message and the
 * old value (and its parsed form) stays in force.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/memutils.h"

#include "secconn.h"

int			secconn_mode = SECCONN_MODE_ENFORCE;
bool		secconn_exempt_local = true;
int			secconn_history_size = 100;
int			secconn_cert_expiry_warning = 30 * SECS_PER_DAY;
char	   *secconn_default_policy_text = NULL;
const SecconnPolicy *secconn_default_policy = NULL;

/*
 * A bad secconn.default_policy in postgresql.conf at server start would be
 * reported as a WARNING and replaced by the empty policy: the server would
 * run with no default policy at all.  Remember the problem so that
 * secconn_guc_init can refuse to start instead, as PostgreSQL does for a bad
 * core setting.
 */
static char *startup_policy_problem = NULL;

static const struct config_enum_entry mode_options[] = {
	{"enforce", SECCONN_MODE_ENFORCE, false},
	{"warn", SECCONN_MODE_WARN, false},
	{"off", SECCONN_MODE_OFF, false},
	{NULL, 0, false}
};

static bool
check_default_policy(char **newval, void **extra, GucSource source)
{
	SecconnPolicy policy;
	SecconnPolicyError error;
	SecconnPolicy *parsed;

	if (!secconn_policy_parse(*newval ? *newval : "", &policy, &error))
	{
		GUC_check_errdetail("%s", error.detail);
		if (process_shared_preload_libraries_in_progress && !IsUnderPostmaster)
			startup_policy_problem =
				MemoryContextStrdup(TopMemoryContext,
									psprintf("Invalid requirement \"%s\": %s",
											 error.word, error.detail));
		return false;
	}

	parsed = secconn_guc_malloc(sizeof(SecconnPolicy));
	if (parsed == NULL)
		return false;
	memcpy(parsed, &policy, sizeof(SecconnPolicy));
	*extra = parsed;
	return true;
}

static void
assign_default_policy(const char *newval, void *extra)
{
	const SecconnPolicy *policy = (const SecconnPolicy *) extra;

	secconn_default_policy =
		(policy && !secconn_policy_is_empty(policy)) ? policy : NULL;
}

/*
 * secconn.cert_expiry_warning's value in postgresql.conf at server start,
 * before the variable is defined: core would only warn about a bad one and
 * use the default; secconn_guc_init refuses to start instead.  NULL when
 * not set, or not at server start.
 */
static char *
startup_raw_value(const char *name)
{
	const char *raw;

	if (!process_shared_preload_libraries_in_progress || IsUnderPostmaster)
		return NULL;
	raw = GetConfigOption(name, true, false);
	return raw ? MemoryContextStrdup(TopMemoryContext, raw) : NULL;
}

void
secconn_guc_init(void)
{
	char	   *expiry_raw = startup_raw_value("secconn.cert_expiry_warning");
	int			expiry_value;
	const char *expiry_hint = NULL;

	DefineCustomEnumVariable("secconn.mode",
							 "What secconn does with connections that violate a policy.",
							 "enforce rejects them, warn logs them and lets them in, off checks nothing.",
							 &secconn_mode,
							 SECCONN_MODE_ENFORCE,
							 mode_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("secconn.default_policy",
							   "Policy that every connection must satisfy.",
							   "A secconn policy, e.g. 'ssl min_tls=TLSv1.2'. Empty requires nothing.",
							   &secconn_default_policy_text,
							   "",
							   PGC_SIGHUP,
							   0,
							   check_default_policy, assign_default_policy, NULL);

	DefineCustomBoolVariable("secconn.exempt_local",
							 "Lets Unix-domain socket connections satisfy the transport requirements.",
							 "ssl, min_tls, cipher and clientcert count as met on a Unix socket; auth still applies.",
							 &secconn_exempt_local,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("secconn.cert_expiry_warning",
							"Logs and counts admitted sessions whose client certificate expires within this time.",
							"0 turns the warning off.",
							&secconn_cert_expiry_warning,
							30 * SECS_PER_DAY,
							0,
							INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	/* It sizes shared memory, which exists only when preloaded. */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("secconn.history_size",
								"Number of rejected and warned connections kept for secconn_rejections.",
								NULL,
								&secconn_history_size,
								100,
								1,
								100000,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);

	MarkGUCPrefixReserved("secconn");

	if (startup_policy_problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"secconn.default_policy\""),
				 errdetail("%s", startup_policy_problem),
				 errhint("Correct secconn.default_policy; the server does not start without a valid default policy.")));

	if (expiry_raw &&
		(!parse_int(expiry_raw, &expiry_value, GUC_UNIT_S, &expiry_hint) ||
		 expiry_value < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"secconn.cert_expiry_warning\": \"%s\"",
						expiry_raw),
				 errdetail("%s", expiry_hint ? expiry_hint :
						   "The value must be a time of 0 or more, such as 30d, 12h or 0 (off)."),
				 errhint("Correct secconn.cert_expiry_warning; the server does not start with an invalid secconn setting.")));
}
