/*-------------------------------------------------------------------------
 *
 * evaluate.c
 *		Policies + connection facts -> a verdict.
 *
 * Which policies apply is catalog.c's business, what each requirement
 * means is written once, in policy.c; this file decides whether facts meet
 * them.  It takes every input as an argument and formats no message (the
 * reporter does that, only when there is something to report), so that it
 * can be fuzzed together with the parser.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "cipher.h"
#include "evaluate.h"

/* The requirements that a Unix-domain socket meets under exempt_local. */
static int
transport_violations(const SecconnPolicy *policy, const SecconnFacts *facts)
{
	int			violations = 0;
	bool		tls = facts->transport == SECCONN_TRANSPORT_TLS;

	if (policy->require_ssl && !tls)
		violations |= SECCONN_REQ_SSL;
	if (policy->min_tls != SECCONN_TLS_NONE &&
		(!tls || facts->tls_version < policy->min_tls))
		violations |= SECCONN_REQ_MIN_TLS;
	if (policy->cipher == SECCONN_CIPHER_STRONG &&
		(!tls || !facts->cipher_strong))
		violations |= SECCONN_REQ_CIPHER;
	if (policy->cipher == SECCONN_CIPHER_LIST &&
		(!tls || !secconn_cipher_list_allows(policy->cipher_list, facts->cipher,
											  facts->tls_version == SECCONN_TLS_1_3)))
		violations |= SECCONN_REQ_CIPHER;
	return violations;
}

static int
cert_violations(const SecconnPolicy *policy, const SecconnFacts *facts)
{
	int			violations = 0;
	bool		verified = facts->transport == SECCONN_TRANSPORT_TLS &&
		facts->cert_present && facts->cert_verified;

	if (policy->clientcert != SECCONN_CERT_ANY &&
		(!verified ||
		 (policy->clientcert == SECCONN_CERT_VERIFY_FULL &&
		  (!facts->cert_cn_fits ||
		   strcmp(facts->cert_cn, facts->role_name) != 0))))
		violations |= SECCONN_REQ_CLIENTCERT;

	/* Pins: only on a verified certificate (else clientcert says it). */
	if (!verified)
		return violations;
	if (policy->cert_issuer[0] != '\0' &&
		(!facts->issuer_dn_fits ||
		 strcmp(facts->issuer_dn, policy->cert_issuer) != 0))
		violations |= SECCONN_REQ_CERT_ISSUER;
	if (policy->cert_subject[0] != '\0' &&
		(!facts->subject_dn_fits ||
		 strcmp(facts->subject_dn, policy->cert_subject) != 0))
		violations |= SECCONN_REQ_CERT_SUBJECT;
	return violations;
}

/* The SECCONN_REQ_* bits of "policy" that "facts" do not meet. */
int
secconn_policy_violations(const SecconnPolicy *policy, const SecconnFacts *facts,
						  bool exempt_local)
{
	int			violations = 0;

	if (!(exempt_local && facts->transport == SECCONN_TRANSPORT_LOCAL))
		violations = transport_violations(policy, facts) |
			cert_violations(policy, facts);

	if (policy->auth_mask != 0 &&
		(facts->auth_mechanism == SECCONN_AUTH_UNKNOWN ||
		 (policy->auth_mask & (1U << facts->auth_mechanism)) == 0))
		violations |= SECCONN_REQ_AUTH;

	return violations;
}

/* The verdict's entry for this requirement as written, added if new. */
static SecconnViolation *
find_or_add(SecconnVerdict *verdict, int capacity, int req,
			const SecconnPolicy *policy, int max_sources)
{
	char	   *requirement = secconn_policy_requirement_text(policy, req);
	SecconnViolation *v;

	for (int i = 0; i < verdict->nviolations; i++)
	{
		if (strcmp(verdict->violations[i].requirement, requirement) == 0)
		{
			pfree(requirement);
			return &verdict->violations[i];
		}
	}
	Assert(verdict->nviolations < capacity);
	v = &verdict->violations[verdict->nviolations++];
	v->req = req;
	v->requirement = requirement;
	v->policy = policy;
	v->enforced = false;
	v->nsources = 0;
	v->sources = palloc(sizeof(SecconnAppliedPolicy *) * max_sources);
	return v;
}

/*
 * Evaluate every applicable policy (a List of SecconnAppliedPolicy)
 * against the facts.  Violations of the same requirement, as written, are
 * one entry with every policy that demands it.
 */
void
secconn_evaluate(List *policies, const SecconnFacts *facts, bool exempt_local,
				 SecconnVerdict *verdict)
{
	int			npolicies = list_length(policies);
	int			capacity = npolicies * SECCONN_NUM_REQS;
	ListCell   *cell;

	memset(verdict, 0, sizeof(*verdict));
	verdict->violations = palloc(sizeof(SecconnViolation) * (capacity + 1));

	foreach(cell, policies)
	{
		const SecconnAppliedPolicy *applied = lfirst(cell);
		int			violated;

		if (!applied->valid)
		{
			verdict->unevaluable = true;
			continue;
		}
		violated = secconn_policy_violations(&applied->policy, facts,
											 exempt_local);
		for (int req = 1; req < (1 << SECCONN_NUM_REQS); req <<= 1)
		{
			SecconnViolation *v;

			if (!(violated & req))
				continue;
			v = find_or_add(verdict, capacity, req, &applied->policy, npolicies);
			v->sources[v->nsources++] = applied;
			if (applied->policy.warn_only)
				verdict->warned |= req;
			else
			{
				v->enforced = true;
				verdict->enforced |= req;
			}
		}
	}

	/* A requirement demanded by an enforcing policy is not merely warned. */
	verdict->warned &= ~verdict->enforced;
}
