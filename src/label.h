/*-------------------------------------------------------------------------
 *
 * label.h
 *		The "secconn" SECURITY LABEL provider (label.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_LABEL_H
#define SECCONN_LABEL_H

#include "policy.h"

#define SECCONN_PROVIDER	"secconn"

extern void secconn_label_init(void);
extern void secconn_policy_parse_or_error(const char *text, SecconnPolicy *policy);

#endif							/* SECCONN_LABEL_H */
