/*-------------------------------------------------------------------------
 *
 * fuzz_evaluate.c
 *		Evaluation (src/evaluate.c) of a parsed policy against synthetic
 *		connection facts, for the fuzz target in fuzz_policy.c.
 *
 * The facts are drawn from the input's bytes, so that libFuzzer explores
 * them along with the policy text.  Properties:
 *
 *	- the verdict's bits are the union of secconn_policy_violations() over
 *	  the valid policies; enforced and warned are disjoint; a policy that
 *	  is not valid makes the verdict unevaluable;
 *	- a policy is violated only in requirements it has;
 *	- under exempt_local a Unix-domain socket violates auth= only;
 *	- every violation names its requirement as a policy spells it, with at
 *	  least one source, and its enforced flag matches the sources' modes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "evaluate.h"

#include "pg_stubs.h"

#undef fprintf

static const char *const cipher_names[] = {
	"TLS_AES_256_GCM_SHA384", "TLS_AES_128_CCM_8_SHA256",
	"ECDHE-RSA-AES256-GCM-SHA384", "AES128-SHA", "DHE-RSA-CHACHA20-POLY1305",
	"",
};

static const char *const dns[] = {
	"CN=alice,O=Example", "CN=Example CA", "CN=a\"b", "",
};

pg_attribute_noreturn() static void
broken(const char *property, const char *text)
{
	fprintf(stderr, "fuzz_evaluate: property broken: %s\ninput: \"%s\"\n",
			property, text);
	abort();
}

/* The next byte of the input after the policy text, or a fixed one. */
static unsigned char
take(const uint8_t *data, size_t size, size_t *pos)
{
	return *pos < size ? data[(*pos)++] : (unsigned char) (*pos)++ * 37;
}

static void
synthetic_facts(const uint8_t *data, size_t size, size_t pos,
				SecconnFacts *facts)
{
	unsigned char flags;

	memset(facts, 0, sizeof(*facts));
	facts->transport = take(data, size, &pos) % 4;
	facts->tls_version = take(data, size, &pos) % 5;
	strlcpy(facts->cipher, cipher_names[take(data, size, &pos) % lengthof(cipher_names)],
			sizeof(facts->cipher));
	facts->cipher_strong = take(data, size, &pos) & 1;
	facts->auth_method = (int) (take(data, size, &pos) % (SECCONN_NUM_AUTH_MECHS + 1)) - 1;
	facts->auth_mechanism = (int) (take(data, size, &pos) % (SECCONN_NUM_AUTH_MECHS + 1)) - 1;
	flags = take(data, size, &pos);
	facts->cert_present = flags & 1;
	facts->cert_verified = flags & 2;
	facts->cert_has_cn = flags & 4;
	facts->cert_cn_fits = flags & 8;
	facts->subject_dn_fits = flags & 16;
	facts->issuer_dn_fits = flags & 32;
	strlcpy(facts->cert_cn, "alice", sizeof(facts->cert_cn));
	strlcpy(facts->role_name, (flags & 64) ? "alice" : "bob",
			sizeof(facts->role_name));
	strlcpy(facts->subject_dn, dns[take(data, size, &pos) % lengthof(dns)],
			sizeof(facts->subject_dn));
	strlcpy(facts->issuer_dn, dns[take(data, size, &pos) % lengthof(dns)],
			sizeof(facts->issuer_dn));
}

/* A List of the given cells, built by hand: the fuzz build has no list.c. */
static List *
make_list(void **items, int n)
{
	List	   *list = palloc(offsetof(List, initial_elements) +
							  n * sizeof(ListCell));

	list->type = T_List;
	list->length = n;
	list->max_length = n;
	list->elements = list->initial_elements;
	for (int i = 0; i < n; i++)
		list->elements[i].ptr_value = items[i];
	return list;
}

static SecconnAppliedPolicy *
applied(SecconnSourceKind kind, const SecconnPolicy *policy, bool warn_only)
{
	SecconnAppliedPolicy *a = palloc0(sizeof(SecconnAppliedPolicy));

	a->kind = kind;
	a->valid = true;
	a->policy = *policy;
	a->policy.warn_only = warn_only;
	return a;
}

static int
present_bits(const SecconnPolicy *policy)
{
	int			bits = 0;

	for (int req = 1; req < (1 << SECCONN_NUM_REQS); req <<= 1)
		if (secconn_policy_has_requirement(policy, req))
			bits |= req;
	return bits;
}

static void
check_violation(const SecconnViolation *v, const char *text)
{
	bool		any_enforcing = false;
	const char *keyword = secconn_req_keyword(v->req);

	if (keyword == NULL || strncmp(v->requirement, keyword, strlen(keyword)) != 0)
		broken("a violation does not name its requirement", text);
	if (v->nsources < 1)
		broken("a violation without a source", text);
	for (int i = 0; i < v->nsources; i++)
		any_enforcing |= !v->sources[i]->policy.warn_only;
	if (any_enforcing != v->enforced)
		broken("a violation's enforced flag disagrees with its sources", text);
}

/*
 * Evaluate "policy" (parsed from "text"; the input's bytes from "pos" on
 * choose the facts) as an enforcing label, a mode=warn label and, when
 * "with_invalid", next to a label that does not parse.
 */
void
fuzz_evaluate(const char *text, const SecconnPolicy *policy,
			  const uint8_t *data, size_t size, size_t pos)
{
	SecconnFacts facts;
	SecconnAppliedPolicy *invalid;
	void	   *items[3];
	SecconnVerdict verdict;
	bool		exempt_local = size > 0 && (data[size - 1] & 1);
	bool		with_invalid = size > 0 && (data[size - 1] & 2);
	int			alone;

	synthetic_facts(data, size, pos, &facts);
	alone = secconn_policy_violations(policy, &facts, exempt_local);
	if (alone & ~present_bits(policy))
		broken("a violation of a requirement the policy does not have", text);
	if (exempt_local && facts.transport == SECCONN_TRANSPORT_LOCAL &&
		(alone & ~SECCONN_REQ_AUTH))
		broken("an exempt local connection violates a transport requirement", text);

	invalid = applied(SECCONN_SOURCE_ROLE, policy, false);
	invalid->valid = false;
	items[0] = applied(SECCONN_SOURCE_ROLE, policy, false);
	items[1] = applied(SECCONN_SOURCE_DATABASE, policy, true);
	items[2] = invalid;
	secconn_evaluate(make_list(items, with_invalid ? 3 : 2), &facts,
					 exempt_local, &verdict);

	if (verdict.enforced != alone || verdict.warned != 0)
		broken("the verdict's bits are not those of its policies", text);
	if (verdict.unevaluable != with_invalid)
		broken("unevaluable does not say whether a policy is invalid", text);
	for (int i = 0; i < verdict.nviolations; i++)
	{
		check_violation(&verdict.violations[i], text);
		if (!(alone & verdict.violations[i].req))
			broken("a violation that no policy has", text);
	}

	/* The same policy in mode=warn only: warned, nothing enforced. */
	secconn_evaluate(make_list(&items[1], 1), &facts, exempt_local, &verdict);
	if (verdict.warned != alone || verdict.enforced != 0)
		broken("a mode=warn policy's violations are not merely warned", text);
}
