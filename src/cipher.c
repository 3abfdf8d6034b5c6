/*-------------------------------------------------------------------------
 *
 * cipher.c
 *		What secconn knows about TLS ciphers, asked of OpenSSL.
 *
 * Three services:
 *
 *	- "strong": TLS 1.2 or later, an AEAD cipher with a full-length tag
 *	  (AES-GCM, ChaCha20-Poly1305, AES-CCM; not CCM_8, whose 8-byte tag is
 *	  meant for constrained devices), forward-secret key exchange (ECDHE,
 *	  DHE or their PSK variants; every TLS 1.3 suite), an authenticated
 *	  server (never an anonymous aNULL suite such as ADH-AES256-GCM-SHA384
 *	  or AECDH-*: without server authentication a man in the middle reads
 *	  everything), and at least 128-bit keys.  Any AEAD cipher OpenSSL has with a 16-byte tag qualifies, so the
 *	  ECDHE/DHE ARIA-GCM suites are strong too.
 *
 *	- secconn_cipher_info(): every cipher OpenSSL knows, by OpenSSL or RFC
 *	  name, described as "openssl ciphers -v" describes it.
 *
 *	- "cipher=LIST": entries separated by ':' or ','.  Entries starting with
 *	  TLS_ name TLS 1.3 suites literally; the others, joined with ':', are an
 *	  OpenSSL cipher string for TLS 1.2 and older, as in ssl_ciphers.  We do
 *	  not re-implement OpenSSL's rule language: OpenSSL itself evaluates the
 *	  string on a scratch SSL_CTX, so "ECDHE+AESGCM:!SHA1" means here exactly
 *	  what it means to the server.
 *
 * Nothing here uses catalogs or GUCs, and only secconn_cipher_lookup()
 * may ereport: the list functions serve the policy parser (which is fuzzed
 * with palloc stubbed by malloc) and the authentication hook.
 *
 * OpenSSL objects live for the life of the process, in static variables
 * built on first use; the SSL_CIPHER pointers we keep point into libssl's
 * own static tables, so they never dangle.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "cipher.h"
#include "policy.h"
#include "words.h"

/* A "cipher=LIST" value is part of a policy, so no longer than one. */
#define MAX_LIST_LEN		SECCONN_MAX_POLICY_LEN

/* More than OpenSSL has ever defined (about 175), with room to spare. */
#define MAX_KNOWN_CIPHERS	1024

/* The TLS 1.3 suites, as OpenSSL and RFC 8446 both name them. */
static const char *const tls13_suites[] = {
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
	"TLS_AES_128_CCM_SHA256",
	"TLS_AES_128_CCM_8_SHA256",
};

/* Every cipher OpenSSL knows; see load_known_ciphers(). */
static const SSL_CIPHER *known_ciphers[MAX_KNOWN_CIPHERS];
static int	n_known_ciphers = 0;
static bool known_ciphers_loaded = false;

/* Scratch context on which OpenSSL evaluates cipher strings. */
static SSL_CTX *scratch_ctx = NULL;

/*
 * secconn_cipher_list_allows() runs for every connection under a
 * "cipher=LIST" policy, mostly with the same list, so it remembers what the
 * last list selected.  Fixed-size static storage: nothing to leak.
 */
static bool allows_cache_valid = false;
static char allows_cache_list[MAX_LIST_LEN + 1];
static bool allows_cache_ok;	/* false: OpenSSL rejected the string */
static int	allows_cache_n;
static const SSL_CIPHER *allows_cache_ciphers[MAX_KNOWN_CIPHERS];


/*
 * Does the cipher use AES-CCM with the truncated 8-byte tag?  OpenSSL keeps
 * the tag length private (it is in the cipher's internal algorithm bits), so
 * we read it from two public places that derive from those bits: the names
 * ("...-CCM8", "..._CCM_8...") and the Enc= field of the description
 * ("AESCCM8").  Either one suffices: we would rather call a CCM cipher weak
 * than a CCM_8 one strong.
 */
static bool
cipher_is_ccm8(const SSL_CIPHER *cipher)
{
	int			nid = SSL_CIPHER_get_cipher_nid(cipher);
	const char *name = SSL_CIPHER_get_name(cipher);
	const char *stdname = SSL_CIPHER_standard_name(cipher);
	char		desc[256];

	if (nid != NID_aes_128_ccm && nid != NID_aes_256_ccm)
		return false;
	if (name && (strstr(name, "CCM8") || strstr(name, "CCM_8")))
		return true;
	if (stdname && (strstr(stdname, "CCM8") || strstr(stdname, "CCM_8")))
		return true;
	if (SSL_CIPHER_description(cipher, desc, sizeof(desc)) &&
		strstr(desc, "Enc=AESCCM8"))
		return true;
	return false;
}

/*
 * Forward secrecy: an ephemeral (EC)DH key exchange.  NID_kx_any is what
 * OpenSSL reports for TLS 1.3 suites, whose key exchange is always
 * ephemeral (EC)DHE.
 */
static bool
cipher_has_forward_secrecy(const SSL_CIPHER *cipher)
{
	switch (SSL_CIPHER_get_kx_nid(cipher))
	{
		case NID_kx_ecdhe:
		case NID_kx_dhe:
		case NID_kx_ecdhe_psk:
		case NID_kx_dhe_psk:
		case NID_kx_any:
			return true;
		default:
			return false;
	}
}

/*
 * Is the negotiated cipher of this TLS session strong?  protocol_version is
 * SSL_version() of the session.  PostgreSQL speaks TLS only, never DTLS,
 * whose version numbers would not compare this way.
 */
bool
secconn_cipher_strong(const SSL_CIPHER *cipher, int protocol_version)
{
	if (cipher == NULL)
		return false;
	if (protocol_version < TLS1_2_VERSION)
		return false;
	if (!SSL_CIPHER_is_aead(cipher) || cipher_is_ccm8(cipher))
		return false;
	if (!cipher_has_forward_secrecy(cipher))
		return false;
	/* TLS 1.3 suites report NID_auth_any: the server always signs. */
	if (SSL_CIPHER_get_auth_nid(cipher) == NID_auth_null)
		return false;
	return SSL_CIPHER_get_bits(cipher, NULL) >= 128;
}


/* Add to known_ciphers[0..n) every cipher SSL_CIPHER_find knows; the new n. */
static int
add_ciphers_by_code(SSL *ssl, int n)
{
	for (int code = 0; code <= 0xFFFF; code++)
	{
		unsigned char bytes[2];
		const SSL_CIPHER *cipher;
		bool		seen = false;

		if (code == (SSL3_CK_SCSV & 0xFFFF) ||
			code == (SSL3_CK_FALLBACK_SCSV & 0xFFFF))
			continue;
		bytes[0] = (unsigned char) (code >> 8);
		bytes[1] = (unsigned char) (code & 0xFF);
		cipher = SSL_CIPHER_find(ssl, bytes);
		if (cipher == NULL)
			continue;
		for (int i = 0; i < n && !seen; i++)
			seen = (known_ciphers[i] == cipher);
		if (!seen && n < MAX_KNOWN_CIPHERS)
			known_ciphers[n++] = cipher;
	}
	return n;
}

/*
 * Fill known_ciphers[], once per process.  First what
 * "ALL:COMPLEMENTOFALL" and all five TLS 1.3 suites select at security
 * level 0: every cipher this OpenSSL can negotiate, the eNULL ones
 * included.  That still misses ciphers OpenSSL defines but cannot use in
 * this process (IDEA and SEED need the legacy provider, GOST an engine), so
 * then we probe every 2-byte cipher code with SSL_CIPHER_find() and add what
 * is missing, except the two signalling values (renegotiation info and
 * fallback SCSV), which are not ciphers.
 *
 * Returns false if OpenSSL could not build a context.  Never ereports.
 */
static bool
load_known_ciphers(void)
{
	SSL_CTX    *ctx;
	SSL		   *ssl;
	STACK_OF(SSL_CIPHER) *sk;
	int			n = 0;
	char	   *suites;
	bool		ok;

	if (known_ciphers_loaded)
		return true;

	ctx = SSL_CTX_new(TLS_method());
	if (ctx == NULL)
	{
		ERR_clear_error();
		return false;
	}
	SSL_CTX_set_security_level(ctx, 0);
	suites = secconn_join_words(tls13_suites, lengthof(tls13_suites), ":", NULL);
	ok = SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL") == 1 &&
		SSL_CTX_set_ciphersuites(ctx, suites) == 1 &&
		(ssl = SSL_new(ctx)) != NULL;
	pfree(suites);
	if (!ok)
	{
		SSL_CTX_free(ctx);
		ERR_clear_error();
		return false;
	}

	sk = SSL_CTX_get_ciphers(ctx);
	for (int i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++)
	{
		if (n < MAX_KNOWN_CIPHERS)
			known_ciphers[n++] = sk_SSL_CIPHER_value(sk, i);
	}

	n = add_ciphers_by_code(ssl, n);

	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();

	n_known_ciphers = n;
	known_ciphers_loaded = true;
	return true;
}

/*
 * Find a known cipher by OpenSSL or RFC name: case-sensitively first, as
 * OpenSSL names are, then case-insensitively as a convenience.
 */
static const SSL_CIPHER *
find_known_cipher(const char *name)
{
	for (int i = 0; i < n_known_ciphers; i++)
	{
		const char *stdname = SSL_CIPHER_standard_name(known_ciphers[i]);

		if (strcmp(SSL_CIPHER_get_name(known_ciphers[i]), name) == 0 ||
			(stdname && strcmp(stdname, name) == 0))
			return known_ciphers[i];
	}
	for (int i = 0; i < n_known_ciphers; i++)
	{
		const char *stdname = SSL_CIPHER_standard_name(known_ciphers[i]);

		if (pg_strcasecmp(SSL_CIPHER_get_name(known_ciphers[i]), name) == 0 ||
			(stdname && pg_strcasecmp(stdname, name) == 0))
			return known_ciphers[i];
	}
	return NULL;
}

/*
 * The value of "key=" (e.g. " Kx=") in an SSL_CIPHER_description() line,
 * palloc'd; "unknown" if absent.  Values contain no white space; the
 * description pads them with blanks.
 */
static char *
description_field(const char *desc, const char *key)
{
	const char *start = strstr(desc, key);
	size_t		len;

	if (start == NULL)
		return pstrdup("unknown");
	start += strlen(key);
	len = strcspn(start, " \t\n");
	return pnstrdup(start, len);
}

/*
 * The protocol column of an SSL_CIPHER_description() line, the second
 * word, palloc'd; NULL if there is none.
 */
static char *
description_protocol(const char *desc)
{
	const char *start = desc + strcspn(desc, " ");
	size_t		len;

	start += strspn(start, " ");
	len = strcspn(start, " \t\n");
	if (len == 0)
		return NULL;
	return pnstrdup(start, len);
}

/*
 * The version number for a protocol name, as in the description
 * ("TLSv1") or from SSL_CIPHER_get_version() ("TLSv1.0"); 0 if
 * unrecognised.
 */
static int
protocol_version_number(const char *version)
{
	if (strcmp(version, "SSLv3") == 0)
		return SSL3_VERSION;
	if (strcmp(version, "TLSv1") == 0 || strcmp(version, "TLSv1.0") == 0)
		return TLS1_VERSION;
	if (strcmp(version, "TLSv1.1") == 0)
		return TLS1_1_VERSION;
	if (strcmp(version, "TLSv1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(version, "TLSv1.3") == 0)
		return TLS1_3_VERSION;
	return 0;
}

/*
 * Classify a cipher by OpenSSL or RFC name; false if OpenSSL knows no such
 * cipher.  Called from SQL functions only, so it may ereport.
 */
bool
secconn_cipher_lookup(const char *name, SecconnCipherInfo *info)
{
	const SSL_CIPHER *cipher;
	char		desc[256];
	int			version;

	if (!load_known_ciphers())
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not create an OpenSSL context to list ciphers")));

	if (name == NULL || (cipher = find_known_cipher(name)) == NULL)
		return false;

	memset(info, 0, sizeof(*info));
	info->name = SSL_CIPHER_get_name(cipher);
	/* NULL for the GOST ciphers, which have no RFC name */
	info->standard_name = SSL_CIPHER_standard_name(cipher);

	/*
	 * Parse the text "openssl ciphers -v" prints, so the two always agree.
	 * That includes the protocol: SSL_CIPHER_get_version() says "TLSv1.0"
	 * where the description (and SSL_get_version(), and PostgreSQL) say
	 * "TLSv1".
	 */
	if (SSL_CIPHER_description(cipher, desc, sizeof(desc)) == NULL)
		desc[0] = '\0';
	info->protocol = description_protocol(desc);
	if (info->protocol == NULL)
		info->protocol = SSL_CIPHER_get_version(cipher);
	info->kx = description_field(desc, " Kx=");
	info->auth = description_field(desc, " Au=");
	info->enc = description_field(desc, " Enc=");
	info->mac = description_field(desc, " Mac=");

	info->aead = SSL_CIPHER_is_aead(cipher) != 0;
	info->forward_secrecy = cipher_has_forward_secrecy(cipher);
	info->bits = SSL_CIPHER_get_bits(cipher, NULL);

	/*
	 * Strength of the cipher alone, whatever protocol a session would use:
	 * a TLS 1.2 or TLS 1.3 cipher is judged as if on TLS 1.2, which
	 * satisfies the protocol rule.  Older ciphers are judged on their own
	 * protocol and so are never strong; none of them is AEAD anyway.
	 */
	version = protocol_version_number(info->protocol);
	if (version >= TLS1_2_VERSION)
		version = TLS1_2_VERSION;
	info->strong = secconn_cipher_strong(cipher, version);

	return true;
}


/*
 * The scratch context for evaluating cipher strings, created on first use;
 * NULL if OpenSSL cannot create one.  It has no TLS 1.3 suites, so that
 * SSL_CTX_get_ciphers() returns exactly what a cipher string selects.
 */
static SSL_CTX *
get_scratch_ctx(void)
{
	if (scratch_ctx == NULL)
	{
		SSL_CTX    *ctx = SSL_CTX_new(TLS_method());

		if (ctx == NULL)
		{
			ERR_clear_error();
			return NULL;
		}
		if (SSL_CTX_set_ciphersuites(ctx, "") != 1)
		{
			SSL_CTX_free(ctx);
			ERR_clear_error();
			return NULL;
		}
		scratch_ctx = ctx;
	}
	return scratch_ctx;
}

/*
 * Have OpenSSL evaluate a cipher string on the scratch context.  Returns
 * whether it selects at least one cipher; SSL_CTX_set_cipher_list() fails
 * both on a syntax error and when nothing is selected.  The security level
 * is reset first because it does not belong in a cipher=LIST (we reject
 * "@SECLEVEL="), and level 0 keeps it out of the way regardless.
 */
static bool
scratch_select(SSL_CTX *ctx, const char *cipherstring)
{
	int			ok;

	SSL_CTX_set_security_level(ctx, 0);
	ok = SSL_CTX_set_cipher_list(ctx, cipherstring);
	ERR_clear_error();
	return ok == 1;
}

/*
 * Step through the entries of a cipher list.  *pos starts at the list and
 * becomes NULL after the last entry; an empty entry comes back with
 * *len == 0.
 */
static bool
next_entry(const char **pos, const char **entry, size_t *len)
{
	const char *sep;

	if (*pos == NULL)
		return false;
	*entry = *pos;
	*len = strcspn(*pos, ":,");
	sep = *pos + *len;
	*pos = (*sep == '\0') ? NULL : sep + 1;
	return true;
}

/*
 * Entries that start with TLS_ (in any case, so that "tls_aes_..." is
 * reported as a misspelt suite rather than handed to OpenSSL) are TLS 1.3
 * suite names.
 */
static bool
entry_is_tls13(const char *entry, size_t len)
{
	return len >= 4 && pg_strncasecmp(entry, "TLS_", 4) == 0;
}

/* Is this entry, exactly, one of the TLS 1.3 suites? */
static bool
entry_is_tls13_suite(const char *entry, size_t len)
{
	for (size_t i = 0; i < lengthof(tls13_suites); i++)
	{
		if (strlen(tls13_suites[i]) == len &&
			strncmp(tls13_suites[i], entry, len) == 0)
			return true;
	}
	return false;
}

/*
 * Join a list's OpenSSL (non-TLS_) entries with ':' into buf, which has
 * room for the whole list.  Returns the number of entries joined.
 */
static int
join_openssl_entries(const char *list, char *buf)
{
	const char *pos = list;
	const char *entry;
	size_t		len;
	char	   *out = buf;
	int			n = 0;

	while (next_entry(&pos, &entry, &len))
	{
		if (len == 0 || entry_is_tls13(entry, len))
			continue;
		if (n > 0)
			*out++ = ':';
		memcpy(out, entry, len);
		out += len;
		n++;
	}
	*out = '\0';
	return n;
}

/*
 * The characters of OpenSSL cipher names and aliases (AES128-SHA,
 * TLSv1.2, kECDHE), its operators (! - + @ =) and nothing else: OpenSSL
 * would also split at ';' and blanks, which would make one of our entries
 * several of its own.
 */
static bool
entry_chars_ok(const char *entry, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) entry[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') ||
			  c == '-' || c == '+' || c == '!' || c == '@' ||
			  c == '=' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

/* The sentence for a TLS_ entry that is not a TLS 1.3 suite. */
static char *
bad_tls13_entry(const char *entry)
{
	const SSL_CIPHER *cipher = NULL;

	for (size_t i = 0; i < lengthof(tls13_suites); i++)
	{
		if (pg_strcasecmp(tls13_suites[i], entry) == 0)
			return psprintf("\"%s\" is not a TLS 1.3 cipher suite; suite names are case-sensitive: \"%s\".",
							entry, tls13_suites[i]);
	}

	/* Perhaps the RFC name of an older cipher: point to its OpenSSL name. */
	if (load_known_ciphers())
		cipher = find_known_cipher(entry);
	if (cipher != NULL)
		return psprintf("\"%s\" is not a TLS 1.3 cipher suite; name TLS 1.2 and older ciphers by their OpenSSL names, here \"%s\".",
						entry, SSL_CIPHER_get_name(cipher));

	return psprintf("\"%s\" is not a TLS 1.3 cipher suite; those are %s.",
					entry, secconn_join_words(tls13_suites, lengthof(tls13_suites),
											  ", ", " and "));
}

/*
 * Check one OpenSSL entry of a cipher list on its own; NULL if fine, else
 * the sentence.  first says whether it is the first OpenSSL entry.
 *
 * OpenSSL silently skips a rule it does not understand, so without this a
 * misspelt entry next to a good one would be ignored.  An entry that adds
 * ciphers must select some by itself.  An entry that removes or reorders
 * ciphers (!X, -X, +X) may name ciphers this build lacks: "!RC4" is common
 * in ssl_ciphers and harmless, so those are not tested.
 */
static char *
check_openssl_entry(SSL_CTX *ctx, const char *entry, bool first)
{
	if (entry[0] == '@')
	{
		if (strcmp(entry, "@STRENGTH") == 0)
			return NULL;
		if (strncmp(entry, "@SECLEVEL=", 10) == 0)
			return psprintf("\"%s\" has no meaning in a secconn cipher list; set the security level in ssl_ciphers.",
							entry);
		return psprintf("\"%s\" is not an OpenSSL cipher string command.",
						entry);
	}

	/* OpenSSL would read "ALL@SECLEVEL=3" as two rules; allow "@" only first. */
	if (strchr(entry + 1, '@') != NULL)
		return psprintf("\"%s\" has a command in the middle; put \"@STRENGTH\" in an entry of its own.",
						entry);

	if (entry[0] == '!' || entry[0] == '-' || entry[0] == '+')
	{
		if (entry[1] == '\0' || strchr("!-+@", entry[1]) != NULL)
			return psprintf("\"%s\" is an operator without a cipher.", entry);
		return NULL;
	}

	/* OpenSSL honours DEFAULT only at the start of the string. */
	if (!first && strcmp(entry, "DEFAULT") == 0)
		return psprintf("\"%s\" must be the first OpenSSL entry of the list; OpenSSL ignores it elsewhere.",
						entry);

	if (!scratch_select(ctx, entry))
		return psprintf("OpenSSL selects no cipher from \"%s\".", entry);
	return NULL;
}

/* Empty entries first: they are typos, whatever else the list holds. */
static char *
separator_problem(const char *list)
{
	const char *pos = list;
	const char *entry;
	size_t		len;

	while (next_entry(&pos, &entry, &len))
	{
		if (len > 0)
			continue;
		if (entry == list)
			return psprintf("The cipher list starts with a separator.");
		if (pos == NULL)
			return psprintf("The cipher list ends with a separator.");
		return psprintf("The cipher list has two separators in a row after \"%.*s\".",
						(int) (entry - 1 - list), list);
	}
	return NULL;
}

/* Each entry on its own; *ctx is created on the first OpenSSL entry. */
static char *
entries_problem(const char *list, SSL_CTX **ctx)
{
	const char *pos = list;
	const char *entry;
	size_t		len;
	char		one[MAX_LIST_LEN + 1];
	bool		first_openssl = true;

	while (next_entry(&pos, &entry, &len))
	{
		char	   *problem;

		memcpy(one, entry, len);
		one[len] = '\0';
		if (entry_is_tls13(entry, len))
		{
			if (!entry_is_tls13_suite(entry, len))
				return bad_tls13_entry(one);
			continue;
		}
		if (!entry_chars_ok(entry, len))
			return psprintf("\"%s\" contains a character that cannot appear in an OpenSSL cipher name.",
							one);
		if (*ctx == NULL && (*ctx = get_scratch_ctx()) == NULL)
			return psprintf("OpenSSL could not create a context to check the cipher list.");
		problem = check_openssl_entry(*ctx, one, first_openssl);
		if (problem)
			return problem;
		first_openssl = false;
	}
	return NULL;
}

/*
 * Validate a "cipher=LIST" value: NULL if good, else a palloc'd sentence
 * naming the bad entry.  No ereport, no catalogs: see the file header.
 */
char *
secconn_cipher_list_check(const char *list)
{
	char		joined[MAX_LIST_LEN + 1];
	SSL_CTX    *ctx = NULL;
	char	   *problem;

	if (list == NULL || list[0] == '\0')
		return psprintf("The cipher list is empty.");
	if (strlen(list) > MAX_LIST_LEN)
		return psprintf("A cipher list may be at most %d bytes long.",
						MAX_LIST_LEN);
	if ((problem = separator_problem(list)) != NULL ||
		(problem = entries_problem(list, &ctx)) != NULL)
		return problem;

	/* Together, the OpenSSL entries must still leave some cipher. */
	if (join_openssl_entries(list, joined) > 0 &&
		!scratch_select(ctx, joined))
		return psprintf("OpenSSL selects no cipher from \"%s\".", joined);

	return NULL;
}

/* A TLS 1.3 session must have its suite named literally. */
static bool
tls13_suite_named(const char *list, const char *cipher_name)
{
	const char *pos = list;
	const char *entry;
	size_t		len;
	size_t		name_len = strlen(cipher_name);

	while (next_entry(&pos, &entry, &len))
	{
		if (entry_is_tls13(entry, len) && len == name_len &&
			strncmp(entry, cipher_name, len) == 0)
			return true;
	}
	return false;
}

/*
 * Make the allows cache hold what "list" selects for TLS 1.2 and older.
 * False if OpenSSL is unusable (then nothing is cached: try again next
 * time).
 */
static bool
fill_allows_cache(const char *list)
{
	char		joined[MAX_LIST_LEN + 1];
	SSL_CTX    *ctx;
	STACK_OF(SSL_CIPHER) *sk;
	int			n = 0;

	allows_cache_valid = false;
	allows_cache_ok = false;
	allows_cache_n = 0;

	if (join_openssl_entries(list, joined) > 0)
	{
		if ((ctx = get_scratch_ctx()) == NULL)
			return false;
		if (scratch_select(ctx, joined))
		{
			sk = SSL_CTX_get_ciphers(ctx);
			if (sk == NULL || sk_SSL_CIPHER_num(sk) > MAX_KNOWN_CIPHERS)
				return false;
			for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
			{
				const SSL_CIPHER *cipher = sk_SSL_CIPHER_value(sk, i);

				/* The context has none, but be sure: named literally only */
				if (strcmp(SSL_CIPHER_get_version(cipher), "TLSv1.3") == 0)
					continue;
				allows_cache_ciphers[n++] = cipher;
			}
			allows_cache_n = n;
			allows_cache_ok = true;
		}
	}
	strcpy(allows_cache_list, list);
	allows_cache_valid = true;
	return true;
}

/*
 * Does the negotiated cipher satisfy "cipher=LIST"?  Runs in the
 * authentication path: no ereport, no palloc, and false (fail closed) if
 * anything goes wrong.
 */
bool
secconn_cipher_list_allows(const char *list, const char *cipher_name,
						   bool is_tls13)
{
	if (list == NULL || cipher_name == NULL || cipher_name[0] == '\0')
		return false;
	if (strlen(list) > MAX_LIST_LEN)
		return false;
	if (is_tls13)
		return tls13_suite_named(list, cipher_name);

	if ((!allows_cache_valid || strcmp(allows_cache_list, list) != 0) &&
		!fill_allows_cache(list))
		return false;
	if (!allows_cache_ok)
		return false;
	for (int i = 0; i < allows_cache_n; i++)
	{
		if (strcmp(SSL_CIPHER_get_name(allows_cache_ciphers[i]), cipher_name) == 0)
			return true;
	}
	return false;
}
