/*-------------------------------------------------------------------------
 *
 * facts.h
 *		What a connection really has (facts.c, certs.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_FACTS_H
#define SECCONN_FACTS_H

#include "datatype/timestamp.h"
#include "libpq/libpq-be.h"

#include "policy.h"

typedef enum SecconnTransport
{
	SECCONN_TRANSPORT_PLAIN = 0,	/* unencrypted TCP */
	SECCONN_TRANSPORT_TLS,
	SECCONN_TRANSPORT_GSS,		/* GSSAPI encryption */
	SECCONN_TRANSPORT_LOCAL		/* Unix-domain socket */
} SecconnTransport;

#define SECCONN_CIPHER_NAME_LEN		64
/* The 1.0 client_dn: OpenSSL's one-line form, truncated as in 1.0. */
#define SECCONN_DN_1_0_LEN			256

/*
 * Room for an RFC 2253 DN, terminator included.  A longer DN is not stored
 * (the views show NULL, never a truncated DN), and cannot equal a pin,
 * which is shorter than a policy.
 */
#define SECCONN_DN_LEN				(SECCONN_MAX_POLICY_LEN)
/* A certificate serial number in hex: 20 octets in RFC 5280, with room. */
#define SECCONN_SERIAL_LEN			128

/*
 * Everything a policy is checked against.  Fixed size and pointer-free, so
 * that a copy can sit in a shared memory slot and be re-evaluated there.
 */
typedef struct SecconnFacts
{
	SecconnTransport transport;
	SecconnTlsVersion tls_version;	/* SECCONN_TLS_NONE unless TLS */
	char		cipher[SECCONN_CIPHER_NAME_LEN];	/* OpenSSL name; "" unless TLS */
	int			cipher_bits;
	bool		cipher_strong;
	int			auth_method;	/* SecconnAuthMech of the pg_hba line */
	int			auth_mechanism; /* SecconnAuthMech that really ran */
	bool		cert_present;	/* a certificate was presented... */
	bool		cert_verified;	/* ...and verified against ssl_ca_file */
	bool		cert_has_cn;	/* the certificate's subject has a CN */
	bool		cert_cn_fits;	/* cert_cn holds the whole CN */
	char		cert_cn[NAMEDATALEN];
	char		client_dn_1_0[SECCONN_DN_1_0_LEN];	/* truncated if longer */
	/* 1.1: the certificate in full; "" without one */
	bool		subject_dn_fits;	/* subject_dn holds the whole DN */
	bool		issuer_dn_fits;
	char		subject_dn[SECCONN_DN_LEN];	/* RFC 2253 */
	char		issuer_dn[SECCONN_DN_LEN];
	char		serial[SECCONN_SERIAL_LEN];	/* hex; "" if it does not fit */
	bool		cert_dates_valid;
	TimestampTz cert_not_before;
	TimestampTz cert_not_after;
	char		role_name[NAMEDATALEN];
} SecconnFacts;

/* What an md5 pg_hba line really ran (see facts.c). */
typedef enum SecconnMd5LineRan
{
	SECCONN_RAN_MD5,
	SECCONN_RAN_SCRAM,
	SECCONN_RAN_UNKNOWN			/* the secret changed during authentication */
} SecconnMd5LineRan;

/* transport, TLS and certificate: valid at any time in a backend */
extern void secconn_gather_transport_facts(Port *port, SecconnFacts *facts);
/* pg_hba method and real mechanism: only during authentication (port->hba) */
extern void secconn_gather_auth_facts(Port *port, SecconnMd5LineRan ran,
									  SecconnFacts *facts);
extern bool secconn_secret_core_used_is_scram(Port *port);
extern SecconnMd5LineRan secconn_md5_line_exchange(Port *port,
												   bool scram_at_start,
												   bool scram_now);
extern bool secconn_secret_is_scram(const char *password);

/* This session's facts: set once by the hook, read by the SQL functions. */
extern void secconn_set_session_facts(const SecconnFacts *facts);
extern bool secconn_session_facts_known(void);
extern void secconn_current_facts(SecconnFacts *facts);

extern const char *secconn_transport_name(SecconnTransport transport);
extern char *secconn_describe_transport(const SecconnFacts *facts);

#endif							/* SECCONN_FACTS_H */
