/*-------------------------------------------------------------------------
 *
 * policy.c
 *		The secconn policy language.
 *
 * A policy is a string of requirements separated by white space.  Keywords
 * and their fixed values are case-insensitive; a cipher list keeps its case,
 * because OpenSSL's cipher names are case-sensitive.
 *
 *	ssl						the connection must use TLS
 *	min_tls=V				TLS version at least V (TLSv1, TLSv1.1, TLSv1.2,
 *							TLSv1.3); implies ssl
 *	cipher=strong			a strong cipher (see cipher.c); implies ssl
 *	cipher=LIST				a cipher selected by LIST (see cipher.c);
 *							implies ssl
 *	auth=M[,M...]			the mechanism that really authenticated the
 *							session is one of these pg_hba method names
 *	clientcert				a client certificate verified against
 *							ssl_ca_file; implies ssl
 *	clientcert=verify-full	as clientcert, and its CN equals the role name
 *	cert_issuer="DN"		(1.1) clientcert, and the certificate's issuer DN
 *							equals DN
 *	cert_subject="DN"		(1.1) clientcert, and its subject DN equals DN
 *	mode=warn				violations of this policy are logged, not
 *							enforced (mode=enforce, the default, also parses)
 *
 * DNs are RFC 2253 strings as OpenSSL prints them (X509_NAME_print_ex with
 * XN_FLAG_RFC2253), compared byte for byte.  Any value may be written in
 * double quotes, and one that contains white space or '"' must be, with
 * "" for a literal '"' (no other escapes: a backslash is a backslash, as in
 * the RFC 2253 text itself).  The quoted value runs to the closing quote,
 * which must end the word.
 *
 * Every keyword may appear once.  An unknown keyword, a bad or empty value,
 * or a repeated keyword is an error naming the word; nothing is ignored.
 *
 * This file uses palloc and cipher.c only: no ereport, no catalogs, no GUCs.
 * The parser reports errors through SecconnPolicyError so that its callers
 * (the label provider, the GUC check hook, the authentication hook) each
 * report them their own way, and so that it can be fuzzed on its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "cipher.h"
#include "compat.h"
#include "policy.h"

static const char *const auth_mech_names[SECCONN_NUM_AUTH_MECHS] = {
	[SECCONN_AUTH_SCRAM_SHA_256] = "scram-sha-256",
	[SECCONN_AUTH_MD5] = "md5",
	[SECCONN_AUTH_PASSWORD] = "password",
	[SECCONN_AUTH_CERT] = "cert",
	[SECCONN_AUTH_TRUST] = "trust",
	[SECCONN_AUTH_PEER] = "peer",
	[SECCONN_AUTH_IDENT] = "ident",
	[SECCONN_AUTH_GSS] = "gss",
	[SECCONN_AUTH_SSPI] = "sspi",
	[SECCONN_AUTH_LDAP] = "ldap",
	[SECCONN_AUTH_RADIUS] = "radius",
	[SECCONN_AUTH_PAM] = "pam",
	[SECCONN_AUTH_BSD] = "bsd",
	[SECCONN_AUTH_OAUTH] = "oauth",
};

static const char *const tls_version_names[] = {
	[SECCONN_TLS_NONE] = NULL,
	[SECCONN_TLS_1_0] = "TLSv1",
	[SECCONN_TLS_1_1] = "TLSv1.1",
	[SECCONN_TLS_1_2] = "TLSv1.2",
	[SECCONN_TLS_1_3] = "TLSv1.3",
};

/*
 * The grammar is ASCII.  Case folding and white space are ASCII-only, so that
 * a label parses the same in every locale: the label provider runs in the
 * database's locale, the authentication hook in the server's.
 */
static bool
is_policy_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Does s (length len, not NUL-terminated) equal word, ignoring ASCII case? */
static bool
ascii_caseeq(const char *s, size_t len, const char *word)
{
	if (strlen(word) != len)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (ascii_lower(s[i]) != ascii_lower(word[i]))
			return false;
	}
	return true;
}

/* Bits of the keywords seen so far, to refuse repeats. */
#define SEEN_SSL		0x01
#define SEEN_MIN_TLS	0x02
#define SEEN_CIPHER		0x04
#define SEEN_AUTH		0x08
#define SEEN_CLIENTCERT 0x10
#define SEEN_MODE		0x20
#define SEEN_CERT_ISSUER	0x40
#define SEEN_CERT_SUBJECT	0x80

const char *
secconn_auth_mech_name(int mech)
{
	if (mech < 0 || mech >= SECCONN_NUM_AUTH_MECHS)
		return NULL;
	return auth_mech_names[mech];
}

/* The mechanism for a pg_hba method name; SECCONN_AUTH_UNKNOWN if none. */
int
secconn_auth_mech_from_name(const char *name)
{
	for (int i = 0; i < SECCONN_NUM_AUTH_MECHS; i++)
	{
		if (i == SECCONN_AUTH_OAUTH && !SECCONN_HAVE_OAUTH)
			continue;
		if (ascii_caseeq(name, strlen(name), auth_mech_names[i]))
			return i;
	}
	return SECCONN_AUTH_UNKNOWN;
}

const char *
secconn_tls_version_name(SecconnTlsVersion version)
{
	if (version <= SECCONN_TLS_NONE || version > SECCONN_TLS_1_3)
		return NULL;
	return tls_version_names[version];
}

const char *
secconn_req_keyword(int req)
{
	switch (req)
	{
		case SECCONN_REQ_SSL:
			return "ssl";
		case SECCONN_REQ_MIN_TLS:
			return "min_tls";
		case SECCONN_REQ_CIPHER:
			return "cipher";
		case SECCONN_REQ_AUTH:
			return "auth";
		case SECCONN_REQ_CLIENTCERT:
			return "clientcert";
		case SECCONN_REQ_CERT_ISSUER:
			return "cert_issuer";
		case SECCONN_REQ_CERT_SUBJECT:
			return "cert_subject";
	}
	return NULL;
}

bool
secconn_policy_is_empty(const SecconnPolicy *policy)
{
	return !policy->require_ssl &&
		policy->min_tls == SECCONN_TLS_NONE &&
		policy->cipher == SECCONN_CIPHER_ANY &&
		policy->clientcert == SECCONN_CERT_ANY &&
		policy->auth_mask == 0 &&
		policy->cert_issuer[0] == '\0' &&
		policy->cert_subject[0] == '\0';
}

/* keyword="value", always quoted, with "" for a quote; palloc'd. */
static char *
quoted_requirement(const char *keyword, const char *value)
{
	char	   *text = palloc(strlen(keyword) + 2 * strlen(value) + 4);
	char	   *end = text;

	end += sprintf(end, "%s=\"", keyword);
	for (const char *c = value; *c; c++)
	{
		if (*c == '"')
			*end++ = '"';
		*end++ = *c;
	}
	*end++ = '"';
	*end = '\0';
	return text;
}

/*
 * The requirement of kind "req" as a policy would spell it, e.g.
 * "min_tls=TLSv1.3" or "auth=scram-sha-256,cert"; palloc'd.
 */
char *
secconn_policy_requirement_text(const SecconnPolicy *policy, int req)
{
	switch (req)
	{
		case SECCONN_REQ_SSL:
			return pstrdup("ssl");
		case SECCONN_REQ_MIN_TLS:
			return psprintf("min_tls=%s",
							secconn_tls_version_name(policy->min_tls));
		case SECCONN_REQ_CIPHER:
			if (policy->cipher == SECCONN_CIPHER_STRONG)
				return pstrdup("cipher=strong");
			return psprintf("cipher=%s", policy->cipher_list);
		case SECCONN_REQ_AUTH:
			{
				/* "auth=" and every mechanism name with a comma fits */
				char	   *text = palloc(16 * (SECCONN_NUM_AUTH_MECHS + 1));
				char	   *end = text;

				end += sprintf(end, "auth=");
				for (int i = 0; i < SECCONN_NUM_AUTH_MECHS; i++)
				{
					if (policy->auth_mask & (1U << i))
						end += sprintf(end, "%s%s", end[-1] == '=' ? "" : ",",
									   auth_mech_names[i]);
				}
				return text;
			}
		case SECCONN_REQ_CLIENTCERT:
			if (policy->clientcert == SECCONN_CERT_VERIFY_FULL)
				return pstrdup("clientcert=verify-full");
			return pstrdup("clientcert");
		case SECCONN_REQ_CERT_ISSUER:
			return quoted_requirement("cert_issuer", policy->cert_issuer);
		case SECCONN_REQ_CERT_SUBJECT:
			return quoted_requirement("cert_subject", policy->cert_subject);
	}
	return pstrdup("?");
}

/* Record an error about "word" (length len) and return false. */
static bool
policy_error(SecconnPolicyError *error, const char *word, size_t len,
			 const char *detail)
{
	error->word = pnstrdup(word, len);
	error->detail = pstrdup(detail);
	return false;
}

/* One sentence on every major, so that it never misleads a restore. */
#define VALID_MECHANISMS \
	"Valid mechanisms are scram-sha-256, md5, password, cert, trust, peer, ident, gss, sspi, ldap, radius, pam, bsd and (on PostgreSQL 18 and later) oauth, separated by commas."

/*
 * Parse "scram-sha-256,cert" into a mask of SecconnAuthMech bits.  Returns
 * NULL, or the sentence that says why the list is not valid.
 */
static const char *
parse_auth_list(const char *value, size_t len, uint32 *mask)
{
	const char *item = value;
	const char *end = value + len;

	*mask = 0;
	while (item <= end)
	{
		const char *comma = memchr(item, ',', end - item);
		size_t		item_len = (comma ? comma : end) - item;
		char		name[32];
		int			mech;

		if (item_len == 0 || item_len >= sizeof(name))
			return VALID_MECHANISMS;
		memcpy(name, item, item_len);
		name[item_len] = '\0';
		mech = secconn_auth_mech_from_name(name);
		if (mech == SECCONN_AUTH_UNKNOWN)
		{
			if (!SECCONN_HAVE_OAUTH &&
				ascii_caseeq(name, item_len, auth_mech_names[SECCONN_AUTH_OAUTH]))
				return "This server has no OAuth authentication: \"oauth\" is a pg_hba method of PostgreSQL 18 and later.";
			return VALID_MECHANISMS;
		}
		*mask |= 1U << mech;
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	return NULL;
}

/*
 * A pinned DN: OpenSSL's RFC 2253 output escapes control characters and
 * every byte above 0x7F (\XX), so a pin with such a byte could never
 * match: refuse it rather than let it lock the role out silently.
 */
static bool
parse_dn(const char *word, size_t len, const char *value, size_t value_len,
		 char *dest, SecconnPolicyError *error)
{
	for (size_t i = 0; i < value_len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (c < 0x20 || c >= 0x7F)
			return policy_error(error, word, len,
								"A DN is written as OpenSSL prints it in RFC 2253 form, which escapes control and non-ASCII characters as \\XX (for example CN=Jos\\C3\\A9): write them that way.");
	}
	/* value_len < len <= SECCONN_MAX_POLICY_LEN: it fits */
	memcpy(dest, value, value_len);
	dest[value_len] = '\0';
	return true;
}

/*
 * Parse one requirement "word" (not NUL-terminated, length len, as written,
 * for error messages).  key_len is the length of its keyword; value, of
 * length value_len, is what follows the "=" with any quotes removed (NULL
 * when there is no "=").
 */
static bool
parse_word(const char *word, size_t len, size_t key_len,
		   const char *value, size_t value_len,
		   SecconnPolicy *policy, int *seen, SecconnPolicyError *error)
{
	bool		eq = value != NULL;
	int			bit;

#define KEY_IS(k) ascii_caseeq(word, key_len, (k))
#define VALUE_IS(v) ascii_caseeq(value, value_len, (v))

	if (KEY_IS("ssl"))
		bit = SEEN_SSL;
	else if (KEY_IS("min_tls"))
		bit = SEEN_MIN_TLS;
	else if (KEY_IS("cipher"))
		bit = SEEN_CIPHER;
	else if (KEY_IS("auth"))
		bit = SEEN_AUTH;
	else if (KEY_IS("clientcert"))
		bit = SEEN_CLIENTCERT;
	else if (KEY_IS("mode"))
		bit = SEEN_MODE;
	else if (KEY_IS("cert_issuer"))
		bit = SEEN_CERT_ISSUER;
	else if (KEY_IS("cert_subject"))
		bit = SEEN_CERT_SUBJECT;
	else
		return policy_error(error, word, len,
							"Valid requirements are ssl, min_tls=, cipher=, auth=, clientcert, cert_issuer=, cert_subject= and mode=.");

	if (*seen & bit)
		return policy_error(error, word, len,
							"Each requirement may appear only once in a policy.");
	*seen |= bit;

	/* keywords that take no value, or an optional one */
	if (bit == SEEN_SSL)
	{
		if (eq)
			return policy_error(error, word, len,
								"Requirement \"ssl\" takes no value.");
		policy->require_ssl = true;
		return true;
	}
	if (bit == SEEN_CLIENTCERT && !eq)
	{
		policy->clientcert = SECCONN_CERT_VERIFY_CA;
		policy->require_ssl = true;
		return true;
	}
	if (!eq || value_len == 0)
		return policy_error(error, word, len,
							"This requirement needs a value after \"=\".");

	switch (bit)
	{
		case SEEN_MIN_TLS:
			for (int v = SECCONN_TLS_1_0; v <= SECCONN_TLS_1_3; v++)
			{
				if (VALUE_IS(tls_version_names[v]))
				{
					policy->min_tls = v;
					policy->require_ssl = true;
					return true;
				}
			}
			return policy_error(error, word, len,
								"Valid TLS versions are TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3.");

		case SEEN_CIPHER:
			if (VALUE_IS("strong"))
				policy->cipher = SECCONN_CIPHER_STRONG;
			else
			{
				char	   *list = pnstrdup(value, value_len);
				char	   *problem = secconn_cipher_list_check(list);

				if (problem)
					return policy_error(error, word, len, problem);
				policy->cipher = SECCONN_CIPHER_LIST;
				strlcpy(policy->cipher_list, list, sizeof(policy->cipher_list));
				pfree(list);
			}
			policy->require_ssl = true;
			return true;

		case SEEN_AUTH:
			{
				const char *problem = parse_auth_list(value, value_len,
													  &policy->auth_mask);

				if (problem)
					return policy_error(error, word, len, problem);
			}
			return true;

		case SEEN_CLIENTCERT:
			if (!VALUE_IS("verify-full"))
				return policy_error(error, word, len,
									"The only value of clientcert is verify-full; plain \"clientcert\" requires a verified certificate.");
			policy->clientcert = SECCONN_CERT_VERIFY_FULL;
			policy->require_ssl = true;
			return true;

		case SEEN_CERT_ISSUER:
		case SEEN_CERT_SUBJECT:
			if (!parse_dn(word, len, value, value_len,
						  bit == SEEN_CERT_ISSUER ? policy->cert_issuer :
						  policy->cert_subject, error))
				return false;
			/* a pin is a requirement on a verified client certificate */
			if (policy->clientcert == SECCONN_CERT_ANY)
				policy->clientcert = SECCONN_CERT_VERIFY_CA;
			policy->require_ssl = true;
			return true;

		case SEEN_MODE:
			if (VALUE_IS("warn"))
				policy->warn_only = true;
			else if (!VALUE_IS("enforce"))
				return policy_error(error, word, len,
									"Valid modes are warn and enforce.");
			return true;
	}
	return policy_error(error, word, len, "Unexpected requirement.");
#undef KEY_IS
#undef VALUE_IS
}

/*
 * Parse "text" into *policy.  On failure return false with *error filled in;
 * *policy is then undefined.
 */
bool
secconn_policy_parse(const char *text, SecconnPolicy *policy,
					 SecconnPolicyError *error)
{
	const char *p = text;
	int			seen = 0;

	memset(policy, 0, sizeof(*policy));
	error->word = NULL;
	error->detail = NULL;

	if (strlen(text) > SECCONN_MAX_POLICY_LEN)
	{
		/* Name its start, cut before any non-ASCII byte so no character is split. */
		size_t		len = 0;

		while (len < 40 && text[len] != '\0' && (unsigned char) text[len] < 0x80)
			len++;
		return policy_error(error, text, len,
							psprintf("A policy may be at most %d bytes long.",
									 SECCONN_MAX_POLICY_LEN));
	}

	for (;;)
	{
		const char *start;
		const char *eq = NULL;
		char	   *value = NULL;
		size_t		value_len = 0;
		bool		ok;

		while (*p && is_policy_space(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p && !is_policy_space(*p) && *p != '"' && (eq || *p != '='))
			p++;
		if (*p == '=' && !eq)
		{
			eq = p++;
			value = palloc(strlen(p) + 1);
			if (*p == '"')
			{
				/* a quoted value: up to the lone closing quote */
				for (p++;; p++)
				{
					if (*p == '\0')
						return policy_error(error, start, p - start,
											"A quoted value needs a closing \".");
					if (*p == '"' && p[1] == '"')
						p++;
					else if (*p == '"')
						break;
					value[value_len++] = *p;
				}
				p++;
				if (*p && !is_policy_space(*p))
				{
					while (*p && !is_policy_space(*p))
						p++;
					return policy_error(error, start, p - start,
										"A quoted value must end its requirement: put white space after the closing \".");
				}
			}
			else
			{
				while (*p && !is_policy_space(*p) && *p != '"')
					value[value_len++] = *p++;
			}
			value[value_len] = '\0';
		}
		if (*p == '"')
		{
			while (*p && !is_policy_space(*p))
				p++;
			return policy_error(error, start, p - start,
								"A value that contains \" must be double-quoted, with \"\" for a literal quote.");
		}
		ok = parse_word(start, p - start,
						(eq ? eq : p) - start, value, value_len,
						policy, &seen, error);
		if (value)
			pfree(value);
		if (!ok)
			return false;
	}
	return true;
}
