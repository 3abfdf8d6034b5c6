/*-------------------------------------------------------------------------
 *
 * shmem.h
 *		Shared memory (shmem.c): per-backend slots, the rejection ring,
 *		counters; and the one place that sets up every shared region.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_SHMEM_H
#define SECCONN_SHMEM_H

#include "datatype/timestamp.h"
#include "storage/lwlock.h"

#include "facts.h"
#include "policy.h"

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

#endif							/* SECCONN_SHMEM_H */
