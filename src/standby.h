/*-------------------------------------------------------------------------
 *
 * standby.h
 *		The policy cache on a hot standby: invalidation by replay
 *		(standby.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_STANDBY_H
#define SECCONN_STANDBY_H

#include "storage/lwlock.h"

extern void secconn_standby_init(void);
/* the shared region, set up by shmem.c */
extern Size secconn_standby_shmem_size(void);
extern void secconn_standby_shmem_attach(void *block, LWLock *lock, bool found);
extern void secconn_standby_note_label_change(Oid classid);
extern bool secconn_standby_cache_current(void);

#endif							/* SECCONN_STANDBY_H */
