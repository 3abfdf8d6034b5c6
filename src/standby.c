/*-------------------------------------------------------------------------
 *
 * standby.c
 *		The policy cache on a hot standby: what replay brings invalidates it.
 *
 * On a primary the policy cache (policycache.c) is invalidated by the
 * backends that make the changes.  On a hot standby the changes arrive by
 * WAL replay in the startup process, which runs no secconn code at all.
 * What replay does do: for each commit record it makes the transaction
 * visible to new snapshots, then sends the invalidation messages the
 * commit record carries to the shared invalidation queue, and only then
 * advances the replay position (lastReplayedEndRecPtr, what
 * pg_last_wal_replay_lsn() shows).  Every process that is in that queue
 * runs secconn's syscache callbacks (AUTHOID, AUTHMEMMEMROLE,
 * AUTHMEMROLEMEM, DATABASEOID) when it reads those messages, and they bump
 * the cache generation.  A label change has no syscache of its own, so the
 * label provider adds a pg_authid / pg_database catalog invalidation to the
 * transaction that changes a label (secconn_standby_note_label_change):
 * that message travels in the commit record and reaches the same callbacks
 * on the standby.  Since a standby cannot know that its primary sends it
 * (an older secconn there does not, nor does a direct catalog write), the
 * worker also compares a fingerprint of pg_shseclabel in each round and
 * bumps when it changed: the same ordering argument as for the callbacks
 * below, with the round's catalog snapshot in place of the queue.
 *
 * The trouble is only WHEN a standby process reads the queue: a new backend
 * skips what was sent before it joined, and an idle one reads nothing.  So
 * secconn runs one background worker on a standby, in the queue from its
 * start, and it publishes "covered", a replay position up to which every
 * relevant commit has bumped the generation:
 *
 *	worker start:  R0 := replay position; bump; covered := R0
 *	each round:    R := replay position; start a transaction (which reads
 *				   the queue: the callbacks bump), compare the labels'
 *				   fingerprint (bump if it changed), commit; covered := R
 *
 * and the fast path, during recovery, serves an entry only if
 *
 *	(1) Rl := replay position, read first;
 *	(2) covered >= Rl, read next;
 *	(3) the entry's generation equals the current one, read last;
 *	(4) the entry was filled during recovery (after a promotion, entries of
 *		the standby are never served: the primary's rules take over).
 *
 * Why no stale allow: let C be a relevant commit whose record ends at L,
 * replayed before a connection's lookup, and E an entry whose catalog reads
 * did not see C.  E's filler read the generation g before its catalog reads
 * (policycache.c), so C became visible after that read.  The lookup read
 * Rl >= L (replay advances the position after C's redo), then covered >=
 * Rl.  The worker round that set covered >= L read the replay position
 * after C's redo, so C's messages were in the queue before that round's
 * transaction read it; the worker joined the queue before they were sent
 * (C ends after R0, or else C was visible before the initial bump, which
 * then came after E's generation read and before E's catalog reads -- a
 * contradiction).  So a callback bumped the generation past g before
 * covered >= L was published, and the lookup, reading the generation after
 * covered, sees it != g: E is not served.  A sinval reset of the worker
 * calls every callback, which bumps too.  The orders hold by the spinlock
 * behind the replay position, the queue's own locks, the atomic bump and
 * the barriers below.
 *
 * Cost: a lookup during recovery reads the replay position (a spinlock)
 * and one atomic.  When replay has moved since the worker's last round the
 * fast path declines (the full check runs, correct but slower) and wakes
 * the worker; otherwise the worker wakes every
 * SECCONN_STANDBY_NAPTIME_MS and does nothing while replay stands still.
 * Without the worker (not started yet, max_worker_processes exhausted,
 * crashed), covered stops advancing and the standby takes the full check
 * as soon as replay moves: it fails slow, never open.
 *
 * After promotion the worker exits; the primary rules apply.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "catalog/pg_shseclabel.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/wait_event.h"

#include "policycache.h"
#include "standby.h"

#define SECCONN_STANDBY_NAME		"secconn standby"
#define SECCONN_STANDBY_NAPTIME_MS	5

typedef struct StandbyState
{
	pg_atomic_uint64 covered;	/* an XLogRecPtr; 0: nothing covered */
	Latch	   *worker_latch;	/* NULL until the worker runs */
} StandbyState;

static StandbyState *standby = NULL;

PGDLLEXPORT void secconn_standby_main(Datum arg);

/* ---- shared memory (set up by shmem.c) ---- */

/* No lock: covered is atomic, and only the worker sets its latch. */
void
secconn_standby_shmem_attach(void *block, LWLock *lock, bool found)
{
	standby = block;
	if (found)
		return;
	pg_atomic_init_u64(&standby->covered, InvalidXLogRecPtr);
	standby->worker_latch = NULL;
}

Size
secconn_standby_shmem_size(void)
{
	return MAXALIGN(sizeof(StandbyState));
}

/* From _PG_init, only while shared_preload_libraries is processed. */
void
secconn_standby_init(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 1;
	strlcpy(worker.bgw_library_name, "secconn",
			sizeof(worker.bgw_library_name));
	strlcpy(worker.bgw_function_name, "secconn_standby_main",
			sizeof(worker.bgw_function_name));
	strlcpy(worker.bgw_name, "secconn standby invalidation",
			sizeof(worker.bgw_name));
	strlcpy(worker.bgw_type, SECCONN_STANDBY_NAME, sizeof(worker.bgw_type));
	RegisterBackgroundWorker(&worker);
}

/* ---- the primary's side ---- */

/*
 * The label provider: a secconn label on this role or database is being
 * set or removed.  pg_shseclabel has no syscache, so the change would
 * reach a standby with no invalidation message at all; a catalog
 * invalidation of the labelled object's catalog goes into this
 * transaction's commit record instead, and reaches the syscache callbacks
 * of every standby process (and of every backend here).
 */
void
secconn_standby_note_label_change(Oid classid)
{
	CacheInvalidateCatalog(classid);
}

/* ---- the standby's side ---- */

/*
 * During recovery: may the fast path serve an entry now?  True only if the
 * worker has covered the current replay position (see the file header);
 * otherwise it wakes the worker, so that a later connection can.  Ends
 * with a barrier: the caller reads the generation after this.
 */
bool
secconn_standby_cache_current(void)
{
	XLogRecPtr	replayed;
	XLogRecPtr	covered;

	if (standby == NULL)
		return false;
	replayed = GetXLogReplayRecPtr(NULL);
	pg_memory_barrier();
	covered = (XLogRecPtr) pg_atomic_read_u64(&standby->covered);
	pg_memory_barrier();
	if (covered != InvalidXLogRecPtr && covered >= replayed)
		return true;
	if (standby->worker_latch != NULL)
		SetLatch(standby->worker_latch);
	return false;
}

/*
 * A fingerprint of every row of pg_shseclabel, as this transaction's
 * catalog snapshot sees it: an order-independent sum of each row's hash
 * (its object, class, provider and label bytes as stored, not de-TOASTed),
 * plus the row count.
 */
static uint64
labels_fingerprint(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	uint64		sum = 0;
	uint64		rows = 0;

	rel = table_open(SharedSecLabelRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_shseclabel row = (Form_pg_shseclabel) GETSTRUCT(tuple);
		uint64		h = hash_bytes_uint32_extended(row->objoid, row->classoid);
		bool		isnull;

		for (int attnum = Anum_pg_shseclabel_provider;
			 attnum <= Anum_pg_shseclabel_label; attnum++)
		{
			Datum		value = heap_getattr(tuple, attnum,
											 RelationGetDescr(rel), &isnull);

			if (!isnull)
				h = hash_bytes_extended((const unsigned char *) DatumGetPointer(value),
										VARSIZE_ANY(DatumGetPointer(value)), h);
		}
		sum += h;
		rows++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return sum ^ (rows * UINT64CONST(0x9E3779B97F4A7C15));
}

/*
 * One round: read the queue, compare the labels, then say how far replay
 * is covered.  The label comparison does not trust the primary to have
 * sent an invalidation for a label change: a primary running an older
 * secconn, WAL it wrote before an upgrade (a lagging standby), or a direct
 * write to pg_shseclabel sends none.  The transaction's catalog snapshot
 * is taken after "replayed" was read, so it sees every commit replayed up
 * to there, as the invalidation queue does.
 */
static void
cover(XLogRecPtr replayed)
{
	static bool have_fingerprint = false;
	static uint64 last_fingerprint = 0;
	uint64		fingerprint;

	/* A transaction start reads the invalidation queue (AtStart_Cache). */
	StartTransactionCommand();
	fingerprint = labels_fingerprint();
	CommitTransactionCommand();
	if (!have_fingerprint || fingerprint != last_fingerprint)
		secconn_policy_cache_bump();
	have_fingerprint = true;
	last_fingerprint = fingerprint;
	pg_memory_barrier();
	pg_atomic_write_u64(&standby->covered, (uint64) replayed);
}

void
secconn_standby_main(Datum arg)
{
	XLogRecPtr	replayed;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* A primary has nothing to do: exit for good (code 0). */
	if (standby == NULL || !RecoveryInProgress())
		proc_exit(0);

	/* Shared catalogs only: this joins the invalidation queue. */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	/* What was replayed before we joined the queue: see the file header. */
	replayed = GetXLogReplayRecPtr(NULL);
	pg_memory_barrier();
	secconn_policy_cache_bump();
	cover(replayed);
	standby->worker_latch = MyLatch;

	for (;;)
	{
		XLogRecPtr	now;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();

		/* Promoted: the primary's rules apply (policycache.c). */
		if (!RecoveryInProgress())
			break;

		now = GetXLogReplayRecPtr(NULL);
		pg_memory_barrier();
		if (now != replayed)
		{
			cover(now);
			replayed = now;
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 SECCONN_STANDBY_NAPTIME_MS, PG_WAIT_EXTENSION);
	}
	standby->worker_latch = NULL;
	proc_exit(0);
}
