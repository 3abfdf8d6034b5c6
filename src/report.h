/*-------------------------------------------------------------------------
 *
 * report.h
 *		Telling the client and the server log about a verdict (report.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_REPORT_H
#define SECCONN_REPORT_H

#include "libpq/libpq-be.h"
#include "nodes/pg_list.h"

#include "evaluate.h"
#include "facts.h"
#include "shmem.h"

/* What the hook decided about a connection, and from what. */
typedef struct SecconnDecision
{
	SecconnAction action;
	bool		enforce;		/* secconn.mode is enforce */
	const char *error;			/* the check itself failed: its message */
	List	   *policies;		/* what was evaluated */
	SecconnVerdict verdict;
} SecconnDecision;

/* FATAL for a rejection, LOG for a warning, nothing for an acceptance. */
extern void secconn_report(Port *port, bool physical, const SecconnFacts *facts,
						   const SecconnDecision *decision);

#endif							/* SECCONN_REPORT_H */
