/*-------------------------------------------------------------------------
 *
 * facts.c
 *		What a connection really has: transport, TLS version, cipher,
 *		client certificate, pg_hba method and the mechanism that really ran.
 *
 * The mechanism differs from the pg_hba method in one case: an "md5" line
 * for a role whose stored secret is a SCRAM secret runs SCRAM
 * (CheckPWChallengeAuth), while core still reports "md5".  secconn reports
 * what ran.  Channel binding (SCRAM-SHA-256-PLUS) is private to core and is
 * not reported.
 *
 * What ran on an md5 line must be exact even when the password is changed
 * while the client authenticates: core reads the stored secret once, at
 * the start (get_role_password), picks MD5 or SCRAM from it, and the
 * client may take as long as it likes to answer.  Reading the secret again
 * in the hook would report the new secret's type: an MD5 exchange against
 * the old secret would pass as SCRAM.  So (secconn_md5_line_exchange):
 *	- 18 and later: Port.has_scram_keys, set by every successful SCRAM
 *	  exchange and by nothing else, is exact.
 *	- 15 to 17: nothing in Port says which exchange ran.  Core read the
 *	  secret through the AUTHNAME catalog cache, and the entry it read
 *	  stays in that cache until this backend accepts invalidation messages
 *	  (the exchange, CheckCertAuth and the call of the hook accept none).
 *	  The hook reads that entry first thing, before the previous hook and
 *	  before anything of secconn's that accepts invalidations: that is the
 *	  secret core used (secconn_secret_core_used_is_scram).  The full check
 *	  then reads the current secret after accepting the invalidations; the
 *	  policy cache holds the type of the current one.  When the two types
 *	  differ the secret changed during authentication, and which exchange
 *	  ran cannot be told for sure: the mechanism is unknown, which no
 *	  auth= requirement accepts (enforce mode rejects).  When they agree it
 *	  is that type.  The one thing this cannot see is a change committed
 *	  and taken into the cache by some other code that accepted
 *	  invalidation messages between core's read and the hook; no code in
 *	  core does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>
#include <openssl/ssl.h>

#include "libpq/crypt.h"
#include "libpq/hba.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "utils/acl.h"

#include "catalog.h"
#include "certs.h"
#include "cipher.h"
#include "compat.h"
#include "facts.h"

/* This backend's own facts, as the hook saw them (see the setter below). */
static bool session_facts_valid = false;
static SecconnFacts session_facts;

#ifdef ENABLE_GSS
static bool
gss_encrypted(Port *port)
{
	return port->gss != NULL && be_gssapi_get_enc(port);
}
#else
static bool
gss_encrypted(Port *port)
{
	return false;
}
#endif

static SecconnTlsVersion
tls_version_of(int protocol)
{
	switch (protocol)
	{
		case TLS1_VERSION:
			return SECCONN_TLS_1_0;
		case TLS1_1_VERSION:
			return SECCONN_TLS_1_1;
		case TLS1_2_VERSION:
			return SECCONN_TLS_1_2;
		case TLS1_3_VERSION:
			return SECCONN_TLS_1_3;
	}
	return SECCONN_TLS_NONE;
}

void
secconn_gather_transport_facts(Port *port, SecconnFacts *facts)
{
	memset(facts, 0, sizeof(*facts));
	facts->auth_method = SECCONN_AUTH_UNKNOWN;
	facts->auth_mechanism = SECCONN_AUTH_UNKNOWN;
	if (port->user_name)
		strlcpy(facts->role_name, port->user_name, sizeof(facts->role_name));

	if (port->raddr.addr.ss_family == AF_UNIX)
		facts->transport = SECCONN_TRANSPORT_LOCAL;
	else if (port->ssl_in_use && port->ssl != NULL)
		facts->transport = SECCONN_TRANSPORT_TLS;
	else if (gss_encrypted(port))
		facts->transport = SECCONN_TRANSPORT_GSS;
	else
		facts->transport = SECCONN_TRANSPORT_PLAIN;

	if (facts->transport != SECCONN_TRANSPORT_TLS)
		return;

	{
		int			protocol = SSL_version(port->ssl);
		const SSL_CIPHER *cipher = SSL_get_current_cipher(port->ssl);

		facts->tls_version = tls_version_of(protocol);
		if (cipher != NULL)
		{
			strlcpy(facts->cipher, SSL_CIPHER_get_name(cipher),
					sizeof(facts->cipher));
			facts->cipher_bits = SSL_CIPHER_get_bits(cipher, NULL);
			facts->cipher_strong = secconn_cipher_strong(cipher, protocol);
		}
	}

	if (port->peer != NULL)
	{
		facts->cert_present = true;
		facts->cert_verified = port->peer_cert_valid;
		if (port->peer_cn)
		{
			facts->cert_has_cn = true;
			facts->cert_cn_fits = strlen(port->peer_cn) < sizeof(facts->cert_cn);
			strlcpy(facts->cert_cn, port->peer_cn, sizeof(facts->cert_cn));
		}
		be_tls_get_peer_subject_name(port, facts->client_dn_1_0,
									 sizeof(facts->client_dn_1_0));
		secconn_gather_cert_facts(port->peer, facts);
	}
}

/*
 * The pg_hba method and the mechanism that really ran; "ran" is what an md5
 * line ran (secconn_md5_line_exchange), ignored for other lines.
 */
void
secconn_gather_auth_facts(Port *port, SecconnMd5LineRan ran,
						  SecconnFacts *facts)
{
	if (port->hba == NULL)
		return;

	facts->auth_method =
		secconn_auth_mech_from_name(hba_authname(port->hba->auth_method));
	facts->auth_mechanism = facts->auth_method;

	/* An md5 line runs SCRAM when the stored secret is a SCRAM secret. */
	if (port->hba->auth_method == uaMD5)
		facts->auth_mechanism = ran == SECCONN_RAN_SCRAM ?
			SECCONN_AUTH_SCRAM_SHA_256 : ran == SECCONN_RAN_MD5 ?
			SECCONN_AUTH_MD5 : SECCONN_AUTH_UNKNOWN;
}

/*
 * 15 to 17, first thing in the hook: was the secret core used a SCRAM
 * secret?  See the file header.  False when it does not matter (18 and
 * later, or not an md5 line).
 */
bool
secconn_secret_core_used_is_scram(Port *port)
{
	char	   *password;

	if (SECCONN_HAVE_SCRAM_KEYS || port->hba == NULL ||
		port->hba->auth_method != uaMD5 || port->user_name == NULL)
		return false;
	(void) secconn_lookup_role(port->user_name, &password);
	return secconn_secret_is_scram(password);
}

/*
 * What an md5 line ran, given whether the secret core used was SCRAM
 * (secconn_secret_core_used_is_scram) and whether the current one is.
 */
SecconnMd5LineRan
secconn_md5_line_exchange(Port *port, bool scram_at_start, bool scram_now)
{
	/* Not an md5 line: the line's method ran, whatever this returns. */
	if (port->hba == NULL || port->hba->auth_method != uaMD5)
		return scram_now ? SECCONN_RAN_SCRAM : SECCONN_RAN_MD5;
	if (SECCONN_HAVE_SCRAM_KEYS)
		return secconn_port_has_scram_keys(port) ? SECCONN_RAN_SCRAM :
			SECCONN_RAN_MD5;
	if (scram_at_start != scram_now)
		return SECCONN_RAN_UNKNOWN;
	return scram_now ? SECCONN_RAN_SCRAM : SECCONN_RAN_MD5;
}

/* Is this stored secret (NULL: none) a SCRAM secret? */
bool
secconn_secret_is_scram(const char *password)
{
	return password != NULL &&
		get_password_type(password) == PASSWORD_TYPE_SCRAM_SHA_256;
}

void
secconn_set_session_facts(const SecconnFacts *facts)
{
	session_facts = *facts;
	session_facts_valid = true;
}

/* Did the hook see this session authenticate? */
bool
secconn_session_facts_known(void)
{
	return session_facts_valid;
}

/* This session's facts: saved by the hook, else transport facts only. */
void
secconn_current_facts(SecconnFacts *facts)
{
	if (session_facts_valid)
	{
		*facts = session_facts;
		return;
	}
	if (MyProcPort != NULL)
		secconn_gather_transport_facts(MyProcPort, facts);
	else
	{
		memset(facts, 0, sizeof(*facts));
		facts->transport = SECCONN_TRANSPORT_LOCAL;
		facts->auth_method = SECCONN_AUTH_UNKNOWN;
		facts->auth_mechanism = SECCONN_AUTH_UNKNOWN;
	}
}

/* Each transport's name in the views, and in a message. */
static const struct
{
	const char *name;
	const char *description;
}			transports[] = {
	[SECCONN_TRANSPORT_PLAIN] = {"plain", "plain TCP"},
	[SECCONN_TRANSPORT_TLS] = {"tls", NULL},
	[SECCONN_TRANSPORT_GSS] = {"gss", "GSSAPI encryption"},
	[SECCONN_TRANSPORT_LOCAL] = {"local", "a Unix-domain socket"},
};

const char *
secconn_transport_name(SecconnTransport transport)
{
	if ((int) transport < 0 || transport >= lengthof(transports))
		return "unknown";
	return transports[transport].name;
}

/* "TLSv1.2 with AES128-SHA", "plain TCP", ...; palloc'd. */
char *
secconn_describe_transport(const SecconnFacts *facts)
{
	const char *version = secconn_tls_version_name(facts->tls_version);

	if ((int) facts->transport < 0 || facts->transport >= lengthof(transports))
		return pstrdup("an unknown transport");
	if (facts->transport != SECCONN_TRANSPORT_TLS)
		return pstrdup(transports[facts->transport].description);
	return psprintf("%s with %s",
					version ? version : "an unknown TLS version",
					facts->cipher[0] ? facts->cipher : "an unknown cipher");
}
