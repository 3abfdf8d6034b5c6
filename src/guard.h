/*-------------------------------------------------------------------------
 *
 * guard.h
 *		Keeps non-superusers from lifting a policy (guard.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_GUARD_H
#define SECCONN_GUARD_H

extern void secconn_guard_init(void);

#endif							/* SECCONN_GUARD_H */
