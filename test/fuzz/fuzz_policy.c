/*-------------------------------------------------------------------------
 *
 * fuzz_policy.c
 *		libFuzzer target for the secconn policy parser (src/policy.c) and the
 *		cipher-list code it relies on (src/cipher.c).
 *
 * Each input is taken as a policy text, as a label or the GUC would hand
 * it over: the bytes up to the first NUL.  Then:
 *
 *	- secconn_policy_parse() must not crash, read or write out of bounds,
 *	  or hit undefined behaviour (AddressSanitizer, UBSan);
 *	- on failure it must name the offending word, and that word must occur
 *	  in the input (it is shown to the DBA as "the bad word");
 *	- pinned DNs (cert_issuer=, cert_subject=) hold no control or
 *	  non-ASCII byte, imply clientcert, and render quoted;
 *	- on success the text is at most SECCONN_MAX_POLICY_LEN bytes, every
 *	  requirement kind renders with secconn_policy_requirement_text(), and
 *	  the rendering of the requirements it has parses back to the same
 *	  policy (what the server logs is a policy the DBA could write);
 *	- a parsed cipher list is evaluated as the authentication hook would,
 *	  against a TLS 1.2 and a TLS 1.3 cipher name;
 *	- a parsed policy is evaluated against synthetic facts drawn from the
 *	  bytes after the text (fuzz_evaluate.c);
 *	- the input is also looked up as a cipher name, as the SQL function
 *	  secconn_cipher_info() does with user input.
 *
 * A broken property aborts, which libFuzzer reports as a crash.  All
 * palloc'd memory is released after each input (pg_stubs.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "cipher.h"
#include "policy.h"

#include "pg_stubs.h"

#undef fprintf

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern void fuzz_evaluate(const char *text, const SecconnPolicy *policy,
						  const uint8_t *data, size_t size, size_t pos);

static const int all_reqs[] = {
	SECCONN_REQ_SSL, SECCONN_REQ_MIN_TLS, SECCONN_REQ_CIPHER,
	SECCONN_REQ_AUTH, SECCONN_REQ_CLIENTCERT,
	SECCONN_REQ_CERT_ISSUER, SECCONN_REQ_CERT_SUBJECT
};

pg_attribute_noreturn() static void
broken(const char *property, const char *text)
{
	fprintf(stderr, "fuzz_policy: property broken: %s\ninput: \"%s\"\n",
			property, text);
	abort();
}

/* Does the parsed policy have a requirement of this kind? */
static bool
has_req(const SecconnPolicy *policy, int req)
{
	switch (req)
	{
		case SECCONN_REQ_SSL:
			return policy->require_ssl;
		case SECCONN_REQ_MIN_TLS:
			return policy->min_tls != SECCONN_TLS_NONE;
		case SECCONN_REQ_CIPHER:
			return policy->cipher != SECCONN_CIPHER_ANY;
		case SECCONN_REQ_AUTH:
			return policy->auth_mask != 0;
		case SECCONN_REQ_CLIENTCERT:
			return policy->clientcert != SECCONN_CERT_ANY;
		case SECCONN_REQ_CERT_ISSUER:
			return policy->cert_issuer[0] != '\0';
		case SECCONN_REQ_CERT_SUBJECT:
			return policy->cert_subject[0] != '\0';
	}
	return false;
}

static bool
same_policy(const SecconnPolicy *a, const SecconnPolicy *b)
{
	return a->require_ssl == b->require_ssl &&
		a->min_tls == b->min_tls &&
		a->cipher == b->cipher &&
		a->clientcert == b->clientcert &&
		a->auth_mask == b->auth_mask &&
		a->warn_only == b->warn_only &&
		(a->cipher != SECCONN_CIPHER_LIST ||
		 strcmp(a->cipher_list, b->cipher_list) == 0) &&
		strcmp(a->cert_issuer, b->cert_issuer) == 0 &&
		strcmp(a->cert_subject, b->cert_subject) == 0;
}

static void
check_parsed(const char *text, const SecconnPolicy *policy)
{
	char	   *canonical;
	size_t		used = 0;
	bool		empty = true;
	SecconnPolicy *again;
	SecconnPolicyError error;

	if (strlen(text) > SECCONN_MAX_POLICY_LEN)
		broken("a policy longer than the limit was accepted", text);
	for (const char *dn = policy->cert_issuer;; dn = policy->cert_subject)
	{
		for (const char *c = dn; *c; c++)
			if ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7F)
				broken("a pinned DN with a control or non-ASCII byte", text);
		if (dn[0] != '\0' && policy->clientcert == SECCONN_CERT_ANY)
			broken("a pin without clientcert", text);
		if (dn == policy->cert_subject)
			break;
	}

	/*
	 * Every kind renders (also kinds the policy lacks, which no caller
	 * asks for today); the ones it has are joined into a canonical text.
	 */
	/* pins double their quotes: at most twice a policy's length in all */
	canonical = palloc(SECCONN_NUM_REQS * (2 * SECCONN_MAX_POLICY_LEN + 64) + 16);
	canonical[0] = '\0';
	for (int i = 0; i < lengthof(all_reqs); i++)
	{
		char	   *req_text = secconn_policy_requirement_text(policy, all_reqs[i]);
		size_t		len = strlen(req_text);

		if (len == 0)
			broken("empty requirement text", text);
		if (!has_req(policy, all_reqs[i]))
			continue;
		empty = false;
		if (strncmp(req_text, secconn_req_keyword(all_reqs[i]),
					strlen(secconn_req_keyword(all_reqs[i]))) != 0)
			broken("requirement text does not start with its keyword", text);
		used += sprintf(canonical + used, "%s%s", used ? " " : "", req_text);
	}
	if (policy->warn_only)
		used += sprintf(canonical + used, "%smode=warn", used ? " " : "");

	if (empty != secconn_policy_is_empty(policy))
		broken("secconn_policy_is_empty disagrees with the fields", text);

	/* The canonical text may outgrow the limit (an added "ssl"): skip. */
	if (used > SECCONN_MAX_POLICY_LEN)
		return;
	again = palloc(sizeof(SecconnPolicy));
	if (!secconn_policy_parse(canonical, again, &error))
	{
		fprintf(stderr, "canonical text \"%s\" refused: \"%s\": %s\n",
				canonical, error.word, error.detail);
		broken("the canonical text of a valid policy does not parse", text);
	}
	if (!same_policy(policy, again))
	{
		fprintf(stderr, "canonical text: \"%s\"\n", canonical);
		broken("the canonical text parses to a different policy", text);
	}

	/* What the authentication hook does with a cipher list. */
	if (policy->cipher == SECCONN_CIPHER_LIST)
	{
		(void) secconn_cipher_list_allows(policy->cipher_list,
										  "ECDHE-RSA-AES256-GCM-SHA384", false);
		(void) secconn_cipher_list_allows(policy->cipher_list,
										  "TLS_AES_256_GCM_SHA384", true);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text;
	SecconnPolicy *policy;
	SecconnPolicyError error;
	SecconnCipherInfo info;

	/* a label or GUC value ends at its NUL */
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* palloc'd, so that ASan has red zones right around the struct */
	policy = palloc(sizeof(SecconnPolicy));
	if (secconn_policy_parse(text, policy, &error))
	{
		check_parsed(text, policy);
		fuzz_evaluate(text, policy, data, size, strlen(text) + 1);
	}
	else
	{
		if (error.word == NULL || error.detail == NULL)
			broken("a refusal without word or detail", text);
		if (error.detail[0] == '\0')
			broken("a refusal with an empty detail", text);
		if (strstr(text, error.word) == NULL)
			broken("the word named in a refusal is not in the input", text);
	}

	/* secconn_cipher_info(text): may be any string a user types */
	(void) secconn_cipher_lookup(text, &info);

	stub_reset_memory();
	free(text);
	return 0;
}
