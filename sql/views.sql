--
-- secconn's views and functions, as seen from one session over the Unix
-- socket (pg_regress: local trust).  Runs with secconn preloaded
-- (test/regress.conf).  The TAP tests (test/1NN_views*.pl) cover TLS,
-- other sessions, rejections and the server without preloading.
--

CREATE EXTENSION secconn;

-- every object the extension creates (not the views' row types, which
-- are extension members from PostgreSQL 17 on)
SELECT pg_describe_object(classid, objid, objsubid) AS object
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'secconn')
   AND classid <> 'pg_type'::regclass
 ORDER BY 1;

--
-- This session: a Unix socket with trust
--
SELECT secconn_tls_version() IS NULL AS no_tls_version,
       secconn_cipher() IS NULL AS no_cipher,
       secconn_cipher_bits() IS NULL AS no_bits,
       secconn_cipher_strong() IS NULL AS no_strength,
       secconn_auth_mechanism() AS mechanism;

SELECT usename = current_user AS usename_ok,
       datname = current_database() AS datname_ok,
       client_addr IS NULL AS no_addr,
       backend_start = (SELECT backend_start FROM pg_stat_activity
                         WHERE pid = pg_backend_pid()) AS backend_start_ok,
       transport, tls_version, cipher, cipher_bits, cipher_strong,
       auth_method, auth_mechanism, client_cert_present, client_dn,
       compliant, violations, client_cert_verified, backend_type
  FROM secconn_connections
 WHERE pid = pg_backend_pid();

-- the column list, in order
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'secconn_connections'::regclass AND attnum > 0
 ORDER BY attnum;

--
-- Compliance is computed now, against the labels in force now
--
CREATE FUNCTION regress_my_row(OUT compliant boolean, OUT violations text[])
  LANGUAGE sql AS
  $$ SELECT compliant, violations FROM secconn_connections
      WHERE pid = pg_backend_pid() $$;

SELECT * FROM regress_my_row();
-- transport requirements are met on a Unix socket (secconn.exempt_local)
DO $$ BEGIN EXECUTE format('SECURITY LABEL FOR secconn ON DATABASE %I IS %L',
                           current_database(), 'ssl min_tls=TLSv1.3 cipher=strong clientcert'); END $$;
SELECT * FROM regress_my_row();
-- auth= is not: this session ran trust
DO $$ BEGIN EXECUTE format('SECURITY LABEL FOR secconn ON DATABASE %I IS %L',
                           current_database(), 'ssl auth=scram-sha-256,md5 mode=warn'); END $$;
SELECT * FROM regress_my_row();
DO $$ BEGIN EXECUTE format('SECURITY LABEL FOR secconn ON DATABASE %I IS %L',
                           current_database(), 'auth=trust'); END $$;
SELECT * FROM regress_my_row();

-- A label that no longer parses (as after a restore on a server whose
-- OpenSSL lacks a cipher) cannot be evaluated: compliance is unknown...
UPDATE pg_shseclabel SET label = 'auth=trust bogus'
 WHERE provider = 'secconn' AND classoid = 'pg_database'::regclass;
SELECT * FROM regress_my_row();
SELECT object_type, object_name = current_database() AS is_this_db,
       policy, valid, problem
  FROM secconn_policies WHERE object_type = 'database';
-- ...unless another policy is violated for certain
SELECT current_user AS me \gset
SECURITY LABEL FOR secconn ON ROLE :"me" IS 'auth=md5';
SELECT * FROM regress_my_row();
SECURITY LABEL FOR secconn ON ROLE :"me" IS NULL;
DO $$ BEGIN EXECUTE format('SECURITY LABEL FOR secconn ON DATABASE %I IS NULL',
                           current_database()); END $$;
SELECT * FROM regress_my_row();

--
-- secconn_test_policy: a policy tried on the open sessions
--
SELECT compliant, violations FROM secconn_test_policy('ssl min_tls=TLSv1.2')
 WHERE pid = pg_backend_pid();
SELECT compliant, violations FROM secconn_test_policy('auth=scram-sha-256 clientcert')
 WHERE pid = pg_backend_pid();
SELECT compliant, violations FROM secconn_test_policy('')
 WHERE pid = pg_backend_pid();
SELECT * FROM secconn_test_policy('ssl bogus');
SELECT * FROM secconn_test_policy('min_tls=TLSv1.4');
SELECT * FROM secconn_test_policy(repeat('ssl ', 300));

--
-- secconn_policies and secconn_roles
--
CREATE ROLE regress_scv_group NOLOGIN;
CREATE ROLE regress_scv_mid NOLOGIN IN ROLE regress_scv_group;
-- (18 and later warn that MD5 is deprecated)
SET password_encryption = 'md5';
SET client_min_messages = error;
CREATE ROLE regress_scv_md5 LOGIN PASSWORD 'secret-pw' IN ROLE regress_scv_mid;
RESET client_min_messages;
SET password_encryption = 'scram-sha-256';
CREATE ROLE regress_scv_scram LOGIN PASSWORD 'secret-pw';
RESET password_encryption;
CREATE ROLE regress_scv_nopw LOGIN;
CREATE ROLE "regress scv quoted" NOLOGIN;
CREATE DATABASE regress_scv_db;
SECURITY LABEL FOR secconn ON ROLE regress_scv_group IS 'auth=scram-sha-256';
SECURITY LABEL FOR secconn ON ROLE regress_scv_md5 IS 'ssl';
SECURITY LABEL FOR secconn ON ROLE "regress scv quoted" IS 'min_tls=TLSv1.3';
GRANT "regress scv quoted" TO regress_scv_scram;
SECURITY LABEL FOR secconn ON DATABASE regress_scv_db IS 'cipher=strong mode=warn';

SELECT * FROM secconn_policies WHERE object_name LIKE 'regress%' ORDER BY 1, 2;
SELECT * FROM secconn_roles WHERE rolname LIKE 'regress%' ORDER BY 1;
-- the superuser has a secret or not, depending on the test instance
SELECT count(*) AS builtin_roles FROM secconn_roles
 WHERE rolname IN ('pg_monitor', 'pg_read_all_stats') AND NOT rolcanlogin;

--
-- secconn_cipher_info
--
SELECT c.cipher, i.*
  FROM (VALUES (1, 'AES128-SHA'), (2, 'DHE-RSA-AES256-SHA'),
               (3, 'ECDHE-RSA-AES256-GCM-SHA384'),
               (4, 'ECDHE-ECDSA-CHACHA20-POLY1305'), (5, 'AES128-CCM8'),
               (6, 'TLS_AES_128_CCM_8_SHA256'), (7, 'TLS_AES_128_CCM_SHA256'),
               (8, 'TLS_AES_256_GCM_SHA384'), (9, 'TLS_CHACHA20_POLY1305_SHA256'))
       AS c(n, cipher),
       LATERAL secconn_cipher_info(c.cipher) i
 ORDER BY c.n;
-- RFC names, and any case, find the OpenSSL cipher
SELECT (secconn_cipher_info('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384')).name,
       (secconn_cipher_info('ecdhe-rsa-aes256-gcm-sha384')).name;
-- unknown names and NULL give NULL
SELECT secconn_cipher_info('NO-SUCH-CIPHER') IS NULL AS unknown_is_null,
       secconn_cipher_info(NULL) IS NULL AS null_is_null;

--
-- Counters and the rejection ring (this test makes no rejections)
--
SELECT secconn_stats_reset();
SELECT checked, accepted, warned, rejected, rejected_ssl, rejected_min_tls,
       rejected_cipher, rejected_auth, rejected_clientcert,
       hook_time_total_us, hook_time_max_us,
       stats_reset > now() - interval '1 hour' AS reset_recently
  FROM secconn_stats;
-- the hook-time histograms: reset too; fixed buckets from 1 us to +Inf
SELECT path, count(*) AS buckets, sum(count) AS checks,
       max(cumulative) AS total, max(sum_us) AS sum_us,
       min(le_us) AS first_le_us, max(le_us) AS last_le_us
  FROM secconn_hook_histogram GROUP BY path ORDER BY path;
SELECT string_agg(le_us::text, ' ' ORDER BY le_us) AS bounds_us
  FROM secconn_hook_histogram WHERE path = 'hit';
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'secconn_rejections'::regclass AND attnum > 0
 ORDER BY attnum;

--
-- Privileges: as a role with no privileges, then as a pg_monitor member
--
CREATE ROLE regress_scv_nobody;
CREATE ROLE regress_scv_monitor IN ROLE pg_monitor;
SET ROLE regress_scv_nobody;
-- this session belongs to the superuser: only pid, usename, datname
SELECT pid = pg_backend_pid() AS pid_ok, usename IS NOT NULL AS usename,
       datname IS NOT NULL AS datname, client_addr, backend_start, transport,
       tls_version, cipher, cipher_bits, cipher_strong, auth_method,
       auth_mechanism, client_cert_present, client_dn, compliant,
       violations, client_cert_verified
  FROM secconn_connections WHERE pid = pg_backend_pid();
SELECT count(*) AS rows_shown FROM secconn_test_policy('ssl');
-- the session functions are for everyone
SELECT secconn_auth_mechanism(), (secconn_cipher_info('AES128-SHA')).strong;
SELECT * FROM secconn_stats;
SELECT * FROM secconn_rejections;
SELECT * FROM secconn_roles;
SELECT * FROM secconn_policies;
SELECT * FROM secconn_stats_counters();
SELECT * FROM secconn_rejection_history();
SELECT * FROM secconn_role_policies();
SELECT * FROM secconn_hook_histogram;
SELECT * FROM secconn_hook_histogram();
SELECT secconn_stats_reset();
RESET ROLE;

SET ROLE regress_scv_monitor;
SELECT transport, auth_mechanism, compliant
  FROM secconn_connections WHERE pid = pg_backend_pid();
SELECT count(*) AS rows_shown FROM secconn_test_policy('ssl')
 WHERE pid = pg_backend_pid();
SELECT checked >= 0 AS stats_readable FROM secconn_stats;
SELECT count(*) >= 0 AS rejections_readable FROM secconn_rejections;
SELECT count(*) > 0 AS roles_readable FROM secconn_roles;
SELECT count(*) > 0 AS policies_readable FROM secconn_policies;
SELECT count(*) AS histogram_readable FROM secconn_hook_histogram;
SELECT secconn_stats_reset();
RESET ROLE;

-- a superuser may grant the reset
GRANT EXECUTE ON FUNCTION secconn_stats_reset() TO regress_scv_monitor;
SET ROLE regress_scv_monitor;
SELECT secconn_stats_reset();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION secconn_stats_reset() FROM regress_scv_monitor;

--
-- Clean up
--
DROP FUNCTION regress_my_row();
DROP DATABASE regress_scv_db;
DROP ROLE regress_scv_md5, regress_scv_scram, regress_scv_nopw,
  "regress scv quoted", regress_scv_mid, regress_scv_group,
  regress_scv_nobody, regress_scv_monitor;
DROP EXTENSION secconn;
