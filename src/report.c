/*-------------------------------------------------------------------------
 *
 * report.c
 *		Telling the client and the server log about a verdict.
 *
 * The client sees which requirements it broke and what its connection had;
 * which policy demanded them, and the role, database and address, go only
 * to the server log (errdetail_log).  Everything here is formatted only
 * when there is something to report, so that an accepted connection pays
 * for no message and no role-name lookup.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "catalog.h"
#include "report.h"

/* What the connection had, as the end of "Requirement ... is not met: ". */
static char *
describe_cert_had(const SecconnFacts *facts)
{
	if (!facts->cert_present)
		return pstrdup("the client presented no certificate");
	if (!facts->cert_verified)
		return pstrdup("the client certificate was not verified");
	if (!facts->cert_has_cn && !facts->subject_dn_fits)
		return psprintf("the certificate has no CN, so it cannot match the role name \"%s\"; its subject is too long to show",
						facts->role_name);
	if (!facts->cert_has_cn)
		return facts->subject_dn[0] ?
			psprintf("the certificate has no CN, so it cannot match the role name \"%s\"; its subject is \"%s\"",
					 facts->role_name, facts->subject_dn) :
			psprintf("the certificate has no CN and an empty subject, so it cannot match the role name \"%s\"",
					 facts->role_name);
	if (!facts->cert_cn_fits)
		return psprintf("the certificate's CN is longer than any role name and cannot match the role name \"%s\"",
						facts->role_name);
	return psprintf("the certificate's CN \"%s\" does not match the role name \"%s\"",
					facts->cert_cn, facts->role_name);
}

static char *
describe_had(const SecconnViolation *v, const SecconnFacts *facts)
{
	if (v->req == SECCONN_REQ_AUTH)
	{
		const char *mech = secconn_auth_mech_name(facts->auth_mechanism);

		return mech ? psprintf("the session authenticated with %s", mech) :
			pstrdup("the session's authentication mechanism is unknown");
	}
	if (facts->transport != SECCONN_TRANSPORT_TLS)
		return psprintf("the connection uses %s", secconn_describe_transport(facts));
	switch (v->req)
	{
		case SECCONN_REQ_CIPHER:
			if (v->policy->cipher == SECCONN_CIPHER_STRONG)
				return psprintf("the connection uses %s, which is not a strong cipher",
								secconn_describe_transport(facts));
			break;
		case SECCONN_REQ_CLIENTCERT:
			return describe_cert_had(facts);
		case SECCONN_REQ_CERT_ISSUER:
			return facts->issuer_dn_fits ?
				psprintf("the client certificate was issued by \"%s\"", facts->issuer_dn) :
				pstrdup("the client certificate's issuer DN is longer than any pin");
		case SECCONN_REQ_CERT_SUBJECT:
			return facts->subject_dn_fits ?
				psprintf("the client certificate's subject is \"%s\"", facts->subject_dn) :
				pstrdup("the client certificate's subject DN is longer than any pin");
	}
	return psprintf("the connection uses %s", secconn_describe_transport(facts));
}

/*
 * How to comply with one violated requirement, for any client: what must
 * change first, then how in libpq (and JDBC where it is one setting).
 */
static char *
hint_for(const SecconnViolation *v, const SecconnFacts *facts)
{
	const char *tls = secconn_tls_version_name(v->policy->min_tls);

	switch (v->req)
	{
		case SECCONN_REQ_SSL:
			return pstrdup("connect with TLS (libpq and JDBC: sslmode=require or stronger)");
		case SECCONN_REQ_MIN_TLS:
			return psprintf("connect with %s or later, which the client's TLS library must allow (libpq: ssl_min_protocol_version=%s)",
							tls, tls);
		case SECCONN_REQ_CIPHER:
			if (v->policy->cipher == SECCONN_CIPHER_STRONG)
				return pstrdup("connect with TLS 1.3, or with TLS 1.2 and an ECDHE or DHE suite with AES-GCM or ChaCha20-Poly1305 and a server certificate (libpq: ssl_min_protocol_version=TLSv1.3)");
			return psprintf("connect with a cipher that \"%s\" allows; the client's TLS settings decide which ciphers it offers",
							v->requirement);
		case SECCONN_REQ_AUTH:
			if (facts->auth_mechanism == SECCONN_AUTH_UNKNOWN)
				return pstrdup("connect again: which mechanism ran is unknown, for example because the role's password was changed while the connection authenticated");
			return pstrdup("authenticate with a mechanism the policy accepts: for scram-sha-256 the role needs a SCRAM password, set again while password_encryption is scram-sha-256 (psql: \\password)");
		case SECCONN_REQ_CLIENTCERT:
			return pstrdup("present a client certificate signed by the server's CA, whose CN is the role name where verify-full is required (libpq and JDBC: sslcert and sslkey)");
		case SECCONN_REQ_CERT_ISSUER:
			return pstrdup("present a client certificate issued by the CA that the policy names (libpq and JDBC: sslcert and sslkey)");
		case SECCONN_REQ_CERT_SUBJECT:
			return pstrdup("present the client certificate whose subject the policy names (libpq and JDBC: sslcert and sslkey)");
	}
	return pstrdup("ask the administrator which policy applies");
}

/* The policies that demand a violation, for the log. */
static char *
describe_sources(const SecconnViolation *v)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < v->nsources; i++)
		appendStringInfo(&buf, "%s%s%s", i ? ", " : "",
						 secconn_source_description(v->sources[i]),
						 v->sources[i]->policy.warn_only ? " (mode=warn)" : "");
	return buf.data;
}

/* Lines for the log: every policy that cannot be evaluated, then every violation. */
static char *
log_detail(List *policies, const SecconnVerdict *verdict,
		   const SecconnFacts *facts)
{
	StringInfoData log;
	ListCell   *cell;

	initStringInfo(&log);
	foreach(cell, policies)
	{
		const SecconnAppliedPolicy *applied = lfirst(cell);

		if (!applied->valid)
			appendStringInfo(&log, "%sThe policy in %s cannot be evaluated. %s",
							 log.len ? "\n" : "",
							 secconn_source_description(applied),
							 applied->invalid_reason);
	}
	for (int i = 0; i < verdict->nviolations; i++)
	{
		const SecconnViolation *v = &verdict->violations[i];

		appendStringInfo(&log, "%sRequirement \"%s\" is not met: %s. Demanded by %s.",
						 log.len ? "\n" : "", v->requirement,
						 describe_had(v, facts), describe_sources(v));
	}
	return log.data;
}

/* For the client: the violations of enforcing policies only. */
static char *
client_detail(const SecconnVerdict *verdict, const SecconnFacts *facts)
{
	StringInfoData client;

	initStringInfo(&client);
	for (int i = 0; i < verdict->nviolations; i++)
	{
		const SecconnViolation *v = &verdict->violations[i];

		if (v->enforced)
			appendStringInfo(&client, "%sRequirement \"%s\" is not met: %s.",
							 client.len ? "\n" : "", v->requirement,
							 describe_had(v, facts));
	}
	return client.data;
}

/* One hint per kind of requirement, of the enforced ones if any. */
static char *
hint(const SecconnVerdict *verdict, const SecconnFacts *facts)
{
	StringInfoData hint;
	int			hinted = 0;

	initStringInfo(&hint);
	for (int i = 0; i < verdict->nviolations; i++)
	{
		const SecconnViolation *v = &verdict->violations[i];

		if (!(hinted & v->req) && (v->enforced || verdict->enforced == 0))
		{
			appendStringInfo(&hint, "%s%s", hinted ? "; " : "To comply, ",
							 hint_for(v, facts));
			hinted |= v->req;
		}
	}
	if (hint.len)
		appendStringInfoChar(&hint, '.');
	return hint.data;
}

/* "Connection of role "r" to database "d" from 127.0.0.1." */
static char *
describe_connection(Port *port, bool physical)
{
	const char *from = port->remote_host ? port->remote_host : "[unknown]";

	if (physical)
		return psprintf("Physical replication connection of role \"%s\" from %s.",
						port->user_name, from);
	return psprintf("Connection of role \"%s\" to database \"%s\" from %s.",
					port->user_name, port->database_name, from);
}

/* Formatted before ereport, so that a failed lookup cannot nest in it. */
static void
report_unevaluable(Port *port, bool physical, const SecconnFacts *facts,
				   const SecconnDecision *d)
{
	char	   *reason = d->error ?
		psprintf("The check failed: %s", d->error) :
		log_detail(d->policies, &d->verdict, facts);
	char	   *connection = describe_connection(port, physical);

	ereport(d->enforce ? FATAL : LOG,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 d->enforce ?
			 errmsg("connection rejected: secconn could not evaluate its policy") :
			 errmsg("secconn could not evaluate its policy, connection admitted in warn mode"),
			 errdetail("A connection policy that applies to this connection could not be evaluated."),
			 errdetail_log("%s\n%s", reason, connection),
			 errhint("A superuser can inspect and correct the secconn labels (view secconn_policies).")));
}

void
secconn_report(Port *port, bool physical, const SecconnFacts *facts,
			   const SecconnDecision *d)
{
	char	   *log;
	char	   *connection;

	if (d->error || d->verdict.unevaluable)
	{
		report_unevaluable(port, physical, facts, d);
		return;
	}
	if (d->action == SECCONN_ACTION_ACCEPTED)
		return;

	log = log_detail(d->policies, &d->verdict, facts);
	connection = describe_connection(port, physical);
	if (d->action == SECCONN_ACTION_REJECTED)
	{
		char	   *client = client_detail(&d->verdict, facts);
		char	   *how = hint(&d->verdict, facts);

		ereport(FATAL,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("connection rejected by secconn policy"),
				 errdetail("%s", client),
				 errdetail_log("%s\n%s", log, connection),
				 errhint("%s", how)));
	}
	ereport(LOG,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("secconn policy violated, connection admitted in warn mode"),
			 errdetail("%s\n%s", log, connection)));
}
