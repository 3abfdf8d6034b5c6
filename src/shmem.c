/*-------------------------------------------------------------------------
 *
 * shmem.c
 *		Shared memory: per-backend slots, the rejection ring, counters.
 *
 * Exists only when secconn is in shared_preload_libraries; otherwise
 * secconn_shmem_ready() is false and the SQL functions that need it say so.
 * One block, sized in shmem_request_hook (MaxBackends is not known before)
 * and created in shmem_startup_hook, holds:
 *
 *	- One slot per backend (MaxBackends of them), indexed by
 *	  SECCONN_MY_SLOT_INDEX().  Only client backends and walsenders use
 *	  theirs: the ClientAuthentication hook fills it once, when it admits
 *	  the session, and a before_shmem_exit callback empties it when the
 *	  backend exits, so that a slot reused by a later backend never shows a
 *	  session that has gone.
 *
 *	- A ring of the last secconn.history_size rejected and warned
 *	  connection attempts.
 *
 *	- Counters of the checks since the last reset, with the hook-time
 *	  histograms (fixed buckets, see shmem.h).
 *
 * Every shared region of secconn (this block, the policy cache's,
 * standby.c's) is requested and created here, from the one list "regions";
 * each region's owner says how large it is and fills it.
 *
 * Locking rules:
 *
 *	- A slot is written only by the backend that owns it, without a lock.
 *	  Readers use a change count, as core does for PgBackendStatus: the
 *	  owner increments it before and after each write, with write barriers
 *	  in between, inside a critical section (so it can never be left odd);
 *	  a reader copies the slot between two reads of the count, with read
 *	  barriers, and retries until both reads return the same even value.
 *	  Writers never wait, and a reader never sees a half-written slot.
 *
 *	- The ring is protected by secconn's one LWLock: exclusive to append an
 *	  event (once per rejected or warned connection), shared to copy it.
 *
 *	- The counters are protected by a spinlock held for a few instructions
 *	  (once per checked connection, and to read or reset them).
 *
 * Nothing here survives a server restart: the ring and the counters start
 * empty, and stats_reset is the server start time.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>
#include <netdb.h>

#include "common/ip.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "guc.h"
#include "policycache.h"
#include "shmem.h"
#include "standby.h"


/* One backend's slot; see the file header for the change-count protocol. */
typedef struct SecconnSlot
{
	uint32		changecount;	/* odd while the owner is writing */
	SecconnSession session;
} SecconnSlot;

/* The shared block: this header, then the slots, then the ring. */
typedef struct SecconnShared
{
	LWLock	   *lock;			/* protects the ring */
	int			nslots;
	int			ring_size;

	/* protected by lock */
	uint64		next_seq;		/* seq of the next event; 1-based */

	/* protected by mutex */
	slock_t		mutex;
	SecconnCounters counters;
} SecconnShared;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static SecconnShared *shared = NULL;
static SecconnSlot *slots = NULL;
static SecconnEvent *ring = NULL;

/* Has this backend filled its slot (and so registered the exit callback)? */
static bool slot_in_use = false;

static Size
header_size(void)
{
	return MAXALIGN(sizeof(SecconnShared));
}

static Size
shmem_size(int nslots, int ring_size)
{
	Size		size = header_size();

	size = add_size(size, MAXALIGN(mul_size(nslots, sizeof(SecconnSlot))));
	size = add_size(size, mul_size(ring_size, sizeof(SecconnEvent)));
	return size;
}

static Size
main_size(void)
{
	return shmem_size(MaxBackends, secconn_history_size);
}

static void
main_attach(void *block, LWLock *lock, bool found)
{
	char	   *base = block;

	shared = (SecconnShared *) base;
	if (!found)
	{
		memset(base, 0, main_size());
		shared->lock = lock;
		shared->nslots = MaxBackends;
		shared->ring_size = secconn_history_size;
		shared->next_seq = 1;
		SpinLockInit(&shared->mutex);
		shared->counters.stats_reset = GetCurrentTimestamp();
	}
	slots = (SecconnSlot *) (base + header_size());
	ring = (SecconnEvent *) (base + header_size() +
							 MAXALIGN(mul_size(shared->nslots,
											   sizeof(SecconnSlot))));
}

/* Every shared region: a block, and an LWLock (its own tranche) if asked. */
typedef struct ShmemRegion
{
	const char *name;			/* of the block and of the LWLock tranche */
	bool		lock;
	Size		(*size) (void);
	void		(*attach) (void *block, LWLock *lock, bool found);
} ShmemRegion;

static const ShmemRegion regions[] = {
	{"secconn", true, main_size, main_attach},
	{"secconn policy cache", true, secconn_policy_cache_shmem_size,
	secconn_policy_cache_shmem_attach},
	{"secconn standby", false, secconn_standby_shmem_size,
	secconn_standby_shmem_attach},
};

static void
secconn_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	for (size_t i = 0; i < lengthof(regions); i++)
	{
		RequestAddinShmemSpace(regions[i].size());
		if (regions[i].lock)
			RequestNamedLWLockTranche(regions[i].name, 1);
	}
}

static void
secconn_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	for (size_t i = 0; i < lengthof(regions); i++)
	{
		bool		found;
		void	   *block = ShmemInitStruct(regions[i].name,
											regions[i].size(), &found);

		regions[i].attach(block, found || !regions[i].lock ? NULL :
						  &(GetNamedLWLockTranche(regions[i].name))->lock,
						  found);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init, only while shared_preload_libraries is processed. */
void
secconn_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = secconn_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = secconn_shmem_startup;
}

bool
secconn_shmem_ready(void)
{
	return shared != NULL;
}

/*
 * Overwrite this backend's slot.  The only writer of a slot is its owner;
 * see the file header for the protocol.  Nothing in the critical section
 * can fail.
 */
static void
write_my_slot(const SecconnSession *session)
{
	int			index = SECCONN_MY_SLOT_INDEX();
	volatile SecconnSlot *slot;

	if (shared == NULL || index < 0 || index >= shared->nslots)
		return;
	slot = &slots[index];

	START_CRIT_SECTION();
	slot->changecount++;
	pg_write_barrier();
	memcpy((SecconnSession *) &slot->session, session, sizeof(SecconnSession));
	pg_write_barrier();
	slot->changecount++;
	END_CRIT_SECTION();
}

/*
 * before_shmem_exit callback: empty the slot, so that no reader shows this
 * session once the backend is gone.  It runs before core removes the
 * backend from pg_stat_activity (an on_shmem_exit callback).
 */
static void
clear_my_slot(int code, Datum arg)
{
	SecconnSession empty;

	memset(&empty, 0, sizeof(empty));
	write_my_slot(&empty);
	slot_in_use = false;
}

void
secconn_publish_session(const SecconnFacts *facts, Oid roleid,
						const char *dbname)
{
	SecconnSession session;

	if (shared == NULL)
		return;

	memset(&session, 0, sizeof(session));
	session.pid = MyProcPid;
	session.roleid = roleid;
	if (dbname)
		strlcpy(session.dbname, dbname, sizeof(session.dbname));
	session.facts = *facts;

	if (!slot_in_use)
	{
		before_shmem_exit(clear_my_slot, (Datum) 0);
		slot_in_use = true;
	}
	write_my_slot(&session);
}

int
secconn_session_slot_count(void)
{
	return shared ? shared->nslots : 0;
}

/*
 * Copy slot "index" into *session; false if the slot is empty.  Retries
 * while the owner is writing (a write is a memcpy inside a critical
 * section, so this never waits long).
 */
bool
secconn_read_session(int index, SecconnSession *session)
{
	volatile SecconnSlot *slot;

	if (shared == NULL || index < 0 || index >= shared->nslots)
		return false;
	slot = &slots[index];

	for (;;)
	{
		uint32		before;
		uint32		after;

		before = slot->changecount;
		pg_read_barrier();
		memcpy(session, (const SecconnSession *) &slot->session,
			   sizeof(SecconnSession));
		pg_read_barrier();
		after = slot->changecount;

		if (before == after && (before & 1) == 0)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	return session->pid != 0;
}

/*
 * Does slot "index" still hold the session of "pid"?  For a caller about to
 * signal it (the pid may have been reused by a later backend otherwise).
 */
bool
secconn_slot_has_pid(int index, int pid)
{
	SecconnSession session;

	return secconn_read_session(index, &session) && session.pid == pid;
}

const int64 secconn_hist_bounds_ns[SECCONN_HIST_BUCKETS - 1] = {
	1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
	1000000, 2000000, 5000000, 10000000
};

static int
hist_bucket(int64 elapsed_ns)
{
	int			i;

	for (i = 0; i < SECCONN_HIST_BUCKETS - 1; i++)
	{
		if (elapsed_ns <= secconn_hist_bounds_ns[i])
			break;
	}
	return i;
}

/*
 * The counters: one call per checked connection.  "violations" are the
 * requirements that caused a rejection (counted in rejected_by[] only for
 * rejections).
 */
void
secconn_count_check(SecconnAction action, int violations, int64 elapsed_ns,
					bool cache_hit)
{
	SecconnCounters *c;
	int			path = cache_hit ? SECCONN_HIST_HIT : SECCONN_HIST_MISS;
	int			bucket = hist_bucket(elapsed_ns);

	if (shared == NULL)
		return;
	c = &shared->counters;

	SpinLockAcquire(&shared->mutex);
	c->checked++;
	if (cache_hit)
		c->policy_cache_hits++;
	switch (action)
	{
		case SECCONN_ACTION_ACCEPTED:
			c->accepted++;
			break;
		case SECCONN_ACTION_WARNED:
			c->warned++;
			break;
		case SECCONN_ACTION_REJECTED:
			c->rejected++;
			/* a pin refines clientcert: rejected_clientcert counts it */
			if (violations & (SECCONN_REQ_CERT_ISSUER | SECCONN_REQ_CERT_SUBJECT))
				violations |= SECCONN_REQ_CLIENTCERT;
			for (int i = 0; i < SECCONN_NUM_REQS; i++)
			{
				if (violations & (1 << i))
					c->rejected_by[i]++;
			}
			break;
	}
	c->hook_hist[path][bucket]++;
	if (elapsed_ns > 0)
	{
		c->hook_hist_sum_ns[path] += elapsed_ns;
		c->hook_time_total_ns += elapsed_ns;
		if (elapsed_ns > c->hook_time_max_ns)
			c->hook_time_max_ns = elapsed_ns;
	}
	SpinLockRelease(&shared->mutex);
}

void
secconn_count_expiring_cert(void)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	shared->counters.client_certs_expiring++;
	SpinLockRelease(&shared->mutex);
}

void
secconn_read_counters(SecconnCounters *counters)
{
	SpinLockAcquire(&shared->mutex);
	*counters = shared->counters;
	SpinLockRelease(&shared->mutex);
}

void
secconn_reset_counters(void)
{
	TimestampTz now = GetCurrentTimestamp();

	SpinLockAcquire(&shared->mutex);
	memset(&shared->counters, 0, sizeof(SecconnCounters));
	shared->counters.stats_reset = now;
	SpinLockRelease(&shared->mutex);
}

/*
 * The client's numeric address ("" for a Unix socket or when unknown).
 * port->remote_host would be a host name under log_hostname.
 */
static void
client_address(char *buf, size_t len)
{
	char		port[NI_MAXSERV];

	buf[0] = '\0';
	if (MyProcPort == NULL || MyProcPort->raddr.addr.ss_family == AF_UNIX)
		return;
	if (pg_getnameinfo_all(&MyProcPort->raddr.addr, MyProcPort->raddr.salen,
						   buf, len, port, sizeof(port),
						   NI_NUMERICHOST | NI_NUMERICSERV) != 0)
	{
		buf[0] = '\0';
		return;
	}
	clean_ipv6_addr(MyProcPort->raddr.addr.ss_family, buf);
}

/*
 * Append a rejected or warned connection attempt to the ring, overwriting
 * the oldest entry once it is full.  The client's address is taken from
 * MyProcPort in numeric form (port->remote_host may be a host name).
 */
void
secconn_record_event(SecconnAction action, const SecconnFacts *facts,
					 const char *dbname, int violations)
{
	SecconnEvent event;
	SecconnEvent *entry;

	if (shared == NULL || shared->ring_size <= 0)
		return;

	memset(&event, 0, sizeof(event));
	event.time = GetCurrentTimestamp();
	event.pid = MyProcPid;
	event.action = action;
	event.violations = violations;
	event.transport = facts->transport;
	event.tls_version = facts->tls_version;
	event.auth_method = facts->auth_method;
	event.auth_mechanism = facts->auth_mechanism;
	strlcpy(event.role_name, facts->role_name, sizeof(event.role_name));
	if (dbname)
		strlcpy(event.dbname, dbname, sizeof(event.dbname));
	client_address(event.client_addr, sizeof(event.client_addr));
	strlcpy(event.cipher, facts->cipher, sizeof(event.cipher));

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	event.seq = shared->next_seq++;
	entry = &ring[(event.seq - 1) % shared->ring_size];
	*entry = event;
	LWLockRelease(shared->lock);
}

/*
 * Copy the ring, oldest event first, into a palloc'd array; returns the
 * number of events.
 */
int
secconn_read_events(SecconnEvent **events)
{
	uint64		next;
	uint64		first;
	int			n;
	SecconnEvent *copy;

	copy = palloc(mul_size(shared->ring_size, sizeof(SecconnEvent)));

	LWLockAcquire(shared->lock, LW_SHARED);
	next = shared->next_seq;
	first = next > (uint64) shared->ring_size ?
		next - shared->ring_size : 1;
	n = (int) (next - first);
	for (int i = 0; i < n; i++)
		copy[i] = ring[(first + i - 1) % shared->ring_size];
	LWLockRelease(shared->lock);

	*events = copy;
	return n;
}
