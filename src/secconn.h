/*-------------------------------------------------------------------------
 *
 * secconn.h
 *		Declarations shared by secconn's modules.
 *
 * The modules, one concern each:
 *	secconn.c	_PG_init: calls each module's init
 *	guc.c		secconn.* settings
 *	policy.c	the policy language (parser; fuzzable)
 *	cipher.c	cipher classification and cipher lists (OpenSSL)
 *	label.c		the "secconn" SECURITY LABEL provider
 *	catalog.c	catalog reads that work before a database is selected
 *	facts.c		what a connection really has (TLS, cipher, mechanism, cert)
 *	evaluate.c	policies + facts -> violations, and their descriptions
 *	hook.c		the ClientAuthentication hook: enforce, warn, count
 *	guard.c		keeps non-superusers from lifting a policy (clones copy
 *				labels; no removing members from a labelled group)
 *	policycache.c	shared cache of each (role, database)'s label policies:
 *				the hook's fast path, and its invalidation
 *	standby.c	the policy cache on a hot standby: invalidation by replay
 *	shmem.c		shared memory: per-backend slots, rejection ring, counters
 *	views.c		SQL-callable functions behind the secconn_* views
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_H
#define SECCONN_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "libpq/libpq-be.h"
#include "nodes/pg_list.h"

#include "compat.h"
#include "policy.h"

#define SECCONN_PROVIDER	"secconn"

/* ---- guc.c ---- */

typedef enum SecconnMode
{
	SECCONN_MODE_OFF,
	SECCONN_MODE_WARN,
	SECCONN_MODE_ENFORCE
} SecconnMode;

extern int	secconn_mode;
extern bool secconn_exempt_local;
extern int	secconn_history_size;
extern int	secconn_cert_expiry_warning;	/* seconds; 0: off */
extern char *secconn_default_policy_text;
extern const SecconnPolicy *secconn_default_policy;	/* NULL when empty */

extern void secconn_guc_init(void);

/* ---- label.c ---- */

extern void secconn_label_init(void);
extern void secconn_policy_parse_or_error(const char *text, SecconnPolicy *policy);

/* ---- facts.c ---- */

typedef enum SecconnTransport
{
	SECCONN_TRANSPORT_PLAIN = 0,	/* unencrypted TCP */
	SECCONN_TRANSPORT_TLS,
	SECCONN_TRANSPORT_GSS,		/* GSSAPI encryption */
	SECCONN_TRANSPORT_LOCAL		/* Unix-domain socket */
} SecconnTransport;

#define SECCONN_CIPHER_NAME_LEN		64
/* The 1.0 client_dn: OpenSSL's one-line form, truncated as in 1.0. */
#define SECCONN_DN_1_0_LEN			256

/*
 * Room for an RFC 2253 DN, terminator included.  A longer DN is not stored
 * (the views show NULL, never a truncated DN).  It can match no pin either:
 * a pin is shorter than a policy, which is at most SECCONN_MAX_POLICY_LEN
 * bytes including its keyword, so the comparison stays exact.
 */
#define SECCONN_DN_LEN				(SECCONN_MAX_POLICY_LEN)
/* A certificate serial number in hex: 20 octets in RFC 5280, with room. */
#define SECCONN_SERIAL_LEN			128

/*
 * Everything a policy is checked against.  Fixed size and pointer-free, so
 * that a copy can sit in a shared memory slot and be re-evaluated there.
 */
typedef struct SecconnFacts
{
	SecconnTransport transport;
	SecconnTlsVersion tls_version;	/* SECCONN_TLS_NONE unless TLS */
	char		cipher[SECCONN_CIPHER_NAME_LEN];	/* OpenSSL name; "" unless TLS */
	int			cipher_bits;
	bool		cipher_strong;
	int			auth_method;	/* SecconnAuthMech of the pg_hba line */
	int			auth_mechanism; /* SecconnAuthMech that really ran */
	bool		cert_present;	/* a certificate was presented... */
	bool		cert_verified;	/* ...and verified against ssl_ca_file */
	bool		cert_has_cn;	/* the certificate's subject has a CN */
	bool		cert_cn_fits;	/* cert_cn holds the whole CN */
	char		cert_cn[NAMEDATALEN];
	char		client_dn_1_0[SECCONN_DN_1_0_LEN];	/* truncated if longer */
	/* 1.1: the certificate in full (see SECCONN_DN_LEN); "" without one */
	bool		subject_dn_fits;	/* subject_dn holds the whole DN */
	bool		issuer_dn_fits;
	char		subject_dn[SECCONN_DN_LEN];	/* RFC 2253 */
	char		issuer_dn[SECCONN_DN_LEN];
	char		serial[SECCONN_SERIAL_LEN];	/* hex; "" if it does not fit */
	bool		cert_dates_valid;
	TimestampTz cert_not_before;
	TimestampTz cert_not_after;
	char		role_name[NAMEDATALEN];
} SecconnFacts;

/* transport, TLS and certificate: valid at any time in a backend */
extern void secconn_gather_transport_facts(Port *port, SecconnFacts *facts);
/* What an md5 pg_hba line really ran (see facts.c). */
typedef enum SecconnMd5LineRan
{
	SECCONN_RAN_MD5,
	SECCONN_RAN_SCRAM,
	SECCONN_RAN_UNKNOWN			/* the secret changed during authentication */
} SecconnMd5LineRan;

/* pg_hba method and real mechanism: only during authentication (port->hba) */
extern void secconn_gather_auth_facts(Port *port, SecconnMd5LineRan ran,
									  SecconnFacts *facts);
extern bool secconn_secret_core_used_is_scram(Port *port);
extern SecconnMd5LineRan secconn_md5_line_exchange(Port *port,
												   bool scram_at_start,
												   bool scram_now);
extern bool secconn_secret_is_scram(const char *password);
/* this session's facts: saved by the hook, else transport facts only */
extern void secconn_current_facts(SecconnFacts *facts);
extern const char *secconn_transport_name(SecconnTransport transport);
extern char *secconn_describe_transport(const SecconnFacts *facts);

/* ---- catalog.c ---- */

typedef enum SecconnSourceKind
{
	SECCONN_SOURCE_DEFAULT,
	SECCONN_SOURCE_ROLE,
	SECCONN_SOURCE_DATABASE
} SecconnSourceKind;

/* One policy that applies to a connection, and where it came from. */
typedef struct SecconnAppliedPolicy
{
	SecconnSourceKind kind;
	Oid			object_id;		/* the role or database; invalid for default */
	char		object_name[NAMEDATALEN];	/* database name; roles are named
											 * only when needed, see
											 * secconn_source_description */
	char	   *label;			/* the label's text; NULL for the default */
	bool		valid;			/* false: the label does not parse */
	char	   *invalid_reason; /* palloc'd sentence when !valid */
	SecconnPolicy policy;
} SecconnAppliedPolicy;

extern Oid	secconn_lookup_role(const char *rolname, char **password);
extern Oid	secconn_lookup_database(const char *datname);
extern char *secconn_get_label(Oid classid, Oid objid);
extern List *secconn_collect_policies(Oid roleid, Oid dbid, const char *dbname);
extern char *secconn_source_description(const SecconnAppliedPolicy *applied);
extern char *secconn_role_name(Oid roleid);
extern List *secconn_roles_containing(Oid roleid);

/* ---- certs.c ---- */

/* subject, issuer, serial and validity of a client certificate (X509 *) */
extern void secconn_gather_cert_facts(void *peer, SecconnFacts *facts);
extern void secconn_note_expiring_cert(Port *port, const SecconnFacts *facts);

/* ---- evaluate.c ---- */

typedef struct SecconnVerdict
{
	int			enforced;		/* SECCONN_REQ_* violated by enforcing policies */
	int			warned;			/* ... by mode=warn policies only */
	bool		unevaluable;	/* some policy could not be evaluated */
	char	   *client_detail;	/* one sentence per violation */
	char	   *log_detail;		/* the same, plus sources and unevaluable reasons */
	char	   *hint;
} SecconnVerdict;

extern int	secconn_policy_violations(const SecconnPolicy *policy,
									  const SecconnFacts *facts);
extern void secconn_evaluate(List *policies, const SecconnFacts *facts,
							 SecconnVerdict *verdict);

/* ---- guard.c ---- */

extern void secconn_guard_init(void);

/* ---- hook.c ---- */

extern void secconn_hook_init(void);

/* ---- shmem.c ---- */

typedef enum SecconnAction
{
	SECCONN_ACTION_ACCEPTED,	/* no violation */
	SECCONN_ACTION_WARNED,		/* violations, admitted (warn) */
	SECCONN_ACTION_REJECTED
} SecconnAction;

extern void secconn_shmem_init(void);
extern bool secconn_shmem_ready(void);
/* counters: one call per checked connection (not in mode off) */
extern void secconn_count_check(SecconnAction action, int violations,
								int64 elapsed_ns, bool cache_hit);
/* an admitted session whose client certificate expires soon */
extern void secconn_count_expiring_cert(void);
/* ring of rejected and warned connections */
extern void secconn_record_event(SecconnAction action, const SecconnFacts *facts,
								 const char *dbname, int violations);
/* this backend's slot: written once per session, right after the hook */
extern void secconn_publish_session(const SecconnFacts *facts, Oid roleid,
									const char *dbname);

/* A consistent copy of one backend's slot (see secconn_read_session). */
typedef struct SecconnSession
{
	int			pid;			/* 0: the slot is empty */
	Oid			roleid;			/* the authenticated role; may be invalid */
	char		dbname[NAMEDATALEN];	/* "" for physical replication */
	SecconnFacts facts;
} SecconnSession;

/* Room for a numeric IPv6 address with scope, as getnameinfo writes it. */
#define SECCONN_ADDR_LEN			64

/* A copy of one entry of the rejection ring. */
typedef struct SecconnEvent
{
	uint64		seq;			/* 1 for the first event since startup */
	TimestampTz time;
	int			pid;
	SecconnAction action;		/* SECCONN_ACTION_WARNED or _REJECTED */
	int			violations;		/* SECCONN_REQ_* bits */
	SecconnTransport transport;
	SecconnTlsVersion tls_version;
	int			auth_method;	/* SecconnAuthMech or SECCONN_AUTH_UNKNOWN */
	int			auth_mechanism;
	char		role_name[NAMEDATALEN];
	char		dbname[NAMEDATALEN];	/* "" for physical replication */
	char		client_addr[SECCONN_ADDR_LEN];	/* numeric; "" if none */
	char		cipher[SECCONN_CIPHER_NAME_LEN];
} SecconnEvent;

/*
 * The hook-time histogram: fixed log-scale buckets, 1-2-5 per decade from
 * 1 us to 10 ms, and one for longer; a check of t ns counts in the first
 * bucket whose bound is >= t.  One histogram for checks admitted by the
 * policy cache, one for the full check.
 */
#define SECCONN_HIST_BUCKETS		14	/* 13 bounds and +Inf */
#define SECCONN_HIST_HIT			0
#define SECCONN_HIST_MISS			1
extern const int64 secconn_hist_bounds_ns[SECCONN_HIST_BUCKETS - 1];

/* A snapshot of the counters. */
typedef struct SecconnCounters
{
	int64		checked;
	int64		accepted;
	int64		warned;
	int64		rejected;
	int64		rejected_by[SECCONN_NUM_REQS];	/* index i: SECCONN_REQ bit 1 << i */
	int64		hook_time_total_ns;
	int64		hook_time_max_ns;
	int64		policy_cache_hits;	/* admitted by the fast path */
	int64		client_certs_expiring;	/* 1.1 */
	int64		hook_hist[2][SECCONN_HIST_BUCKETS];	/* SECCONN_HIST_HIT/_MISS */
	int64		hook_hist_sum_ns[2];
	TimestampTz stats_reset;
} SecconnCounters;

/* readers, for views.c; all of them need secconn_shmem_ready() */
extern int	secconn_session_slot_count(void);
extern bool secconn_read_session(int index, SecconnSession *session);
/* Is slot "index" still the session of "pid"? */
extern bool secconn_slot_has_pid(int index, int pid);
extern int	secconn_read_events(SecconnEvent **events);
extern void secconn_read_counters(SecconnCounters *counters);
extern void secconn_reset_counters(void);

/* ---- policycache.c ---- */

extern void secconn_policy_cache_init(void);
extern Size secconn_policy_cache_shmem_size(void);
extern void secconn_policy_cache_shmem_request(void);
extern void secconn_policy_cache_shmem_startup(void);
extern void secconn_policy_cache_note_change(void);
extern void secconn_policy_cache_bump(void);
extern bool secconn_policy_cache_admits(Port *port, bool physical,
										bool scram_at_start,
										SecconnFacts *facts, Oid *roleid);
extern uint64 secconn_policy_cache_begin(void);
extern void secconn_policy_cache_store(uint64 generation, Port *port,
									   bool physical, Oid roleid,
									   bool secret_is_scram, List *policies);

/* ---- standby.c ---- */

extern void secconn_standby_init(void);
extern Size secconn_standby_shmem_size(void);
extern void secconn_standby_shmem_startup(void);
extern void secconn_standby_note_label_change(Oid classid);
extern bool secconn_standby_cache_current(void);

/* ---- session state (facts.c): this backend's own facts, set by the hook ---- */

extern bool secconn_session_facts_valid;
extern SecconnFacts secconn_session_facts;

#endif							/* SECCONN_H */
