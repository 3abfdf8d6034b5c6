/*-------------------------------------------------------------------------
 *
 * evaluate.h
 *		Policies + facts -> a verdict (evaluate.c).  Pure: no catalogs, no
 *		GUCs, no messages, so that it can be fuzzed with the parser.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_EVALUATE_H
#define SECCONN_EVALUATE_H

#include "nodes/pg_list.h"

#include "facts.h"
#include "policy.h"

typedef enum SecconnSourceKind
{
	SECCONN_SOURCE_DEFAULT,
	SECCONN_SOURCE_ROLE,
	SECCONN_SOURCE_DATABASE,
	SECCONN_SOURCE_CACHE		/* merged labels from the policy cache */
} SecconnSourceKind;

/* One policy that applies to a connection, and where it came from. */
typedef struct SecconnAppliedPolicy
{
	SecconnSourceKind kind;
	Oid			object_id;		/* the role or database; invalid otherwise */
	char		object_name[NAMEDATALEN];	/* database name; roles are named
											 * only in messages */
	char	   *label;			/* the label's text; NULL otherwise */
	bool		valid;			/* false: the label does not parse */
	char	   *invalid_reason; /* palloc'd sentence when !valid */
	SecconnPolicy policy;
} SecconnAppliedPolicy;

/* One violated requirement, as a policy spells it, and who demands it. */
typedef struct SecconnViolation
{
	int			req;			/* one SECCONN_REQ_* bit */
	char	   *requirement;	/* "min_tls=TLSv1.3" */
	const SecconnPolicy *policy;	/* the first policy that demands it */
	bool		enforced;		/* demanded by an enforcing policy */
	int			nsources;
	const SecconnAppliedPolicy **sources;	/* in the order of the list */
} SecconnViolation;

typedef struct SecconnVerdict
{
	int			enforced;		/* SECCONN_REQ_* violated by enforcing policies */
	int			warned;			/* ... by mode=warn policies only */
	bool		unevaluable;	/* some policy is not valid */
	int			nviolations;
	SecconnViolation *violations;	/* in order of first appearance */
} SecconnVerdict;

extern int	secconn_policy_violations(const SecconnPolicy *policy,
									  const SecconnFacts *facts,
									  bool exempt_local);
extern void secconn_evaluate(List *policies, const SecconnFacts *facts,
							 bool exempt_local, SecconnVerdict *verdict);

#endif							/* SECCONN_EVALUATE_H */
