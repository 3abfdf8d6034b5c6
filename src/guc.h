/*-------------------------------------------------------------------------
 *
 * guc.h
 *		secconn.* settings (guc.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_GUC_H
#define SECCONN_GUC_H

#include "policy.h"

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

#endif							/* SECCONN_GUC_H */
