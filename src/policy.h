/*-------------------------------------------------------------------------
 *
 * policy.h
 *		The secconn policy language: parsed form and parser.
 *
 * The grammar is in policy.c.  The parsed form is a flat struct with no
 * pointers, so that it can live in a malloc'd GUC "extra" block as well as
 * in palloc'd memory.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_POLICY_H
#define SECCONN_POLICY_H

/* Longest policy text accepted, in bytes (labels stay far from TOAST). */
#define SECCONN_MAX_POLICY_LEN		1024

/* TLS protocol versions, ordered so that "at least" is ">=". */
typedef enum SecconnTlsVersion
{
	SECCONN_TLS_NONE = 0,
	SECCONN_TLS_1_0,
	SECCONN_TLS_1_1,
	SECCONN_TLS_1_2,
	SECCONN_TLS_1_3
} SecconnTlsVersion;

typedef enum SecconnCipherReq
{
	SECCONN_CIPHER_ANY = 0,
	SECCONN_CIPHER_STRONG,
	SECCONN_CIPHER_LIST
} SecconnCipherReq;

typedef enum SecconnCertReq
{
	SECCONN_CERT_ANY = 0,
	SECCONN_CERT_VERIFY_CA,		/* "clientcert" */
	SECCONN_CERT_VERIFY_FULL	/* "clientcert=verify-full" */
} SecconnCertReq;

/*
 * Authentication mechanisms, named as pg_hba.conf names its methods.  These
 * are secconn's own numbers, never core's UserAuth values.
 */
typedef enum SecconnAuthMech
{
	SECCONN_AUTH_SCRAM_SHA_256 = 0,
	SECCONN_AUTH_MD5,
	SECCONN_AUTH_PASSWORD,
	SECCONN_AUTH_CERT,
	SECCONN_AUTH_TRUST,
	SECCONN_AUTH_PEER,
	SECCONN_AUTH_IDENT,
	SECCONN_AUTH_GSS,
	SECCONN_AUTH_SSPI,
	SECCONN_AUTH_LDAP,
	SECCONN_AUTH_RADIUS,
	SECCONN_AUTH_PAM,
	SECCONN_AUTH_BSD,
	SECCONN_AUTH_OAUTH,
	SECCONN_NUM_AUTH_MECHS
} SecconnAuthMech;

#define SECCONN_AUTH_UNKNOWN	(-1)

/* Requirement kinds, as bits; each is one row of policy.c's grammar. */
#define SECCONN_REQ_SSL			0x01
#define SECCONN_REQ_MIN_TLS		0x02
#define SECCONN_REQ_CIPHER		0x04
#define SECCONN_REQ_AUTH		0x08
#define SECCONN_REQ_CLIENTCERT	0x10
#define SECCONN_REQ_CERT_ISSUER	0x20	/* 1.1: cert_issuer="DN" */
#define SECCONN_REQ_CERT_SUBJECT	0x40	/* 1.1: cert_subject="DN" */
#define SECCONN_NUM_REQS		7
/* The requirements the 1.0 counters had one column each for. */
#define SECCONN_NUM_REQS_1_0	5

typedef struct SecconnPolicy
{
	bool		require_ssl;	/* "ssl", or implied by a transport keyword */
	SecconnTlsVersion min_tls;	/* SECCONN_TLS_NONE: no minimum */
	SecconnCipherReq cipher;
	SecconnCertReq clientcert;
	uint32		auth_mask;		/* bit (1 << SecconnAuthMech); 0: any */
	bool		warn_only;		/* "mode=warn" */
	char		cipher_list[SECCONN_MAX_POLICY_LEN + 1];	/* "cipher=LIST" */

	/* Pinned DNs, "" when not pinned; shorter than the policy text. */
	char		cert_issuer[SECCONN_MAX_POLICY_LEN + 1];
	char		cert_subject[SECCONN_MAX_POLICY_LEN + 1];
} SecconnPolicy;

/* What was wrong with a policy text; both strings palloc'd. */
typedef struct SecconnPolicyError
{
	char	   *word;			/* the offending word, as written */
	char	   *detail;			/* a full sentence saying why */
} SecconnPolicyError;

extern bool secconn_policy_parse(const char *text, SecconnPolicy *policy,
								 SecconnPolicyError *error);
/* "Invalid requirement "w": detail", palloc'd. */
extern char *secconn_policy_error_text(const SecconnPolicyError *error);
/* NULL, or the sentence saying that "text" is longer than a policy may be. */
extern char *secconn_policy_length_problem(const char *text);
extern bool secconn_policy_is_empty(const SecconnPolicy *policy);
extern char *secconn_policy_requirement_text(const SecconnPolicy *policy,
											 int req);
extern const char *secconn_req_keyword(int req);
extern bool secconn_policy_has_requirement(const SecconnPolicy *policy, int req);

extern const char *secconn_auth_mech_name(int mech);
extern int	secconn_auth_mech_from_name(const char *name);
extern const char *secconn_tls_version_name(SecconnTlsVersion version);

#endif							/* SECCONN_POLICY_H */
