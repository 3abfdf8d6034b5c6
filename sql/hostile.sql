--
-- secconn policies under hostile input: lengths to the byte, bytes the
-- encoding refuses, control characters and every kind of white space,
-- thousands of keywords, odd role and database names, labels on objects
-- that are dropped, labels in the catalog that the grammar refuses, and
-- the default-policy setting.  Every case must end in a clear error or the
-- right result, never a crash.
--
-- Runs in a database of its own, UTF8 with the C locale, so that the
-- results do not depend on the encoding of the regression database.
--
\set regress_db :DBNAME
CREATE DATABASE regress_hostile_utf8 TEMPLATE template0 ENCODING 'UTF8'
  LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_hostile_utf8

CREATE ROLE regress_hostile_user LOGIN;

-- a string made readable: control characters as <hex>, other characters
-- outside ASCII as <U+hex>, and cut after 100 characters when longer
CREATE FUNCTION regress_hostile_visible(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE WHEN length(v) > 150
              THEN left(v, 100) || '...(' || length(v) || ' characters)'
              ELSE v END
    FROM (SELECT coalesce(string_agg(
                   CASE WHEN ascii(c) < 32 OR ascii(c) = 127
                        THEN '<' || lpad(to_hex(ascii(c)), 2, '0') || '>'
                        WHEN ascii(c) > 127
                        THEN '<U+' || upper(lpad(to_hex(ascii(c)), 4, '0')) || '>'
                        ELSE c END, '' ORDER BY n), '') AS v
            FROM unnest(string_to_array(s, NULL)) WITH ORDINALITY AS t(c, n)) AS x
$$;

-- SECURITY LABEL on regress_hostile_user with this policy: accepted (and
-- its size), or the error's SQLSTATE, message and detail
CREATE FUNCTION regress_hostile_try(policy text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  detail text;
BEGIN
  EXECUTE format('SECURITY LABEL FOR secconn ON ROLE regress_hostile_user IS %L',
                 policy);
  RETURN format('accepted, %s bytes', octet_length(policy));
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN format('%s: %s / %s', SQLSTATE, regress_hostile_visible(SQLERRM),
                regress_hostile_visible(detail));
END
$$;

-- every secconn label on a regress_hostile object
CREATE VIEW regress_hostile_labels AS
  SELECT 'role' AS kind, regress_hostile_visible(r.rolname) AS name,
         regress_hostile_visible(l.label) AS label, octet_length(l.label) AS bytes
    FROM pg_shseclabel l JOIN pg_authid r ON r.oid = l.objoid
   WHERE l.provider = 'secconn' AND l.classoid = 'pg_authid'::regclass
     AND r.rolname LIKE 'regress\_hostile%'
  UNION ALL
  SELECT 'database', regress_hostile_visible(d.datname),
         regress_hostile_visible(l.label), octet_length(l.label)
    FROM pg_shseclabel l JOIN pg_database d ON d.oid = l.objoid
   WHERE l.provider = 'secconn' AND l.classoid = 'pg_database'::regclass
     AND d.datname LIKE 'regress\_hostile%';

--
-- Length: at most 1024 bytes, counted in bytes, checked before anything else
--
SELECT regress_hostile_try('ssl' || repeat(' ', 1021)) AS ssl_1024;
SELECT regress_hostile_try('ssl' || repeat(' ', 1022)) AS ssl_1025;
SELECT regress_hostile_try(repeat(' ', 1024)) AS spaces_1024;
SELECT regress_hostile_try(repeat(' ', 1025)) AS spaces_1025;
SELECT regress_hostile_try(repeat(E'\t', 1024)) AS tabs_1024;
SELECT regress_hostile_try(repeat(E'\n', 1025)) AS newlines_1025;
-- every requirement, padded to the limit
SELECT 'ssl min_tls=TLSv1.2 cipher=TLS_AES_256_GCM_SHA384:ECDHE+AESGCM:!SHA1 '
       'auth=scram-sha-256,cert clientcert=verify-full mode=warn' AS all_reqs \gset
SELECT regress_hostile_try(:'all_reqs' || repeat(' ', 1024 - octet_length(:'all_reqs'))) AS all_1024;
SELECT regress_hostile_try(:'all_reqs' || repeat(' ', 1025 - octet_length(:'all_reqs'))) AS all_1025;
-- a cipher list of exactly 1017 bytes makes a policy of 1024
SELECT regress_hostile_try('cipher=' || repeat('ECDHE+AESGCM:', 78) || 'ALL') AS cipher_1024;
SELECT regress_hostile_try('cipher=' || repeat('ECDHE+AESGCM:', 78) || 'HIGH') AS cipher_1025;
-- bytes, not characters: U+00E9 takes two
SELECT regress_hostile_try('ssl' || repeat(' ', 1019) || U&'\00E9') AS e_acute_1024_bytes;
SELECT regress_hostile_try('ssl' || repeat(' ', 1020) || U&'\00E9') AS e_acute_1025_bytes;
-- a megabyte
SELECT regress_hostile_try(repeat('ssl ', 262144)) AS one_megabyte;
-- the label kept is the last one accepted
SELECT kind, name, bytes FROM regress_hostile_labels;

--
-- Bytes the server refuses never reach secconn
--
SECURITY LABEL FOR secconn ON ROLE regress_hostile_user IS E'ssl\xff';
SECURITY LABEL FOR secconn ON ROLE regress_hostile_user IS E'ssl \xc3';
SELECT regress_hostile_try(convert_from('\x73736c20ff', 'UTF8'));
SECURITY LABEL FOR secconn ON ROLE regress_hostile_user IS E'ssl\x00clientcert';

--
-- Control characters are part of a word; only ASCII white space separates
--
SELECT regress_hostile_try(E'ssl\x01') AS ctrl_01;
SELECT regress_hostile_try(E'ssl\x01clientcert') AS ctrl_between;
SELECT regress_hostile_try(E'\x1b[31mssl') AS ansi_escape;
SELECT regress_hostile_try(E'ssl\x7f') AS del;
SELECT regress_hostile_try(E'auth=md5\x08\x08\x08cert') AS backspaces;
-- tab, newline, carriage return, vertical tab and form feed separate...
SELECT regress_hostile_try(E'ssl\tclientcert') AS tab;
SELECT regress_hostile_try(E'ssl\nclientcert') AS newline;
SELECT regress_hostile_try(E'ssl\r\nclientcert\r\n') AS crlf;
SELECT regress_hostile_try(E'ssl\x0bclientcert') AS vertical_tab;
SELECT regress_hostile_try(E'ssl\fclientcert') AS form_feed;
SELECT regress_hostile_try(E'\t\n ssl \n\t') AS surrounded;
-- ...as the repeated-keyword error shows
SELECT regress_hostile_try(E'ssl\tssl') AS tab_repeat;
SELECT regress_hostile_try(E'min_tls=TLSv1.2\nmin_tls=TLSv1.3') AS newline_repeat;
SELECT regress_hostile_try(E'auth=md5\r\nAUTH=cert') AS crlf_repeat;
-- white space inside a requirement splits it
SELECT regress_hostile_try(E'min_tls=\tTLSv1.2') AS split_value;
SELECT regress_hostile_try(E'auth=md5,\ncert') AS split_list;
-- Unicode spaces do not separate
SELECT regress_hostile_try('ssl' || U&'\00A0' || 'clientcert') AS no_break_space;
SELECT regress_hostile_try('ssl' || U&'\2003' || 'clientcert') AS em_space;
SELECT regress_hostile_try('ssl' || U&'\3000' || 'clientcert') AS ideographic_space;
SELECT regress_hostile_try('ssl' || U&'\200B' || 'clientcert') AS zero_width_space;
SELECT regress_hostile_try(U&'\FEFF' || 'ssl') AS byte_order_mark;
-- look-alike letters are not keywords
SELECT regress_hostile_try(U&'\0455sl') AS cyrillic_dze;
SELECT regress_hostile_try(U&'SS\0130') AS dotted_capital_i;
SELECT regress_hostile_try('auth=' || U&'md\FF15') AS fullwidth_digit;

--
-- Thousands of keywords, and other repetition
--
SELECT regress_hostile_try(repeat('ssl ', 256)) AS ssl_256_times;
SELECT regress_hostile_try(repeat('ssl ', 5000)) AS ssl_5000_times;
SELECT regress_hostile_try(repeat(E'mode=warn\t', 100)) AS mode_100_times;
SELECT regress_hostile_try('auth=' || repeat('md5,', 254) || 'md5') AS md5_255_times;
SELECT regress_hostile_try('auth=' || repeat('md5,', 255) || 'md5') AS md5_256_times;
SELECT regress_hostile_try('auth=' || repeat(',', 1019)) AS commas;
SELECT regress_hostile_try(repeat('x', 1024)) AS one_long_word;
SELECT regress_hostile_try(repeat('=', 1024)) AS equals_signs;
SELECT regress_hostile_try('ssl=' || repeat('=', 1000)) AS ssl_equals;
SELECT regress_hostile_try('cipher=' || repeat(':', 1017)) AS cipher_colons;
SELECT regress_hostile_try('cipher=' || repeat('!', 1017)) AS cipher_bangs;
SELECT regress_hostile_try('cipher=ALL' || repeat(':!RC4', 202)) AS cipher_202_exclusions;
SELECT regress_hostile_try('cipher=' || repeat('TLS_AES_256_GCM_SHA384,', 43) || 'ALL') AS suite_43_times;
SELECT regress_hostile_try('cipher=%s%s%s%n') AS format_string;
SELECT regress_hostile_try('min_tls=%s') AS format_string_value;

--
-- Role and database names with quotes, spaces, format directives and a
-- newline: labels on them work, and the names come back unchanged
-- (PostgreSQL 19 refuses a newline in a role name: hostile_1.out)
--
CREATE ROLE "regress_hostile ""quoted"" role" LOGIN;
CREATE ROLE "regress_hostile_o'brien" LOGIN;
CREATE ROLE "regress_hostile_%s%n%x" LOGIN;
CREATE ROLE U&"regress_hostile_new\000Aline" LOGIN;
CREATE ROLE regress_hostile_63_bytes_long_name_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx LOGIN;
CREATE DATABASE "regress_hostile db ""x"";";
SECURITY LABEL FOR secconn ON ROLE "regress_hostile ""quoted"" role" IS 'ssl';
SECURITY LABEL FOR secconn ON ROLE "regress_hostile_o'brien" IS 'auth=scram-sha-256';
SECURITY LABEL FOR secconn ON ROLE "regress_hostile_%s%n%x" IS 'min_tls=TLSv1.3';
SECURITY LABEL FOR secconn ON ROLE U&"regress_hostile_new\000Aline" IS 'clientcert';
SECURITY LABEL FOR secconn ON ROLE regress_hostile_63_bytes_long_name_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx IS 'cipher=strong';
SECURITY LABEL FOR secconn ON DATABASE "regress_hostile db ""x"";" IS 'ssl mode=warn';
-- an invalid policy on them is refused as on any other
SECURITY LABEL FOR secconn ON ROLE "regress_hostile_o'brien" IS 'auth=o''brien';
SECURITY LABEL FOR secconn ON DATABASE "regress_hostile db ""x"";" IS '"ssl"';
SELECT kind, name, label FROM regress_hostile_labels
 WHERE name <> 'regress_hostile_user' ORDER BY kind, name;

--
-- A label goes with its object: rename keeps it, drop removes it
--
CREATE ROLE regress_hostile_doomed LOGIN;
CREATE DATABASE regress_hostile_doomed_db;
SECURITY LABEL FOR secconn ON ROLE regress_hostile_doomed IS 'ssl';
SECURITY LABEL FOR secconn ON DATABASE regress_hostile_doomed_db IS 'ssl';
ALTER ROLE regress_hostile_doomed RENAME TO regress_hostile_renamed;
ALTER DATABASE regress_hostile_doomed_db RENAME TO regress_hostile_renamed_db;
SELECT kind, name, label FROM regress_hostile_labels
 WHERE name LIKE 'regress\_hostile\_renamed%' ORDER BY kind;
SELECT oid AS doomed_role FROM pg_authid WHERE rolname = 'regress_hostile_renamed' \gset
SELECT oid AS doomed_db FROM pg_database WHERE datname = 'regress_hostile_renamed_db' \gset
DROP ROLE regress_hostile_renamed;
DROP DATABASE regress_hostile_renamed_db;
SELECT count(*) AS labels_left FROM pg_shseclabel
 WHERE objoid IN (:doomed_role, :doomed_db);
-- a new object may reuse nothing of the old label
CREATE ROLE regress_hostile_renamed LOGIN;
SELECT count(*) AS labels_on_new_role FROM regress_hostile_labels
 WHERE name = 'regress_hostile_renamed';
DROP ROLE regress_hostile_renamed;

--
-- Labels in the catalog that the grammar refuses (an older or newer
-- secconn, or a direct catalog write): SECURITY LABEL still replaces and
-- removes them, because only the new policy is checked
--
CREATE ROLE regress_hostile_legacy LOGIN;
INSERT INTO pg_shseclabel (objoid, classoid, provider, label)
SELECT oid, 'pg_authid'::regclass, 'secconn', 'ssl require_tls13'
  FROM pg_authid WHERE rolname = 'regress_hostile_legacy';
SELECT kind, name, label FROM regress_hostile_labels
 WHERE name = 'regress_hostile_legacy';
SECURITY LABEL FOR secconn ON ROLE regress_hostile_legacy IS 'ssl';
SELECT kind, name, label FROM regress_hostile_labels
 WHERE name = 'regress_hostile_legacy';
-- over the length limit (16 kB, compressed in line)
UPDATE pg_shseclabel SET label = repeat('ssl ', 4000)
 WHERE provider = 'secconn'
   AND objoid = (SELECT oid FROM pg_authid WHERE rolname = 'regress_hostile_legacy');
SELECT octet_length(label) AS bytes FROM pg_shseclabel
 WHERE provider = 'secconn'
   AND objoid = (SELECT oid FROM pg_authid WHERE rolname = 'regress_hostile_legacy');
SECURITY LABEL FOR secconn ON ROLE regress_hostile_legacy IS NULL;
SELECT count(*) AS legacy_labels FROM regress_hostile_labels
 WHERE name = 'regress_hostile_legacy';
DROP ROLE regress_hostile_legacy;

--
-- secconn.default_policy from SQL: reload-only, and validated even where
-- it would only be written to postgresql.auto.conf
--
SET secconn.default_policy = 'ssl';
ALTER ROLE regress_hostile_user SET secconn.default_policy = 'ssl';
ALTER DATABASE regress_hostile_utf8 SET secconn.default_policy = 'ssl';
ALTER SYSTEM SET secconn.default_policy = 'bogus';
ALTER SYSTEM SET secconn.default_policy = 'ssl ssl';
ALTER SYSTEM SET secconn.default_policy = E'ssl\nmode=warn';
SELECT repeat('ssl ', 300) AS long_policy \gset
ALTER SYSTEM SET secconn.default_policy = :'long_policy';
SHOW secconn.default_policy;

-- clean up
DROP ROLE regress_hostile_user, "regress_hostile ""quoted"" role",
  "regress_hostile_o'brien", "regress_hostile_%s%n%x",
  regress_hostile_63_bytes_long_name_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;
DROP ROLE U&"regress_hostile_new\000Aline";
DROP DATABASE "regress_hostile db ""x"";";
\c :regress_db
DROP DATABASE regress_hostile_utf8;
SELECT count(*) AS hostile_labels_left FROM pg_shseclabel l
  LEFT JOIN pg_authid r ON l.classoid = 'pg_authid'::regclass AND r.oid = l.objoid
  LEFT JOIN pg_database d ON l.classoid = 'pg_database'::regclass AND d.oid = l.objoid
 WHERE l.provider = 'secconn'
   AND (r.rolname LIKE 'regress\_hostile%' OR d.datname LIKE 'regress\_hostile%');
