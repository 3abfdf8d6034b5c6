/* secconn--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION secconn UPDATE TO '1.1'" to load this file. \quit

--
-- secconn_connections gains the client certificate's issuer, serial and
-- validity, and client_dn becomes the full RFC 2253 subject.  The new
-- columns come last, so that 1.0's columns keep their positions.  A view
-- of yours on secconn_connections or secconn_stats makes this update fail
-- (drop it, update, create it again).
--
DROP VIEW secconn_connections;
DROP FUNCTION secconn_connection_slots();

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

GRANT SELECT ON secconn_connections TO PUBLIC;

--
-- secconn_stats gains client_certs_expiring (last).
--
DROP VIEW secconn_stats;
DROP FUNCTION secconn_stats_counters();

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

REVOKE ALL ON secconn_stats FROM PUBLIC;
GRANT SELECT ON secconn_stats TO pg_monitor;
REVOKE ALL ON FUNCTION secconn_stats_counters() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION secconn_stats_counters() TO pg_monitor;

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
