/*-------------------------------------------------------------------------
 *
 * hook.h
 *		The ClientAuthentication hook (hook.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_HOOK_H
#define SECCONN_HOOK_H

extern void secconn_hook_init(void);

#endif							/* SECCONN_HOOK_H */
