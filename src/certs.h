/*-------------------------------------------------------------------------
 *
 * certs.h
 *		Client certificate facts and expiry warnings (certs.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_CERTS_H
#define SECCONN_CERTS_H

#include "facts.h"

/* subject, issuer, serial and validity of a client certificate (X509 *) */
extern void secconn_gather_cert_facts(void *peer, SecconnFacts *facts);
extern void secconn_note_expiring_cert(Port *port, const SecconnFacts *facts);

#endif							/* SECCONN_CERTS_H */
