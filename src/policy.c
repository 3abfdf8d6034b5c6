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
#include "words.h"

/* pg_hba's method names; "since": the first major that has the method. */
static const struct
{
	const char *name;
	const char *since;
	const char *display;		/* for "This server has no ... authentication" */
}			auth_mechs[SECCONN_NUM_AUTH_MECHS] = {
	[SECCONN_AUTH_SCRAM_SHA_256] = {"scram-sha-256"},
	[SECCONN_AUTH_MD5] = {"md5"},
	[SECCONN_AUTH_PASSWORD] = {"password"},
	[SECCONN_AUTH_CERT] = {"cert"},
	[SECCONN_AUTH_TRUST] = {"trust"},
	[SECCONN_AUTH_PEER] = {"peer"},
	[SECCONN_AUTH_IDENT] = {"ident"},
	[SECCONN_AUTH_GSS] = {"gss"},
	[SECCONN_AUTH_SSPI] = {"sspi"},
	[SECCONN_AUTH_LDAP] = {"ldap"},
	[SECCONN_AUTH_RADIUS] = {"radius"},
	[SECCONN_AUTH_PAM] = {"pam"},
	[SECCONN_AUTH_BSD] = {"bsd"},
	[SECCONN_AUTH_OAUTH] = {"oauth", "PostgreSQL 18", "OAuth"},
};

static const char *const tls_version_names[] = {
	[SECCONN_TLS_NONE] = NULL,
	[SECCONN_TLS_1_0] = "TLSv1",
	[SECCONN_TLS_1_1] = "TLSv1.1",
	[SECCONN_TLS_1_2] = "TLSv1.2",
	[SECCONN_TLS_1_3] = "TLSv1.3",
};

static const char *const mode_names[] = {"warn", "enforce"};

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

const char *
secconn_auth_mech_name(int mech)
{
	if (mech < 0 || mech >= SECCONN_NUM_AUTH_MECHS)
		return NULL;
	return auth_mechs[mech].name;
}

static bool
mech_available(int mech)
{
	return mech != SECCONN_AUTH_OAUTH || SECCONN_HAVE_OAUTH;
}

/* The mechanism for a pg_hba method name; SECCONN_AUTH_UNKNOWN if none. */
int
secconn_auth_mech_from_name(const char *name)
{
	for (int i = 0; i < SECCONN_NUM_AUTH_MECHS; i++)
	{
		if (mech_available(i) &&
			ascii_caseeq(name, strlen(name), auth_mechs[i].name))
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

/* ---- the requirements, one row each ---- */

typedef enum ValueUse
{
	VALUE_NONE,					/* "ssl" */
	VALUE_OPTIONAL,				/* "clientcert", "clientcert=verify-full" */
	VALUE_REQUIRED				/* "min_tls=TLSv1.3" */
} ValueUse;

/*
 * One keyword of the grammar.  parse() gets the value with any quotes
 * removed (NULL when there is no "=") and returns NULL, or the sentence
 * that says why the value is not valid.  mode= is a row with bit 0: it is
 * a keyword, not a requirement.
 */
typedef struct Requirement
{
	const char *keyword;
	int			bit;			/* SECCONN_REQ_*; 0 for mode= */
	ValueUse	value;
	bool		implies_ssl;
	const char *(*parse) (const char *value, size_t len, SecconnPolicy *policy);
	bool		(*present) (const SecconnPolicy *policy);
	char	   *(*render) (const SecconnPolicy *policy);
} Requirement;

/* "Valid <what> are a, b and c." from a list of names. */
static char *
valid_sentence(const char *what, const char *const *names, int n,
			   const char *tail)
{
	return psprintf("Valid %s are %s%s.", what,
					secconn_join_words(names, n, ", ", " and "), tail);
}

static const char *
valid_mechanisms(void)
{
	const char *names[SECCONN_NUM_AUTH_MECHS];

	/* the same sentence on every major, so that it never misleads a restore */
	for (int i = 0; i < SECCONN_NUM_AUTH_MECHS; i++)
		names[i] = auth_mechs[i].since ?
			psprintf("(on %s and later) %s", auth_mechs[i].since,
					 auth_mechs[i].name) : auth_mechs[i].name;
	return valid_sentence("mechanisms", names, SECCONN_NUM_AUTH_MECHS,
						  ", separated by commas");
}

static const char *
parse_ssl(const char *value, size_t len, SecconnPolicy *policy)
{
	return NULL;
}

static bool
has_ssl(const SecconnPolicy *policy)
{
	return policy->require_ssl;
}

static char *
render_ssl(const SecconnPolicy *policy)
{
	return pstrdup("ssl");
}

static const char *
parse_min_tls(const char *value, size_t len, SecconnPolicy *policy)
{
	for (int v = SECCONN_TLS_1_0; v <= SECCONN_TLS_1_3; v++)
	{
		if (ascii_caseeq(value, len, tls_version_names[v]))
		{
			policy->min_tls = v;
			return NULL;
		}
	}
	return valid_sentence("TLS versions", &tls_version_names[SECCONN_TLS_1_0],
						  SECCONN_TLS_1_3, "");
}

static bool
has_min_tls(const SecconnPolicy *policy)
{
	return policy->min_tls != SECCONN_TLS_NONE;
}

static char *
render_min_tls(const SecconnPolicy *policy)
{
	return psprintf("min_tls=%s", secconn_tls_version_name(policy->min_tls));
}

static const char *
parse_cipher(const char *value, size_t len, SecconnPolicy *policy)
{
	char	   *list;
	char	   *problem;

	if (ascii_caseeq(value, len, "strong"))
	{
		policy->cipher = SECCONN_CIPHER_STRONG;
		return NULL;
	}
	list = pnstrdup(value, len);
	problem = secconn_cipher_list_check(list);
	if (problem == NULL)
	{
		policy->cipher = SECCONN_CIPHER_LIST;
		strlcpy(policy->cipher_list, list, sizeof(policy->cipher_list));
	}
	pfree(list);
	return problem;
}

static bool
has_cipher(const SecconnPolicy *policy)
{
	return policy->cipher != SECCONN_CIPHER_ANY;
}

static char *
render_cipher(const SecconnPolicy *policy)
{
	if (policy->cipher == SECCONN_CIPHER_STRONG)
		return pstrdup("cipher=strong");
	return psprintf("cipher=%s", policy->cipher_list);
}

/* One name of an auth= list; NULL or the problem. */
static const char *
parse_mech(const char *item, size_t len, uint32 *mask)
{
	char		name[32];
	int			mech;

	if (len == 0 || len >= sizeof(name))
		return valid_mechanisms();
	memcpy(name, item, len);
	name[len] = '\0';
	mech = secconn_auth_mech_from_name(name);
	if (mech != SECCONN_AUTH_UNKNOWN)
	{
		*mask |= 1U << mech;
		return NULL;
	}
	for (int i = 0; i < SECCONN_NUM_AUTH_MECHS; i++)
	{
		if (!mech_available(i) && ascii_caseeq(name, len, auth_mechs[i].name))
			return psprintf("This server has no %s authentication: \"%s\" is a pg_hba method of %s and later.",
							auth_mechs[i].display, auth_mechs[i].name,
							auth_mechs[i].since);
	}
	return valid_mechanisms();
}

/* "scram-sha-256,cert" into a mask of SecconnAuthMech bits. */
static const char *
parse_auth(const char *value, size_t len, SecconnPolicy *policy)
{
	const char *item = value;
	const char *end = value + len;

	policy->auth_mask = 0;
	for (;;)
	{
		const char *comma = memchr(item, ',', end - item);
		const char *problem = parse_mech(item, (comma ? comma : end) - item,
										 &policy->auth_mask);

		if (problem || comma == NULL)
			return problem;
		item = comma + 1;
	}
}

static bool
has_auth(const SecconnPolicy *policy)
{
	return policy->auth_mask != 0;
}

static char *
render_auth(const SecconnPolicy *policy)
{
	const char *names[SECCONN_NUM_AUTH_MECHS];
	int			n = 0;

	for (int i = 0; i < SECCONN_NUM_AUTH_MECHS; i++)
	{
		if (policy->auth_mask & (1U << i))
			names[n++] = auth_mechs[i].name;
	}
	return psprintf("auth=%s", secconn_join_words(names, n, ",", NULL));
}

static const char *
parse_clientcert(const char *value, size_t len, SecconnPolicy *policy)
{
	if (value == NULL)
		policy->clientcert = SECCONN_CERT_VERIFY_CA;
	else if (ascii_caseeq(value, len, "verify-full"))
		policy->clientcert = SECCONN_CERT_VERIFY_FULL;
	else
		return "The only value of clientcert is verify-full; plain \"clientcert\" requires a verified certificate.";
	return NULL;
}

static bool
has_clientcert(const SecconnPolicy *policy)
{
	return policy->clientcert != SECCONN_CERT_ANY;
}

static char *
render_clientcert(const SecconnPolicy *policy)
{
	if (policy->clientcert == SECCONN_CERT_VERIFY_FULL)
		return pstrdup("clientcert=verify-full");
	return pstrdup("clientcert");
}

/*
 * A pinned DN: OpenSSL's RFC 2253 output escapes control characters and
 * every byte above 0x7F (\XX), so a pin with such a byte could never
 * match: refuse it rather than let it lock the role out silently.  A pin
 * is a requirement on a verified client certificate.
 */
static const char *
parse_dn(const char *value, size_t len, char *dest, SecconnPolicy *policy)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (c < 0x20 || c >= 0x7F)
			return "A DN is written as OpenSSL prints it in RFC 2253 form, which escapes control and non-ASCII characters as \\XX (for example CN=Jos\\C3\\A9): write them that way.";
	}
	/* shorter than the policy text: it fits */
	memcpy(dest, value, len);
	dest[len] = '\0';
	if (policy->clientcert == SECCONN_CERT_ANY)
		policy->clientcert = SECCONN_CERT_VERIFY_CA;
	return NULL;
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

static const char *
parse_issuer(const char *value, size_t len, SecconnPolicy *policy)
{
	return parse_dn(value, len, policy->cert_issuer, policy);
}

static bool
has_issuer(const SecconnPolicy *policy)
{
	return policy->cert_issuer[0] != '\0';
}

static char *
render_issuer(const SecconnPolicy *policy)
{
	return quoted_requirement("cert_issuer", policy->cert_issuer);
}

static const char *
parse_subject(const char *value, size_t len, SecconnPolicy *policy)
{
	return parse_dn(value, len, policy->cert_subject, policy);
}

static bool
has_subject(const SecconnPolicy *policy)
{
	return policy->cert_subject[0] != '\0';
}

static char *
render_subject(const SecconnPolicy *policy)
{
	return quoted_requirement("cert_subject", policy->cert_subject);
}

static const char *
parse_mode(const char *value, size_t len, SecconnPolicy *policy)
{
	if (ascii_caseeq(value, len, "warn"))
		policy->warn_only = true;
	else if (!ascii_caseeq(value, len, "enforce"))
		return valid_sentence("modes", mode_names, lengthof(mode_names), "");
	return NULL;
}

/* The grammar; its order is that of the "Valid requirements" sentence. */
static const Requirement requirements[] = {
	{"ssl", SECCONN_REQ_SSL, VALUE_NONE, true,
	parse_ssl, has_ssl, render_ssl},
	{"min_tls", SECCONN_REQ_MIN_TLS, VALUE_REQUIRED, true,
	parse_min_tls, has_min_tls, render_min_tls},
	{"cipher", SECCONN_REQ_CIPHER, VALUE_REQUIRED, true,
	parse_cipher, has_cipher, render_cipher},
	{"auth", SECCONN_REQ_AUTH, VALUE_REQUIRED, false,
	parse_auth, has_auth, render_auth},
	{"clientcert", SECCONN_REQ_CLIENTCERT, VALUE_OPTIONAL, true,
	parse_clientcert, has_clientcert, render_clientcert},
	{"cert_issuer", SECCONN_REQ_CERT_ISSUER, VALUE_REQUIRED, true,
	parse_issuer, has_issuer, render_issuer},
	{"cert_subject", SECCONN_REQ_CERT_SUBJECT, VALUE_REQUIRED, true,
	parse_subject, has_subject, render_subject},
	{"mode", 0, VALUE_REQUIRED, false, parse_mode, NULL, NULL},
};

static const Requirement *
requirement_of_bit(int req)
{
	for (size_t i = 0; i < lengthof(requirements); i++)
	{
		if (requirements[i].bit == req && req != 0)
			return &requirements[i];
	}
	return NULL;
}

const char *
secconn_req_keyword(int req)
{
	const Requirement *row = requirement_of_bit(req);

	return row ? row->keyword : NULL;
}

bool
secconn_policy_has_requirement(const SecconnPolicy *policy, int req)
{
	const Requirement *row = requirement_of_bit(req);

	return row && row->present(policy);
}

bool
secconn_policy_is_empty(const SecconnPolicy *policy)
{
	for (size_t i = 0; i < lengthof(requirements); i++)
	{
		if (requirements[i].bit != 0 && requirements[i].present(policy))
			return false;
	}
	return true;
}

/*
 * The requirement of kind "req" as a policy would spell it, e.g.
 * "min_tls=TLSv1.3" or "auth=scram-sha-256,cert"; palloc'd.
 */
char *
secconn_policy_requirement_text(const SecconnPolicy *policy, int req)
{
	const Requirement *row = requirement_of_bit(req);

	return row ? row->render(policy) : pstrdup("?");
}

/* "Valid requirements are ssl, min_tls=, ... and mode=." */
static char *
valid_keywords(void)
{
	const char *names[lengthof(requirements)];

	for (size_t i = 0; i < lengthof(requirements); i++)
		names[i] = requirements[i].value == VALUE_REQUIRED ?
			psprintf("%s=", requirements[i].keyword) : requirements[i].keyword;
	return valid_sentence("requirements", names, lengthof(requirements), "");
}

char *
secconn_policy_error_text(const SecconnPolicyError *error)
{
	return psprintf("Invalid requirement \"%s\": %s", error->word, error->detail);
}

char *
secconn_policy_length_problem(const char *text)
{
	size_t		len = strlen(text);

	if (len <= SECCONN_MAX_POLICY_LEN)
		return NULL;
	return psprintf("The policy is %zu bytes long; the limit is %d bytes.",
					len, SECCONN_MAX_POLICY_LEN);
}

/* ---- the parser ---- */

/* One word of a policy text, as the tokenizer split it. */
typedef struct Word
{
	const char *start;			/* as written, for error messages */
	size_t		len;
	size_t		key_len;		/* of the keyword before any "=" */
	char	   *value;			/* quotes removed; NULL without "=" */
	size_t		value_len;
} Word;

/* Record an error about "word" (length len) and return false. */
static bool
policy_error(SecconnPolicyError *error, const char *word, size_t len,
			 const char *detail)
{
	error->word = pnstrdup(word, len);
	error->detail = pstrdup(detail);
	return false;
}

static bool
word_error(SecconnPolicyError *error, const Word *word, const char *detail)
{
	return policy_error(error, word->start, word->len, detail);
}

/* Apply one word to *policy; *seen holds the rows seen so far, by index. */
static bool
parse_word(const Word *word, SecconnPolicy *policy, int *seen,
		   SecconnPolicyError *error)
{
	const Requirement *row = NULL;
	int			index;
	const char *problem;

	for (index = 0; index < (int) lengthof(requirements); index++)
	{
		if (ascii_caseeq(word->start, word->key_len, requirements[index].keyword))
		{
			row = &requirements[index];
			break;
		}
	}
	if (row == NULL)
		return word_error(error, word, valid_keywords());
	if (*seen & (1 << index))
		return word_error(error, word,
						  "Each requirement may appear only once in a policy.");
	*seen |= 1 << index;

	if (row->value == VALUE_NONE && word->value != NULL)
		return word_error(error, word,
						  psprintf("Requirement \"%s\" takes no value.", row->keyword));
	/* "clientcert" may go without "=", never with an empty value */
	if ((row->value == VALUE_REQUIRED || word->value != NULL) &&
		(word->value == NULL || word->value_len == 0))
		return word_error(error, word,
						  "This requirement needs a value after \"=\".");

	problem = row->parse(word->value, word->value_len, policy);
	if (problem)
		return word_error(error, word, problem);
	if (row->implies_ssl)
		policy->require_ssl = true;
	return true;
}

/* A quoted value, from after its opening quote to its lone closing quote. */
static bool
read_quoted(const char **pos, Word *word, SecconnPolicyError *error)
{
	const char *p = *pos;

	for (p++;; p++)
	{
		if (*p == '\0')
			return policy_error(error, word->start, p - word->start,
								"A quoted value needs a closing \".");
		if (*p == '"' && p[1] == '"')
			p++;
		else if (*p == '"')
			break;
		word->value[word->value_len++] = *p;
	}
	p++;
	if (*p && !is_policy_space(*p))
	{
		while (*p && !is_policy_space(*p))
			p++;
		return policy_error(error, word->start, p - word->start,
							"A quoted value must end its requirement: put white space after the closing \".");
	}
	*pos = p;
	return true;
}

/*
 * Split off the next word at *pos.  False with *error set on a malformed
 * word; false with error->word NULL at the end of the text.
 */
static bool
next_word(const char **pos, Word *word, SecconnPolicyError *error)
{
	const char *p = *pos;
	const char *eq = NULL;

	memset(word, 0, sizeof(*word));
	while (*p && is_policy_space(*p))
		p++;
	if (*p == '\0')
		return false;
	word->start = p;
	while (*p && !is_policy_space(*p) && *p != '"' && *p != '=')
		p++;
	if (*p == '=')
	{
		eq = p++;
		word->value = palloc(strlen(p) + 1);
		if (*p == '"')
		{
			if (!read_quoted(&p, word, error))
				return false;
		}
		else
		{
			while (*p && !is_policy_space(*p) && *p != '"')
				word->value[word->value_len++] = *p++;
		}
		word->value[word->value_len] = '\0';
	}
	if (*p == '"')
	{
		while (*p && !is_policy_space(*p))
			p++;
		return policy_error(error, word->start, p - word->start,
							"A value that contains \" must be double-quoted, with \"\" for a literal quote.");
	}
	word->len = p - word->start;
	word->key_len = (eq ? eq : p) - word->start;
	*pos = p;
	return true;
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
	Word		word;

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

	while (next_word(&p, &word, error))
	{
		bool		ok = parse_word(&word, policy, &seen, error);

		if (word.value)
			pfree(word.value);
		if (!ok)
			return false;
	}
	return error->word == NULL;
}
