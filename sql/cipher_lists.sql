--
-- cipher=LIST: one case for each sentence that explains why a list is
-- refused (src/cipher.c, secconn_cipher_list_check and the functions it
-- calls), then lists that are accepted.  A refused label leaves the label
-- as it was.  Three sentences have no case, as no policy can reach them:
-- "The cipher list is empty." (the parser refuses an empty value first, as
-- the first case shows), a list over the length limit (a whole policy is
-- at most 1024 bytes, so its list is shorter still), and "OpenSSL could
-- not create a context" (OpenSSL would have to fail).
--
CREATE ROLE regress_cl_user LOGIN;
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM';

-- empty, quoted
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=""';
-- separators
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=:ECDHE+AESGCM';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM::AES128-SHA';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM,,AES128-SHA';
-- TLS 1.3 suites: wrong case, an older cipher's RFC name, no such suite
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=TLS_aes_256_gcm_sha384';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=TLS_RSA_WITH_AES_128_CBC_SHA';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=TLS_AES_512_GCM_SHA384';
-- a character no OpenSSL cipher name has
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE#AESGCM';
-- commands: the security level, an unknown one, one inside an entry
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:@SECLEVEL=3';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:@FASTEST';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ALL@SECLEVEL=3';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM@STRENGTH';
-- operators without a cipher
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:!';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:-!RC4';
-- DEFAULT after the first entry
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:DEFAULT';
-- an entry that selects nothing, and entries that together select nothing
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:NOSUCHCIPHER';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=AES128-SHA:!AES128-SHA';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=TLS_AES_256_GCM_SHA384:AES128-SHA:!AES128-SHA';

-- none of them changed the label
SELECT label FROM pg_shseclabel
 WHERE provider = 'secconn' AND classoid = 'pg_authid'::regclass
   AND objoid = 'regress_cl_user'::regrole;

-- accepted: the forms each refusal above points to
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=DEFAULT:!RC4:-SHA1';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=ECDHE+AESGCM:@STRENGTH';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=TLS_AES_256_GCM_SHA384,ECDHE+AESGCM,AES128-SHA';
SECURITY LABEL FOR secconn ON ROLE regress_cl_user IS 'cipher=TLS_AES_128_CCM_8_SHA256';
SELECT label FROM pg_shseclabel
 WHERE provider = 'secconn' AND classoid = 'pg_authid'::regclass
   AND objoid = 'regress_cl_user'::regrole;

DROP ROLE regress_cl_user;
