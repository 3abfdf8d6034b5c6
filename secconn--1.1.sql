/* secconn--1.1.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION secconn" to load this file. \quit

--
-- The current session (work with or without shared_preload_libraries).
-- PARALLEL RESTRICTED: they read the leader's own connection state.
--
CREATE FUNCTION secconn_tls_version()
RETURNS text
AS 'MODULE_PATHNAME', 'secconn_session_tls_version'
LANGUAGE C STABLE PARALLEL RESTRICTED;

CREATE FUNCTION secconn_cipher()
RETURNS text
AS 'MODULE_PATHNAME', 'secconn_session_cipher'
LANGUAGE C STABLE PARALLEL RESTRICTED;

CREATE FUNCTION secconn_cipher_bits()
RETURNS integer
AS 'MODULE_PATHNAME', 'secconn_session_cipher_bits'
LANGUAGE C STABLE PARALLEL RESTRICTED;

CREATE FUNCTION secconn_cipher_strong()
RETURNS boolean
AS 'MODULE_PATHNAME', 'secconn_session_cipher_strong'
LANGUAGE C STABLE PARALLEL RESTRICTED;

CREATE FUNCTION secconn_auth_mechanism()
RETURNS text
AS 'MODULE_PATHNAME', 'secconn_session_auth_mechanism'
LANGUAGE C STABLE PARALLEL RESTRICTED;

--
-- Any cipher, by OpenSSL or RFC name; NULL for a name OpenSSL does not know.
--
CREATE FUNCTION secconn_cipher_info(
    cipher text,
    OUT name text,
    OUT standard_name text,
    OUT protocol text,
    OUT key_exchange text,
    OUT authentication text,
    OUT encryption text,
    OUT mac text,
    OUT aead boolean,
    OUT forward_secrecy boolean,
    OUT bits integer,
    OUT strong boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'secconn_cipher_info'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

--
-- Per-backend state (needs shared_preload_libraries).  The function filters
-- rows as pg_stat_activity does, so it is callable by everyone; joining
-- pg_stat_activity adds its columns and leaves out backends that have not
-- finished starting (e.g. a connection secconn is rejecting).
--
CREATE FUNCTION secconn_connection_slots(
    OUT pid integer,
    OUT transport text,
    OUT tls_version text,
    OUT cipher text,
    OUT cipher_bits integer,
    OUT cipher_strong boolean,
    OUT auth_method text,
    OUT auth_mechanism text,
    OUT client_cert_present boolean,
    OUT client_cert_verified boolean,
    OUT client_dn text,
    OUT compliant boolean,
    OUT violations text[],
    OUT client_issuer_dn text,
    OUT client_serial text,
    OUT client_cert_not_before timestamptz,
    OUT client_cert_not_after timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'secconn_connection_slots_1_1'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

CREATE VIEW secconn_connections AS
    SELECT s.pid,
           a.usename,
           a.datname,
           a.client_addr,
           a.backend_start,
           s.transport,
           s.tls_version,
           s.cipher,
           s.cipher_bits,
           s.cipher_strong,
           s.auth_method,
           s.auth_mechanism,
           s.client_cert_present,
           s.client_dn,
           s.compliant,
           s.violations,
           s.client_cert_verified,
           -- like every column but pid, usename, datname: only for sessions
           -- the caller may see in full (transport is NULL for the others)
           CASE WHEN s.transport IS NOT NULL THEN a.backend_type END
               AS backend_type,
           s.client_issuer_dn,
           s.client_serial,
           s.client_cert_not_before,
           s.client_cert_not_after
      FROM secconn_connection_slots() s
      JOIN pg_stat_activity a ON a.pid = s.pid;

-- Try a policy on the open sessions before setting it.
CREATE FUNCTION secconn_test_policy(
    policy text,
    OUT pid integer,
    OUT compliant boolean,
    OUT violations text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'secconn_test_policy'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

--
-- Policies and roles (catalogs only: work without preloading).
--
CREATE FUNCTION secconn_policy_problem(policy text)
RETURNS text
AS 'MODULE_PATHNAME', 'secconn_policy_problem'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE VIEW secconn_policies AS
    SELECT 'role'::text AS object_type,
           r.rolname::text AS object_name,
           l.label AS policy,
           secconn_policy_problem(l.label) IS NULL AS valid,
           secconn_policy_problem(l.label) AS problem
      FROM pg_catalog.pg_shseclabel l
      JOIN pg_catalog.pg_authid r ON r.oid = l.objoid
     WHERE l.provider = 'secconn'
       AND l.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass
    UNION ALL
    SELECT 'database'::text,
           d.datname::text,
           l.label,
           secconn_policy_problem(l.label) IS NULL,
           secconn_policy_problem(l.label)
      FROM pg_catalog.pg_shseclabel l
      JOIN pg_catalog.pg_database d ON d.oid = l.objoid
     WHERE l.provider = 'secconn'
       AND l.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass;

CREATE FUNCTION secconn_role_policies(
    OUT rolname text,
    OUT rolcanlogin boolean,
    OUT password_type text,
    OUT policy text,
    OUT effective_policy text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'secconn_role_policies'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE VIEW secconn_roles AS
    SELECT rolname, rolcanlogin, password_type, policy, effective_policy
      FROM secconn_role_policies();

--
-- Rejections and counters (need shared_preload_libraries).
--
CREATE FUNCTION secconn_rejection_history(
    OUT seq bigint,
    OUT event_time timestamptz,
    OUT pid integer,
    OUT usename text,
    OUT datname text,
    OUT client_addr inet,
    OUT transport text,
    OUT tls_version text,
    OUT cipher text,
    OUT auth_method text,
    OUT auth_mechanism text,
    OUT action text,
    OUT violations text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'secconn_rejection_history'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

CREATE VIEW secconn_rejections AS
    SELECT * FROM secconn_rejection_history();

CREATE FUNCTION secconn_stats_counters(
    OUT checked bigint,
    OUT accepted bigint,
    OUT warned bigint,
    OUT rejected bigint,
    OUT rejected_ssl bigint,
    OUT rejected_min_tls bigint,
    OUT rejected_cipher bigint,
    OUT rejected_auth bigint,
    OUT rejected_clientcert bigint,
    OUT hook_time_total_us double precision,
    OUT hook_time_max_us double precision,
    OUT policy_cache_hits bigint,
    OUT stats_reset timestamptz,
    OUT client_certs_expiring bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'secconn_stats_counters_1_1'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

CREATE VIEW secconn_stats AS
    SELECT * FROM secconn_stats_counters();

CREATE FUNCTION secconn_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'secconn_stats_reset'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

--
-- Privileges.  secconn_connections, secconn_test_policy and the session
-- functions stay open to everyone (they filter as pg_stat_activity does).
-- The rest shows other roles' data: pg_monitor reads it.
--
GRANT SELECT ON secconn_connections TO PUBLIC;

REVOKE ALL ON secconn_roles, secconn_policies, secconn_rejections, secconn_stats
    FROM PUBLIC;
GRANT SELECT ON secconn_roles, secconn_policies, secconn_rejections, secconn_stats
    TO pg_monitor;

REVOKE ALL ON FUNCTION secconn_role_policies(), secconn_rejection_history(),
    secconn_stats_counters()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION secconn_role_policies(), secconn_rejection_history(),
    secconn_stats_counters()
    TO pg_monitor;

-- For superusers, who may grant it.
REVOKE ALL ON FUNCTION secconn_stats_reset() FROM PUBLIC;

--
-- The hook-time histograms (fixed log-scale buckets): p50/p99 per path,
-- and a Prometheus histogram.  Reset by secconn_stats_reset().
--
CREATE FUNCTION secconn_hook_histogram(
    OUT path text,
    OUT le_us double precision,
    OUT count bigint,
    OUT cumulative bigint,
    OUT sum_us double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'secconn_hook_histogram'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

CREATE VIEW secconn_hook_histogram AS
    SELECT * FROM secconn_hook_histogram();

REVOKE ALL ON secconn_hook_histogram FROM PUBLIC;
GRANT SELECT ON secconn_hook_histogram TO pg_monitor;
REVOKE ALL ON FUNCTION secconn_hook_histogram() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION secconn_hook_histogram() TO pg_monitor;

--
-- The certificates the server presents and trusts.  Reads files the
-- server's settings name: pg_monitor only.
--
CREATE FUNCTION secconn_server_certificates(
    OUT source text,
    OUT "position" integer,
    OUT subject text,
    OUT issuer text,
    OUT serial text,
    OUT not_before timestamptz,
    OUT not_after timestamptz,
    OUT days_left numeric,
    OUT key_type text,
    OUT key_bits integer,
    OUT signature_algorithm text,
    OUT self_signed boolean,
    OUT file text,
    OUT problem text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'secconn_server_certificates'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

REVOKE ALL ON FUNCTION secconn_server_certificates() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION secconn_server_certificates() TO pg_monitor;

--
-- End the open sessions that a policy in force now would reject.
-- Superusers only; they may GRANT EXECUTE it.
--
CREATE FUNCTION secconn_terminate_noncompliant(
    dry_run boolean DEFAULT true,
    OUT pid integer,
    OUT usename name,
    OUT datname name,
    OUT violations text[],
    OUT terminated boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'secconn_terminate_noncompliant'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION secconn_terminate_noncompliant(boolean) FROM PUBLIC;
