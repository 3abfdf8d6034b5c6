/*-------------------------------------------------------------------------
 *
 * certs.c
 *		Certificates (1.1): a client certificate's subject, issuer, serial
 *		and validity for the views and for pinning; the expiry warning for
 *		client certificates; and secconn_server_certificates(), the
 *		certificates the server presents and trusts.
 *
 * DNs are RFC 2253 strings exactly as X509_NAME_print_ex() with
 * XN_FLAG_RFC2253 prints them: most specific part first, "," between
 * parts, and ",+\"\\<>;" escaped with a backslash, control characters and
 * every byte above 0x7F as \XX.  So they are ASCII, the same in every
 * database encoding, and what the cert_issuer= / cert_subject= pins are
 * compared with, byte for byte.
 *
 * secconn_server_certificates() reads the files that the current settings
 * name (GetConfigOption: what this backend's last reload saw, which is
 * what the next reload of the server would load; never core's C
 * variables), and never opens a private key.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "certs.h"
#include "compat.h"
#include "guc.h"
#include "shmem.h"

PG_FUNCTION_INFO_V1(secconn_server_certificates);

/*
 * name in RFC 2253 form into buf (size len); false, with buf "", when it
 * does not fit (or OpenSSL fails).
 */
static bool
name_rfc2253(X509_NAME *name, char *buf, size_t len)
{
	BIO		   *bio;
	char	   *data;
	long		n;
	bool		fits = false;

	buf[0] = '\0';
	if (name == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		return false;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
	{
		n = BIO_get_mem_data(bio, &data);
		/* ESC_CTRL escapes NUL, but be sure: a NUL would cut the DN */
		if (n >= 0 && (size_t) n < len && memchr(data, '\0', n) == NULL)
		{
			memcpy(buf, data, n);
			buf[n] = '\0';
			fits = true;
		}
	}
	BIO_free(bio);
	return fits;
}

/* The same, palloc'd and whole; NULL if OpenSSL fails. */
static char *
name_rfc2253_palloc(X509_NAME *name)
{
	BIO		   *bio;
	char	   *data;
	long		n;
	char	   *result = NULL;

	if (name == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0 &&
		(n = BIO_get_mem_data(bio, &data)) >= 0)
		result = pnstrdup(data, n);
	BIO_free(bio);
	return result;
}

/* The serial number in upper-case hex (as openssl x509 -serial); palloc'd. */
static char *
serial_hex(X509 *cert)
{
	BIGNUM	   *bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), NULL);
	char	   *hex;
	char	   *result = NULL;

	if (bn == NULL)
		return NULL;
	hex = BN_bn2hex(bn);
	if (hex != NULL)
	{
		result = pstrdup(hex);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	return result;
}

static bool
asn1_time_to_timestamptz(const ASN1_TIME *t, TimestampTz *result)
{
	struct tm	tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*result = time_t_to_timestamptz(timegm(&tm));
	return true;
}

/* From facts.c, for a connection with a client certificate. */
void
secconn_gather_cert_facts(void *peer, SecconnFacts *facts)
{
	X509	   *cert = (X509 *) peer;
	char	   *serial;

	facts->subject_dn_fits = name_rfc2253(X509_get_subject_name(cert),
										  facts->subject_dn,
										  sizeof(facts->subject_dn));
	facts->issuer_dn_fits = name_rfc2253(X509_get_issuer_name(cert),
										 facts->issuer_dn,
										 sizeof(facts->issuer_dn));
	serial = serial_hex(cert);
	if (serial && strlen(serial) < sizeof(facts->serial))
		strlcpy(facts->serial, serial, sizeof(facts->serial));
	facts->cert_dates_valid =
		asn1_time_to_timestamptz(X509_get0_notBefore(cert),
								 &facts->cert_not_before) &&
		asn1_time_to_timestamptz(X509_get0_notAfter(cert),
								 &facts->cert_not_after);
}

/*
 * After the hook admitted a session (not in mode off): one LOG line and a
 * count when its client certificate expires within
 * secconn.cert_expiry_warning.
 */
void
secconn_note_expiring_cert(Port *port, const SecconnFacts *facts)
{
	TimestampTz now;

	if (secconn_cert_expiry_warning <= 0 || !facts->cert_present ||
		!facts->cert_dates_valid)
		return;
	now = GetCurrentTimestamp();
	if (facts->cert_not_after - now >
		(TimestampTz) secconn_cert_expiry_warning * USECS_PER_SEC)
		return;

	secconn_count_expiring_cert();
	ereport(LOG,
			(errmsg("client certificate of role \"%s\" expires at %s, within secconn.cert_expiry_warning",
					facts->role_name, timestamptz_to_str(facts->cert_not_after)),
			 errdetail("Certificate subject \"%s\", serial %s, issuer \"%s\". Connection of role \"%s\" to database \"%s\" from %s.",
					   facts->subject_dn_fits ? facts->subject_dn : "(too long to show)",
					   facts->serial[0] ? facts->serial : "(unknown)",
					   facts->issuer_dn_fits ? facts->issuer_dn : "(too long to show)",
					   facts->role_name,
					   port->database_name ? port->database_name : "",
					   port->remote_host ? port->remote_host : "[unknown]")));
}

/* ---- secconn_server_certificates() ---- */

enum
{
	SC_SOURCE,
	SC_POSITION,
	SC_SUBJECT,
	SC_ISSUER,
	SC_SERIAL,
	SC_NOT_BEFORE,
	SC_NOT_AFTER,
	SC_DAYS_LEFT,
	SC_KEY_TYPE,
	SC_KEY_BITS,
	SC_SIGNATURE_ALGORITHM,
	SC_SELF_SIGNED,
	SC_FILE,
	SC_PROBLEM,
	SC_NCOLS
};

static const char *
key_type_name(EVP_PKEY *key)
{
	int			id = EVP_PKEY_base_id(key);

	switch (id)
	{
		case EVP_PKEY_RSA:
			return "RSA";
		case EVP_PKEY_RSA_PSS:
			return "RSA-PSS";
		case EVP_PKEY_DSA:
			return "DSA";
		case EVP_PKEY_EC:
			return "EC";
		case EVP_PKEY_ED25519:
			return "ED25519";
		case EVP_PKEY_ED448:
			return "ED448";
	}
	return id == NID_undef ? NULL : OBJ_nid2sn(id);
}

/* (not_after - now()) in days, two decimals: numeric. */
static Datum
days_left(TimestampTz not_after)
{
	int64		secs = (not_after - GetCurrentTransactionStartTimestamp()) /
		USECS_PER_SEC;
	Datum		days;

	days = DirectFunctionCall2(numeric_div,
							   NumericGetDatum(int64_to_numeric(secs)),
							   NumericGetDatum(int64_to_numeric(SECS_PER_DAY)));
	return DirectFunctionCall2(numeric_round, days, Int32GetDatum(2));
}

static void
put_problem(ReturnSetInfo *rsinfo, const char *source, const char *file,
			const char *problem)
{
	Datum		values[SC_NCOLS];
	bool		nulls[SC_NCOLS];

	memset(nulls, true, sizeof(nulls));
	values[SC_SOURCE] = CStringGetTextDatum(source);
	nulls[SC_SOURCE] = false;
	if (file)
	{
		values[SC_FILE] = CStringGetTextDatum(file);
		nulls[SC_FILE] = false;
	}
	values[SC_PROBLEM] = CStringGetTextDatum(problem);
	nulls[SC_PROBLEM] = false;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static void
put_certificate(ReturnSetInfo *rsinfo, const char *source, const char *file,
				int position, X509 *cert)
{
	Datum		values[SC_NCOLS];
	bool		nulls[SC_NCOLS];
	char	   *s;
	TimestampTz ts;
	EVP_PKEY   *key = X509_get0_pubkey(cert);
	int			sig_nid = X509_get_signature_nid(cert);

	memset(nulls, true, sizeof(nulls));
#define PUT(col, datum) (values[(col)] = (datum), nulls[(col)] = false)
	PUT(SC_SOURCE, CStringGetTextDatum(source));
	PUT(SC_POSITION, Int32GetDatum(position));
	if ((s = name_rfc2253_palloc(X509_get_subject_name(cert))) != NULL)
		PUT(SC_SUBJECT, CStringGetTextDatum(s));
	if ((s = name_rfc2253_palloc(X509_get_issuer_name(cert))) != NULL)
		PUT(SC_ISSUER, CStringGetTextDatum(s));
	if ((s = serial_hex(cert)) != NULL)
		PUT(SC_SERIAL, CStringGetTextDatum(s));
	if (asn1_time_to_timestamptz(X509_get0_notBefore(cert), &ts))
		PUT(SC_NOT_BEFORE, TimestampTzGetDatum(ts));
	if (asn1_time_to_timestamptz(X509_get0_notAfter(cert), &ts))
	{
		PUT(SC_NOT_AFTER, TimestampTzGetDatum(ts));
		PUT(SC_DAYS_LEFT, days_left(ts));
	}
	if (key != NULL)
	{
		if ((s = (char *) key_type_name(key)) != NULL)
			PUT(SC_KEY_TYPE, CStringGetTextDatum(s));
		PUT(SC_KEY_BITS, Int32GetDatum(EVP_PKEY_bits(key)));
	}
	if (sig_nid != NID_undef && OBJ_nid2ln(sig_nid) != NULL)
		PUT(SC_SIGNATURE_ALGORITHM, CStringGetTextDatum(OBJ_nid2ln(sig_nid)));
	PUT(SC_SELF_SIGNED,
		BoolGetDatum(key != NULL && X509_check_issued(cert, cert) == X509_V_OK &&
					 X509_verify(cert, key) == 1));
	PUT(SC_FILE, CStringGetTextDatum(file));
#undef PUT
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	ERR_clear_error();
}

/* The last OpenSSL error as text, or a fallback. */
static const char *
openssl_error(void)
{
	unsigned long err = ERR_peek_last_error();
	const char *reason = err ? ERR_reason_error_string(err) : NULL;

	return reason ? reason : "unknown OpenSSL error";
}

/*
 * One row per certificate in the PEM file "file", named by "source"; one
 * row with a problem when it cannot be read or holds no certificate.
 * Other PEM blocks (a key in a combined file) are skipped, not decoded.
 */
static void
put_file(ReturnSetInfo *rsinfo, const char *source, const char *file)
{
	FILE	   *fp;
	BIO		   *bio;
	int			position = 0;

	fp = AllocateFile(file, "r");
	if (fp == NULL)
	{
		put_problem(rsinfo, source, file,
					psprintf("could not open file \"%s\": %s", file,
							 strerror(errno)));
		return;
	}
	bio = BIO_new_fp(fp, BIO_NOCLOSE);
	if (bio == NULL)
	{
		FreeFile(fp);
		elog(ERROR, "could not create an OpenSSL BIO");
	}

	ERR_clear_error();
	for (;;)
	{
		X509	   *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		unsigned long err;

		if (cert != NULL)
		{
			put_certificate(rsinfo, source, file, position++, cert);
			X509_free(cert);
			continue;
		}
		/* PEM_R_NO_START_LINE: no further certificate, the normal end */
		err = ERR_peek_last_error();
		if (err != 0 && !(ERR_GET_LIB(err) == ERR_LIB_PEM &&
						  ERR_GET_REASON(err) == PEM_R_NO_START_LINE))
			put_problem(rsinfo, source, file,
						psprintf("could not read certificate %d of file \"%s\": %s",
								 position, file, openssl_error()));
		else if (position == 0)
			put_problem(rsinfo, source, file,
						psprintf("file \"%s\" contains no certificate", file));
		break;
	}
	ERR_clear_error();
	BIO_free(bio);
	FreeFile(fp);
}

/* A setting naming a file: its rows, or none when it is empty. */
static void
put_setting(ReturnSetInfo *rsinfo, const char *setting)
{
	const char *file = GetConfigOption(setting, true, false);

	if (file != NULL && file[0] != '\0')
		put_file(rsinfo, setting, file);
}

/*
 * secconn_server_certificates(): the certificates of ssl_cert_file (leaf
 * first), of ssl_ca_file and, on PostgreSQL 19 with ssl_sni on, of every
 * certificate and CA file that pg_hosts.conf names.  Nothing while ssl is
 * off (the server presents and trusts nothing then).
 */
Datum
secconn_server_certificates(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const char *ssl = GetConfigOption("ssl", true, false);
	const char *sni = GetConfigOption("ssl_sni", true, false);
	List	   *hosts = NIL;
	char	   *problem = NULL;
	ListCell   *cell;

	InitMaterializedSRF(fcinfo, 0);
	if (ssl == NULL || strcmp(ssl, "on") != 0)
		return (Datum) 0;

	put_setting(rsinfo, "ssl_cert_file");
	put_setting(rsinfo, "ssl_ca_file");

	if (!SECCONN_HAVE_PG_HOSTS || sni == NULL || strcmp(sni, "on") != 0)
		return (Datum) 0;
	if (!secconn_load_pg_hosts(&hosts, &problem))
	{
		const char *file = GetConfigOption("hosts_file", true, false);

		put_problem(rsinfo, file ? file : "pg_hosts.conf", file,
					problem ? problem : "could not load the hosts file");
		return (Datum) 0;
	}
	foreach(cell, hosts)
	{
		SecconnHostsLine *line = lfirst(cell);
		char	   *source = psprintf("%s line %d", line->file, line->line);

		if (line->ssl_cert)
			put_file(rsinfo, source, line->ssl_cert);
		if (line->ssl_ca && line->ssl_ca[0] != '\0')
			put_file(rsinfo, source, line->ssl_ca);
	}
	return (Datum) 0;
}
