/*-------------------------------------------------------------------------
 *
 * policy.c
 *		The secconn policy language: the one statement of its grammar, the
 *		table that parses and renders it, and what each requirement means.
 *
 * A policy is a string of requirements separated by white space.  Keywords
 * and their fixed values are case-insensitive; a cipher list keeps its case,
 * because OpenSSL's cipher names are case-sensitive.  A requirement is met
 * when:
 *
 *	ssl						the connection uses TLS
 *	min_tls=V				it uses TLS at version V or later (TLSv1,
 *							TLSv1.1, TLSv1.2, TLSv1.3)
 *	cipher=strong			it uses TLS with a strong cipher (see cipher.c)
 *	cipher=LIST				it uses TLS with a cipher that LIST selects (see
 *							cipher.c)
 *	auth=M[,M...]			the mechanism that really authenticated the
 *							session is one of these pg_hba method names
 *	clientcert				it uses TLS and the client presented a
 *							certificate the server verified (ssl_ca_file)
 *	clientcert=verify-full	as clientcert, and its CN equals the role name
 *	cert_issuer="DN"		(1.1) as clientcert, and the certificate's issuer
 *							DN equals DN, byte for byte
 *	cert_subject="DN"		(1.1) the same for the subject DN
 *	mode=warn				violations of this policy are logged, not
 *							enforced (mode=enforce, the default, also parses)
 *
 * Every requirement but auth= implies ssl; pins imply clientcert, and a
 * certificate that is not verified violates clientcert only.  The
 * transport requirements (all but auth=) count as met on a Unix-domain
 * socket while secconn.exempt_local is on.
 *
 * DNs are RFC 2253 strings as OpenSSL prints them (X509_NAME_print_ex with
 * XN_FLAG_RFC2253).  Any value may be written in double quotes, and one
 * that contains white space or '"' must be, with "" for a literal '"' (no
 * other escapes: a backslash is a backslash, as in the RFC 2253 text
 * itself).  The quoted value runs to the closing quote, which must end the
 * word.
 *
 * Every keyword may appear once.  An unknown keyword, a bad or empty value,
 * or a repeated keyword is an error naming the word; nothing is ignored.
 *
 * palloc and cipher.c only: no ereport, no catalogs, no GUCs, so that
 * each caller reports errors its own way and the parser can be fuzzed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "cipher.h"
#include "compat.h"
#include "policy.h"
#include "words.h"

/* pg_hba's method names, in SecconnAuthMech order. */
static const char *const auth_mech_names[] = {
	"scram-sha-256", "md5", "password", "cert", "trust", "peer", "ident",
	"gss", "sspi", "ldap", "radius", "pam", "bsd", "oauth",
};

StaticAssertDecl(lengthof(auth_mech_names) == SECCONN_NUM_AUTH_MECHS,
				 "one name per SecconnAuthMech");

/* The methods that not every supported major has, and since when. */
static const struct
{
	int			mech;
	const char *since;
	const char *display;		/* in "This server has no ... authentication" */
}			late_mechs[] = {
	{SECCONN_AUTH_OAUTH, "PostgreSQL 18", "OAuth"},
};

/* The late_mechs entry of "mech", or NULL. */
static const char *
mech_since(int mech)
{
	for (size_t i = 0; i < lengthof(late_mechs); i++)
	{
		if (late_mechs[i].mech == mech)
			return late_mechs[i].since;
	}
	return NULL;
}

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
	return auth_mech_names[mech];
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
			ascii_caseeq(name, strlen(name), auth_mech_names[i]))
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
	/* the policy has it when a byte of this field is not 0 */
	size_t		field;
	size_t		field_size;
	const char *(*parse) (const struct Requirement *row, const char *value,
						  size_t len, SecconnPolicy *policy);
	char	   *(*render) (const struct Requirement *row,
						   const SecconnPolicy *policy);
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
		names[i] = mech_since(i) ?
			psprintf("(on %s and later) %s", mech_since(i), auth_mech_names[i]) :
			auth_mech_names[i];
	return valid_sentence("mechanisms", names, SECCONN_NUM_AUTH_MECHS,
						  ", separated by commas");
}

static const char *
parse_ssl(const Requirement *row, const char *value, size_t len,
			SecconnPolicy *policy)
{
	return NULL;
}

static char *
render_ssl(const Requirement *row, const SecconnPolicy *policy)
{
	return pstrdup("ssl");
}

static const char *
parse_min_tls(const Requirement *row, const char *value, size_t len,
			SecconnPolicy *policy)
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

static char *
render_min_tls(const Requirement *row, const SecconnPolicy *policy)
{
	return psprintf("min_tls=%s", secconn_tls_version_name(policy->min_tls));
}

static const char *
parse_cipher(const Requirement *row, const char *value, size_t len,
			SecconnPolicy *policy)
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

static char *
render_cipher(const Requirement *row, const SecconnPolicy *policy)
{
	return psprintf("%s=%s", row->keyword,
					policy->cipher == SECCONN_CIPHER_STRONG ? "strong" :
					policy->cipher_list);
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
	for (size_t i = 0; i < lengthof(late_mechs); i++)
	{
		int			late = late_mechs[i].mech;

		if (!mech_available(late) && ascii_caseeq(name, len, auth_mech_names[late]))
			return psprintf("This server has no %s authentication: \"%s\" is a pg_hba method of %s and later.",
							late_mechs[i].display, auth_mech_names[late],
							late_mechs[i].since);
	}
	return valid_mechanisms();
}

/* "scram-sha-256,cert" into a mask of SecconnAuthMech bits. */
static const char *
parse_auth(const Requirement *row, const char *value, size_t len,
			SecconnPolicy *policy)
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

static char *
render_auth(const Requirement *row, const SecconnPolicy *policy)
{
	const char *names[SECCONN_NUM_AUTH_MECHS];
	int			n = 0;

	for (int i = 0; i < SECCONN_NUM_AUTH_MECHS; i++)
	{
		if (policy->auth_mask & (1U << i))
			names[n++] = auth_mech_names[i];
	}
	return psprintf("auth=%s", secconn_join_words(names, n, ",", NULL));
}

static const char *
parse_clientcert(const Requirement *row, const char *value, size_t len,
			SecconnPolicy *policy)
{
	if (value == NULL)
		policy->clientcert = SECCONN_CERT_VERIFY_CA;
	else if (ascii_caseeq(value, len, "verify-full"))
		policy->clientcert = SECCONN_CERT_VERIFY_FULL;
	else
		return "The only value of clientcert is verify-full; plain \"clientcert\" requires a verified certificate.";
	return NULL;
}

static char *
render_clientcert(const Requirement *row, const SecconnPolicy *policy)
{
	bool		full = policy->clientcert == SECCONN_CERT_VERIFY_FULL;

	return psprintf("%s%s", row->keyword, full ? "=verify-full" : "");
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

/* A pinned DN's field of the policy. */
static char *
pin_field(const Requirement *row, const SecconnPolicy *policy)
{
	return (char *) policy + row->field;
}

static const char *
parse_pin(const Requirement *row, const char *value, size_t len,
		  SecconnPolicy *policy)
{
	return parse_dn(value, len, pin_field(row, policy), policy);
}

static char *
render_pin(const Requirement *row, const SecconnPolicy *policy)
{
	return quoted_requirement(row->keyword, pin_field(row, policy));
}

static const char *
parse_mode(const Requirement *row, const char *value, size_t len,
			SecconnPolicy *policy)
{
	if (ascii_caseeq(value, len, "warn"))
		policy->warn_only = true;
	else if (!ascii_caseeq(value, len, "enforce"))
		return valid_sentence("modes", mode_names, lengthof(mode_names), "");
	return NULL;
}

/* The grammar; its order is that of the "Valid requirements" sentence. */
#define FIELD(f) offsetof(SecconnPolicy, f), sizeof(((SecconnPolicy *) 0)->f)
/* a pin is set when it is not "" */
#define PIN(f) offsetof(SecconnPolicy, f), 1

static const Requirement requirements[] = {
	{"ssl", SECCONN_REQ_SSL, VALUE_NONE, true, FIELD(require_ssl),
	parse_ssl, render_ssl},
	{"min_tls", SECCONN_REQ_MIN_TLS, VALUE_REQUIRED, true, FIELD(min_tls),
	parse_min_tls, render_min_tls},
	{"cipher", SECCONN_REQ_CIPHER, VALUE_REQUIRED, true, FIELD(cipher),
	parse_cipher, render_cipher},
	{"auth", SECCONN_REQ_AUTH, VALUE_REQUIRED, false, FIELD(auth_mask),
	parse_auth, render_auth},
	{"clientcert", SECCONN_REQ_CLIENTCERT, VALUE_OPTIONAL, true,
		FIELD(clientcert), parse_clientcert, render_clientcert},
	{"cert_issuer", SECCONN_REQ_CERT_ISSUER, VALUE_REQUIRED, true,
		PIN(cert_issuer), parse_pin, render_pin},
	{"cert_subject", SECCONN_REQ_CERT_SUBJECT, VALUE_REQUIRED, true,
		PIN(cert_subject), parse_pin, render_pin},
	{"mode", 0, VALUE_REQUIRED, false, FIELD(warn_only), parse_mode, NULL},
};

/* Does the policy have this row's requirement (its field is not "any")? */
static bool
present(const Requirement *row, const SecconnPolicy *policy)
{
	const char *field = (const char *) policy + row->field;

	for (size_t i = 0; i < row->field_size; i++)
	{
		if (field[i] != 0)
			return true;
	}
	return false;
}

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

	return row && present(row, policy);
}

bool
secconn_policy_is_empty(const SecconnPolicy *policy)
{
	for (size_t i = 0; i < lengthof(requirements); i++)
	{
		if (requirements[i].bit != 0 && present(&requirements[i], policy))
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

	return row ? row->render(row, policy) : pstrdup("?");
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

static bool
too_long(const char *text)
{
	return strlen(text) > SECCONN_MAX_POLICY_LEN;
}

char *
secconn_policy_length_problem(const char *text)
{
	if (!too_long(text))
		return NULL;
	return psprintf("The policy is %zu bytes long; the limit is %d bytes.",
					strlen(text), SECCONN_MAX_POLICY_LEN);
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

	problem = row->parse(row, word->value, word->value_len, policy);
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

	if (too_long(text))
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
