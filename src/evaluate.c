/*-------------------------------------------------------------------------
 *
 * evaluate.c
 *		Policies + connection facts -> violated requirements, described.
 *
 * A requirement is met when (transport requirements are ssl, min_tls,
 * cipher and clientcert; they all count as met on a Unix-domain socket
 * while secconn.exempt_local is on):
 *	ssl				the connection uses TLS
 *	min_tls=V		it uses TLS at version V or later
 *	cipher=strong	it uses TLS and the negotiated cipher is strong
 *	cipher=LIST		it uses TLS and LIST allows the negotiated cipher
 *	auth=M,...		the mechanism that really ran is one of M
 *	clientcert		it uses TLS and the client presented a certificate the
 *					server verified against ssl_ca_file
 *	clientcert=verify-full	as clientcert, and the certificate's CN equals
 *					the role name
 *	cert_issuer=DN	(implies clientcert) a verified certificate's issuer DN
 *					equals DN, byte for byte; a certificate without one is
 *					a clientcert violation only
 *	cert_subject=DN	the same for the subject DN
 * A connection is compliant when every requirement of every policy that
 * applies to it is met (see catalog.c for which policies apply).  A policy
 * that cannot be parsed cannot be evaluated; the caller fails closed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "cipher.h"
#include "secconn.h"

/* A violated requirement and the policies that demand it. */
typedef struct Violation
{
	int			req;
	char	   *requirement;	/* "min_tls=TLSv1.3" */
	char	   *had;			/* what the connection had */
	bool		enforced;		/* demanded by at least one enforcing policy */
	StringInfoData sources;
} Violation;

int
secconn_policy_violations(const SecconnPolicy *policy, const SecconnFacts *facts)
{
	int			violations = 0;
	bool		tls = facts->transport == SECCONN_TRANSPORT_TLS;
	bool		exempt = facts->transport == SECCONN_TRANSPORT_LOCAL &&
		secconn_exempt_local;

	if (!exempt)
	{
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

		if (policy->clientcert != SECCONN_CERT_ANY &&
			(!tls || !facts->cert_present || !facts->cert_verified ||
			 (policy->clientcert == SECCONN_CERT_VERIFY_FULL &&
			  (!facts->cert_cn_fits ||
			   strcmp(facts->cert_cn, facts->role_name) != 0))))
			violations |= SECCONN_REQ_CLIENTCERT;

		/* Pins: only on a verified certificate (else clientcert says it). */
		if (tls && facts->cert_present && facts->cert_verified)
		{
			if (policy->cert_issuer[0] != '\0' &&
				(!facts->issuer_dn_fits ||
				 strcmp(facts->issuer_dn, policy->cert_issuer) != 0))
				violations |= SECCONN_REQ_CERT_ISSUER;
			if (policy->cert_subject[0] != '\0' &&
				(!facts->subject_dn_fits ||
				 strcmp(facts->subject_dn, policy->cert_subject) != 0))
				violations |= SECCONN_REQ_CERT_SUBJECT;
		}
	}

	if (policy->auth_mask != 0 &&
		(facts->auth_mechanism == SECCONN_AUTH_UNKNOWN ||
		 (policy->auth_mask & (1U << facts->auth_mechanism)) == 0))
		violations |= SECCONN_REQ_AUTH;

	return violations;
}

/* What the connection had, as the end of "Requirement ... is not met: ". */
static char *
describe_had(int req, const SecconnPolicy *policy, const SecconnFacts *facts)
{
	bool		tls = facts->transport == SECCONN_TRANSPORT_TLS;

	if (req == SECCONN_REQ_AUTH)
	{
		const char *mech = secconn_auth_mech_name(facts->auth_mechanism);

		return mech ? psprintf("the session authenticated with %s", mech) :
			pstrdup("the session's authentication mechanism is unknown");
	}
	if (!tls)
		return psprintf("the connection uses %s", secconn_describe_transport(facts));
	if (req == SECCONN_REQ_CIPHER && policy->cipher == SECCONN_CIPHER_STRONG)
		return psprintf("the connection uses %s, which is not a strong cipher",
						secconn_describe_transport(facts));
	if (req == SECCONN_REQ_CLIENTCERT)
	{
		if (!facts->cert_present)
			return pstrdup("the client presented no certificate");
		if (!facts->cert_verified)
			return pstrdup("the client certificate was not verified");
		if (!facts->cert_has_cn && !facts->subject_dn_fits)
			return psprintf("the certificate has no CN, so it cannot match the role name \"%s\"; its subject is too long to show",
							facts->role_name);
		if (!facts->cert_has_cn)
			return facts->subject_dn[0] ?
				psprintf("the certificate has no CN, so it cannot match the role name \"%s\"; its subject is \"%s\"",
						 facts->role_name, facts->subject_dn) :
				psprintf("the certificate has no CN and an empty subject, so it cannot match the role name \"%s\"",
						 facts->role_name);
		if (!facts->cert_cn_fits)
			return psprintf("the certificate's CN is longer than any role name and cannot match the role name \"%s\"",
							facts->role_name);
		return psprintf("the certificate's CN \"%s\" does not match the role name \"%s\"",
						facts->cert_cn, facts->role_name);
	}
	if (req == SECCONN_REQ_CERT_ISSUER)
		return facts->issuer_dn_fits ?
			psprintf("the client certificate was issued by \"%s\"", facts->issuer_dn) :
			pstrdup("the client certificate's issuer DN is longer than any pin");
	if (req == SECCONN_REQ_CERT_SUBJECT)
		return facts->subject_dn_fits ?
			psprintf("the client certificate's subject is \"%s\"", facts->subject_dn) :
			pstrdup("the client certificate's subject DN is longer than any pin");
	return psprintf("the connection uses %s", secconn_describe_transport(facts));
}

/*
 * How to comply with one violated requirement, for any client: what must
 * change first, then how in libpq (and JDBC where it is one setting).
 * "requirement" is the requirement as written, e.g. "min_tls=TLSv1.3".
 */
static char *
hint_for(int req, const char *requirement, const SecconnFacts *facts)
{
	const char *value = strchr(requirement, '=');

	value = value ? value + 1 : "";
	switch (req)
	{
		case SECCONN_REQ_SSL:
			return pstrdup("connect with TLS (libpq and JDBC: sslmode=require or stronger)");
		case SECCONN_REQ_MIN_TLS:
			return psprintf("connect with %s or later, which the client's TLS library must allow (libpq: ssl_min_protocol_version=%s)",
							value, value);
		case SECCONN_REQ_CIPHER:
			if (pg_strcasecmp(value, "strong") == 0)
				return pstrdup("connect with TLS 1.3, or with TLS 1.2 and an ECDHE or DHE suite with AES-GCM or ChaCha20-Poly1305 and a server certificate (libpq: ssl_min_protocol_version=TLSv1.3)");
			return psprintf("connect with a cipher that \"%s\" allows; the client's TLS settings decide which ciphers it offers",
							requirement);
		case SECCONN_REQ_AUTH:
			if (facts->auth_mechanism == SECCONN_AUTH_UNKNOWN)
				return pstrdup("connect again: which mechanism ran is unknown, for example because the role's password was changed while the connection authenticated");
			return pstrdup("authenticate with a mechanism the policy accepts: for scram-sha-256 the role needs a SCRAM password, set again while password_encryption is scram-sha-256 (psql: \\password)");
		case SECCONN_REQ_CLIENTCERT:
			return pstrdup("present a client certificate signed by the server's CA, whose CN is the role name where verify-full is required (libpq and JDBC: sslcert and sslkey)");
		case SECCONN_REQ_CERT_ISSUER:
			return pstrdup("present a client certificate issued by the CA that the policy names (libpq and JDBC: sslcert and sslkey)");
		case SECCONN_REQ_CERT_SUBJECT:
			return pstrdup("present the client certificate whose subject the policy names (libpq and JDBC: sslcert and sslkey)");
	}
	return pstrdup("ask the administrator which policy applies");
}

static Violation *
find_or_add(Violation *found, int *nfound, int req, char *requirement)
{
	for (int i = 0; i < *nfound; i++)
	{
		if (strcmp(found[i].requirement, requirement) == 0)
			return &found[i];
	}
	found[*nfound].req = req;
	found[*nfound].requirement = requirement;
	found[*nfound].had = NULL;
	found[*nfound].enforced = false;
	initStringInfo(&found[*nfound].sources);
	return &found[(*nfound)++];
}

/*
 * Evaluate every applicable policy against the facts and describe the
 * outcome for the client (violations of enforcing policies only) and for
 * the server log (all violations with the policies that demand them, and
 * every policy that could not be evaluated).
 */
void
secconn_evaluate(List *policies, const SecconnFacts *facts,
				 SecconnVerdict *verdict)
{
	Violation  *found;
	int			nfound = 0;
	ListCell   *cell;
	StringInfoData client;
	StringInfoData log;
	StringInfoData hint;
	int			hinted = 0;

	memset(verdict, 0, sizeof(*verdict));
	found = palloc(sizeof(Violation) * (list_length(policies) * SECCONN_NUM_REQS + 1));
	initStringInfo(&client);
	initStringInfo(&log);
	initStringInfo(&hint);

	foreach(cell, policies)
	{
		SecconnAppliedPolicy *applied = lfirst(cell);
		int			violated;

		if (!applied->valid)
		{
			verdict->unevaluable = true;
			appendStringInfo(&log, "%sThe policy in %s cannot be evaluated. %s",
							 log.len ? "\n" : "",
							 secconn_source_description(applied),
							 applied->invalid_reason);
			continue;
		}

		violated = secconn_policy_violations(&applied->policy, facts);
		for (int req = 1; req < (1 << SECCONN_NUM_REQS); req <<= 1)
		{
			Violation  *v;

			if (!(violated & req))
				continue;
			v = find_or_add(found, &nfound, req,
							secconn_policy_requirement_text(&applied->policy, req));
			if (v->had == NULL)
				v->had = describe_had(req, &applied->policy, facts);
			if (!applied->policy.warn_only)
				v->enforced = true;
			appendStringInfo(&v->sources, "%s%s%s",
							 v->sources.len ? ", " : "",
							 secconn_source_description(applied),
							 applied->policy.warn_only ? " (mode=warn)" : "");
			if (applied->policy.warn_only)
				verdict->warned |= req;
			else
				verdict->enforced |= req;
		}
	}

	/* A requirement demanded by an enforcing policy is not merely warned. */
	verdict->warned &= ~verdict->enforced;

	for (int i = 0; i < nfound; i++)
	{
		Violation  *v = &found[i];

		if (v->enforced)
			appendStringInfo(&client, "%sRequirement \"%s\" is not met: %s.",
							 client.len ? "\n" : "", v->requirement, v->had);
		appendStringInfo(&log, "%sRequirement \"%s\" is not met: %s. Demanded by %s.",
						 log.len ? "\n" : "", v->requirement, v->had,
						 v->sources.data);
		if (!(hinted & v->req) && (v->enforced || verdict->enforced == 0))
		{
			appendStringInfo(&hint, "%s%s", hinted ? "; " : "To comply, ",
							 hint_for(v->req, v->requirement, facts));
			hinted |= v->req;
		}
	}
	if (hint.len)
		appendStringInfoChar(&hint, '.');

	verdict->client_detail = client.data;
	verdict->log_detail = log.data;
	verdict->hint = hint.data;
}
