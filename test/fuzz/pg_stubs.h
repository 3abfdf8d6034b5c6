/*-------------------------------------------------------------------------
 *
 * pg_stubs.h
 *		The fuzz build's stand-ins for the backend (see pg_stubs.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_PG_STUBS_H
#define SECCONN_PG_STUBS_H

/* Free every palloc'd chunk still alive: a memory context reset. */
extern void stub_reset_memory(void);

/* How many palloc'd chunks are alive. */
extern long stub_live_chunks(void);

#endif							/* SECCONN_PG_STUBS_H */
