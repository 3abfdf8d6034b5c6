/*-------------------------------------------------------------------------
 *
 * guc.c
 *		secconn.* settings.
 *
 * secconn.mode, secconn.default_policy, secconn.exempt_local and (1.1)
 * secconn.cert_expiry_warning are reloadable (PGC_SIGHUP);
 * secconn.history_size sizes shared memory and is fixed at server start.
 * The default policy is parsed once, in its check hook, so that a bad
 * value on reload is refused with a log message and the old value (and its
 * parsed form) stays in force.
 *
 * At server start PostgreSQL only warns about an invalid value of a custom
 * setting and uses its default, which for secconn would be laxer
 * (secconn.exempt_local = 'offf' would run with on).  So secconn checks the
 * value each secconn.* setting was given itself and refuses to start,
 * naming the setting and the value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/memutils.h"

#include "compat.h"
#include "guc.h"

int			secconn_mode = SECCONN_MODE_ENFORCE;
bool		secconn_exempt_local = true;
int			secconn_history_size = 100;
int			secconn_cert_expiry_warning = 30 * SECS_PER_DAY;
char	   *secconn_default_policy_text = NULL;
const SecconnPolicy *secconn_default_policy = NULL;

/*
 * Why secconn.default_policy's value at server start is invalid (set by its
 * check hook), for the message that refuses the start.
 */
static char *startup_policy_problem = NULL;

/*
 * Every secconn.* setting, and what a valid value is: the start-up check
 * covers each one listed here, so a new setting must be added.
 */
typedef struct StartupSetting
{
	const char *name;
	const char *valid;			/* a sentence; NULL: the check hook says */
	char	   *raw;			/* the value given at start, or NULL */
} StartupSetting;

static StartupSetting startup_settings[] = {
	{"secconn.mode", "Valid values are \"enforce\", \"warn\" and \"off\".", NULL},
	{"secconn.default_policy", NULL, NULL},
	{"secconn.exempt_local", "A Boolean value is required, such as \"on\" or \"off\".", NULL},
	{"secconn.history_size", "An integer from 1 to 100000 is required.", NULL},
	{"secconn.cert_expiry_warning", "A time of 0 or more is required, such as 30d, 12h or 0 (off).", NULL},
};

/* Before the settings are defined: the values given, as placeholders hold them. */
static void
capture_startup_values(void)
{
	for (size_t i = 0; i < lengthof(startup_settings); i++)
	{
		const char *raw = GetConfigOption(startup_settings[i].name, true, false);

		if (raw != NULL)
			startup_settings[i].raw = MemoryContextStrdup(TopMemoryContext, raw);
	}
}

/*
 * After they are defined: validate each given value as a SET would (type,
 * range, check hook), without applying it, and refuse to start on the
 * first invalid one.
 */
static void
refuse_invalid_startup_values(void)
{
	for (size_t i = 0; i < lengthof(startup_settings); i++)
	{
		StartupSetting *setting = &startup_settings[i];

		if (setting->raw == NULL)
			continue;
		/* 0 is failure; a valid value not applied (changeVal false) is -1 */
		if (set_config_option(setting->name, setting->raw, PGC_POSTMASTER,
							  PGC_S_FILE, GUC_ACTION_SET, false, DEBUG1,
							  false) != 0)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"%s\": \"%s\"",
						setting->name, setting->raw),
				 errdetail("%s", setting->valid ? setting->valid :
						   startup_policy_problem ? startup_policy_problem :
						   "The value is not valid."),
				 errhint("Correct %s; the server does not start with an invalid secconn setting, rather than fall back to a laxer default.",
						 setting->name)));
	}
}

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
									secconn_policy_error_text(&error));
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

static void define_policy_settings(void);
static void define_monitoring_settings(void);

void
secconn_guc_init(void)
{
	bool		starting = process_shared_preload_libraries_in_progress &&
		!IsUnderPostmaster;

	if (starting)
		capture_startup_values();
	define_policy_settings();
	define_monitoring_settings();
	MarkGUCPrefixReserved("secconn");
	if (starting)
		refuse_invalid_startup_values();
}

/* secconn.mode, secconn.default_policy, secconn.exempt_local */
static void
define_policy_settings(void)
{
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
}

/* secconn.cert_expiry_warning, secconn.history_size */
static void
define_monitoring_settings(void)
{
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
}
