--
-- secconn policies as security labels: what SECURITY LABEL FOR secconn
-- accepts and refuses, and who may set or remove a policy.
-- Runs with secconn preloaded (test/regress.conf), as a superuser, over the
-- Unix socket; CREATE EXTENSION is not needed for labels.
--

CREATE ROLE regress_sc_user LOGIN;
CREATE ROLE regress_sc_group NOLOGIN;
CREATE DATABASE regress_sc_db;

-- a view of the secconn labels, by object
CREATE VIEW regress_sc_labels AS
  SELECT 'role' AS kind, r.rolname AS name, l.label
    FROM pg_shseclabel l JOIN pg_authid r ON r.oid = l.objoid
   WHERE l.provider = 'secconn' AND l.classoid = 'pg_authid'::regclass
  UNION ALL
  SELECT 'database', d.datname, l.label
    FROM pg_shseclabel l JOIN pg_database d ON d.oid = l.objoid
   WHERE l.provider = 'secconn' AND l.classoid = 'pg_database'::regclass;

--
-- Valid policies
--
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'ssl';
SECURITY LABEL FOR secconn ON ROLE regress_sc_group IS
  'min_tls=TLSv1.2 cipher=strong auth=scram-sha-256,cert clientcert=verify-full mode=warn';
SECURITY LABEL FOR secconn ON DATABASE regress_sc_db IS
  'cipher=TLS_AES_256_GCM_SHA384:ECDHE+AESGCM:!SHA1';
SELECT * FROM regress_sc_labels ORDER BY kind, name;

-- each requirement on its own
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'min_tls=TLSv1';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'min_tls=TLSv1.1';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'min_tls=TLSv1.3';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'cipher=ECDHE+AESGCM';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'cipher=TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'auth=md5';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'auth=password,trust,peer,ident,gss,sspi,ldap,radius,pam,bsd';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'clientcert';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'mode=warn';
-- whitespace: any amount, tabs and newlines too
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS E'  ssl\tmin_tls=TLSv1.2\n  clientcert  ';
-- an empty policy requires nothing, and is a valid label
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS '';
SELECT label = '' AS empty_label FROM regress_sc_labels WHERE name = 'regress_sc_user';

-- keywords are case-insensitive
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'SSL';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'Ssl';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'MIN_TLS=TLSv1.2';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'Min_Tls=TLSv1.3';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'CIPHER=strong';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'Cipher=ECDHE+AESGCM';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'AUTH=scram-sha-256';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'Auth=md5,scram-sha-256';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'CLIENTCERT';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'ClientCert=verify-full';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'MODE=warn';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'Mode=warn sSl';
SELECT * FROM regress_sc_labels WHERE name = 'regress_sc_user';

--
-- Invalid policies: an error naming the bad word; the label is unchanged
--
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'ssl tls';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'min_tls=TLSv1.4';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'min_tls=';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'auth=';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'auth=kerberos';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'auth=md5,';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'cipher=';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'cipher=TLS_FOO';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'cipher=NOSUCHCIPHER';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'ssl ssl';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'min_tls=TLSv1.2 min_tls=TLSv1.3';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'clientcert=bogus';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'mode=bogus';
SECURITY LABEL FOR secconn ON DATABASE regress_sc_db IS 'ssl bogus';
SELECT * FROM regress_sc_labels ORDER BY kind, name;

-- length: 1024 bytes is the most a policy may have (psql variables keep
-- the echoed statements short)
SELECT 'clientcert' || repeat(' ', 1014) AS policy_1024,
       'clientcert' || repeat(' ', 1015) AS policy_1025 \gset
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS :'policy_1024';
SELECT octet_length(label) FROM regress_sc_labels WHERE name = 'regress_sc_user';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS :'policy_1025';
SELECT octet_length(label) FROM regress_sc_labels WHERE name = 'regress_sc_user';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'ssl';

-- only roles and databases
CREATE TABLE regress_sc_table (a int);
SECURITY LABEL FOR secconn ON TABLE regress_sc_table IS 'ssl';
SECURITY LABEL FOR secconn ON SCHEMA public IS 'ssl';
DROP TABLE regress_sc_table;

--
-- Only superusers set or remove a policy, whatever core allows
--
CREATE ROLE regress_sc_owner LOGIN;
CREATE ROLE regress_sc_admin LOGIN CREATEROLE;
CREATE DATABASE regress_sc_owned OWNER regress_sc_owner;
SECURITY LABEL FOR secconn ON DATABASE regress_sc_owned IS 'ssl';

-- the database owner (core lets owners label their database)
SET ROLE regress_sc_owner;
SECURITY LABEL FOR secconn ON DATABASE regress_sc_owned IS 'ssl clientcert';
SECURITY LABEL FOR secconn ON DATABASE regress_sc_owned IS '';
SECURITY LABEL FOR secconn ON DATABASE regress_sc_owned IS NULL;
RESET ROLE;

-- a CREATEROLE role (core lets it label non-superuser roles on 15; from 16
-- on core's own check wants ADMIN OPTION and fails first: policy_labels_1.out)
SET ROLE regress_sc_admin;
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS 'min_tls=TLSv1.3';
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS NULL;
SECURITY LABEL FOR secconn ON ROLE regress_sc_owner IS 'ssl';
RESET ROLE;

-- nothing changed
SELECT * FROM regress_sc_labels ORDER BY kind, name;

--
-- IS NULL removes a policy
--
SECURITY LABEL FOR secconn ON DATABASE regress_sc_owned IS NULL;
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS NULL;
SELECT * FROM regress_sc_labels ORDER BY kind, name;
-- removing a policy that is not there is fine
SECURITY LABEL FOR secconn ON ROLE regress_sc_user IS NULL;

-- clean up
DROP DATABASE regress_sc_owned;
DROP DATABASE regress_sc_db;
DROP ROLE regress_sc_user, regress_sc_group, regress_sc_owner, regress_sc_admin;
SELECT count(*) AS secconn_labels_left FROM regress_sc_labels;
DROP VIEW regress_sc_labels;
