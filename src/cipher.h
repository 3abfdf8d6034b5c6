/*-------------------------------------------------------------------------
 *
 * cipher.h
 *		What secconn knows about TLS ciphers, asked of OpenSSL.
 *
 * Depends on OpenSSL and palloc only (no catalogs, no GUCs), so that the
 * policy parser, which validates "cipher=LIST", stays fuzzable.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_CIPHER_H
#define SECCONN_CIPHER_H

#include <openssl/ssl.h>

/* A cipher as OpenSSL describes it; strings are static or palloc'd. */
typedef struct SecconnCipherInfo
{
	const char *name;			/* OpenSSL name, e.g. ECDHE-RSA-AES256-GCM-SHA384 */
	const char *standard_name;	/* RFC name, e.g. TLS_ECDHE_RSA_WITH_... */
	const char *protocol;		/* lowest protocol it runs on, e.g. TLSv1.2 */
	const char *kx;				/* key exchange, as "openssl ciphers -v" Kx= */
	const char *auth;			/* authentication, as Au= */
	const char *enc;			/* encryption, as Enc= */
	const char *mac;			/* MAC, as Mac= */
	bool		aead;
	bool		forward_secrecy;
	int			bits;
	bool		strong;			/* secconn's definition, see cipher.c */
} SecconnCipherInfo;

/* Is the negotiated cipher of this TLS session strong? */
extern bool secconn_cipher_strong(const SSL_CIPHER *cipher, int protocol_version);

/* Classify a cipher by OpenSSL or RFC name; false if OpenSSL knows no such cipher. */
extern bool secconn_cipher_lookup(const char *name, SecconnCipherInfo *info);

/*
 * "cipher=LIST": validate a list (NULL on success, else a palloc'd sentence
 * naming the bad entry), and test whether a negotiated cipher is in it.
 */
extern char *secconn_cipher_list_check(const char *list);
extern bool secconn_cipher_list_allows(const char *list, const char *cipher_name,
									   bool is_tls13);

#endif							/* SECCONN_CIPHER_H */
