
# Copyright (c) secconn developers
#
# secconn 1.1 with real certificates made here by the openssl CLI, with
# chosen validity windows (openssl ca -startdate/-enddate):
#  - pinning: two CAs in ssl_cert_file's trust (ssl_ca_file), roles pinned
#    to each with cert_issuer=; subject pinning with cert_subject= and a
#    quoted DN; the policy cache never admits a pinned role from a stale
#    entry;
#  - secconn_connections' certificate columns: full RFC 2253 DNs (longer
#    than 63 bytes, with commas, quotes and non-ASCII characters), issuer,
#    serial, validity, privacy;
#  - secconn.cert_expiry_warning: an expiring client certificate logged once
#    and counted; bad values refused on reload and at start;
#  - secconn_server_certificates(): a server chain and a CA bundle with an
#    expired CA, days_left, a missing file, privileges;
#  - secconn_terminate_noncompliant(): dry run, real run, never the caller,
#    never a warn-only violator, superuser only but grantable.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX qw(strftime);
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

# ------------------------------------------------------------------
# A PKI with chosen validity windows
# ------------------------------------------------------------------
my $pki = PostgreSQL::Test::Utils::tempdir('pki');
local $ENV{OPENSSL_CONF} = "$pki/openssl.cnf";

sub write_file
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "could not write $path: $!";
	print $fh $text;
	close $fh or die;
}

sub openssl { PostgreSQL::Test::Utils::system_or_bail('openssl', @_); }

# ASN.1 time, $days from now (negative: in the past)
sub asn1_time { strftime('%Y%m%d%H%M%SZ', gmtime(time + $_[0] * 86400)); }

write_file("$pki/openssl.cnf", <<"EOF");
[req]
distinguished_name = dn
string_mask = utf8only
[dn]
[ca]
default_ca = ca_sect
[ca_sect]
database = $pki/index.txt
new_certs_dir = $pki
serial = $pki/serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
preserve = yes
[any]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF
write_file("$pki/index.txt", '');
write_file("$pki/serial", "1000\n");

# A key and a request for subject $subj (openssl -subj form, UTF-8).
sub request
{
	my ($base, $subj) = @_;
	openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-utf8',
		'-subj', $subj, '-keyout', "$pki/$base.key", '-out', "$pki/$base.csr");
	chmod 0600, "$pki/$base.key";
}

# A self-signed CA valid from $from to $to days from now.
sub make_ca
{
	my ($base, $subj, $from, $to) = @_;
	request($base, $subj);
	openssl('ca', '-batch', '-selfsign', '-notext', '-utf8',
		'-keyfile', "$pki/$base.key", '-in', "$pki/$base.csr",
		'-extensions', 'v3_ca', '-startdate', asn1_time($from),
		'-enddate', asn1_time($to), '-out', "$pki/$base.crt");
}

# A leaf signed by CA $ca; returns its serial (hex, as openssl prints it).
# %not_after: each leaf's end date, YYYYMMDDHHMMSS (UTC).
my %not_after;
sub make_leaf
{
	my ($base, $subj, $ca, $ext, $from, $to) = @_;
	request($base, $subj);
	$not_after{$base} = substr(asn1_time($to), 0, 14);
	openssl('ca', '-batch', '-notext', '-utf8',
		'-cert', "$pki/$ca.crt", '-keyfile', "$pki/$ca.key",
		'-in', "$pki/$base.csr", '-extensions', $ext,
		'-startdate', asn1_time($from), '-enddate', asn1_time($to),
		'-out', "$pki/$base.crt");
	return x509($base, '-serial') =~ s/^serial=//r;
}

# openssl x509 -noout <option> of a certificate, one line
sub x509
{
	my ($base, @opt) = @_;
	my $out = `openssl x509 -in $pki/$base.crt -noout @opt -nameopt RFC2253`;
	chomp $out;
	return $out;
}

make_ca('pay_ca', '/C=US/O=Acme/CN=Payments CA', -1, 3650);
make_ca('rep_ca', '/C=US/O=Acme/CN=Reports CA', -1, 3650);
make_ca('old_ca', '/O=Acme/CN=Retired CA', -800, -400);
# The server's certificate expires in 10 days.
make_leaf('server', '/CN=localhost', 'pay_ca', 'server_ext', -1, 10);
make_leaf('pay', '/C=US/O=Acme/CN=pay_user', 'pay_ca', 'client_ext', -1, 365);
make_leaf('rep', '/C=US/O=Acme/CN=rep_user', 'rep_ca', 'client_ext', -1, 365);
# Expires in 10 days: inside the default 30d warning window.
my $soon_serial =
  make_leaf('soon', '/C=US/O=Acme/CN=soon_user', 'pay_ca', 'client_ext', -1, 10);
# A long subject with commas, quotes and non-ASCII characters.
my $long_serial = make_leaf('long',
	'/C=US/O=Acme, "Quoted" Holdings, Inc./OU=Zo' . "\xc3\xab" . ' Ünit für Zahlungen/CN=long_user',
	'pay_ca', 'client_ext', -1, 365);

my $pay_dn = 'CN=Payments CA,O=Acme,C=US';
my $rep_dn = 'CN=Reports CA,O=Acme,C=US';
my $long_dn = x509('long', '-subject') =~ s/^subject=//r;
note "long DN: $long_dn";
ok(length($long_dn) > 63, 'the long DN is longer than 63 bytes (' . length($long_dn) . ')');
like($long_dn, qr/\\,/, 'it has an escaped comma');
like($long_dn, qr/\\"/, 'it has escaped quotes');
like($long_dn, qr/\\C3\\AB/, 'it has non-ASCII characters, escaped as \\XX');

write_file("$pki/server_chain.crt",
	slurp_file("$pki/server.crt") . slurp_file("$pki/pay_ca.crt"));
write_file("$pki/ca_bundle.crt",
	slurp_file("$pki/pay_ca.crt") . slurp_file("$pki/rep_ca.crt")
	  . slurp_file("$pki/old_ca.crt"));

# ------------------------------------------------------------------
# The node
# ------------------------------------------------------------------
my $node = new_node('certs', extra_conf => <<"EOF");
ssl_cert_file = '$pki/server_chain.crt'
ssl_key_file = '$pki/server.key'
ssl_ca_file = '$pki/ca_bundle.crt'
EOF
sql_ok($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE pay_user LOGIN PASSWORD '$PASSWORD';
CREATE ROLE rep_user LOGIN PASSWORD '$PASSWORD';
CREATE ROLE long_user LOGIN PASSWORD '$PASSWORD';
CREATE ROLE soon_user LOGIN PASSWORD '$PASSWORD';
CREATE ROLE nobody LOGIN PASSWORD '$PASSWORD';
CREATE ROLE mon LOGIN PASSWORD '$PASSWORD' IN ROLE pg_monitor;
CREATE ROLE t_ok LOGIN PASSWORD '$PASSWORD';
CREATE ROLE t_bad LOGIN PASSWORD '$PASSWORD';
CREATE ROLE t_warn LOGIN PASSWORD '$PASSWORD';
CREATE ROLE t_admin LOGIN SUPERUSER PASSWORD '$PASSWORD';
CREATE ROLE t_helper LOGIN PASSWORD '$PASSWORD';
});
is($node->safe_psql('postgres',
		q{SELECT extversion FROM pg_extension WHERE extname = 'secconn'}),
	'1.1', 'CREATE EXTENSION installs 1.1');

# A TLS connection string; $cert: a client certificate of the PKI, or none.
sub tls
{
	my ($user, $cert, %o) = @_;
	my $s = $node->connstr('postgres')
	  . " host=127.0.0.1 user=$user password=$PASSWORD sslmode=require"
	  . " sslrootcert=$pki/pay_ca.crt";
	$s .= defined $cert
	  ? " sslcert=$pki/$cert.crt sslkey=$pki/$cert.key"
	  : " sslcert=$pki/none.crt sslkey=$pki/none.key";
	return $s;
}

# ------------------------------------------------------------------
# Issuer pinning: each role accepts only its own CA
# ------------------------------------------------------------------
label($node, ROLE => 'pay_user', qq{cert_issuer="$pay_dn"});
label($node, ROLE => 'rep_user', "cert_issuer=\"$rep_dn\"");

accept_ok($node, tls('pay_user', 'pay'), 'pay_user with a Payments CA certificate');
reject_ok($node, tls('pay_user', 'rep'), 'pay_user with a Reports CA certificate',
	req => qq{cert_issuer="$pay_dn"},
	had => qq{the client certificate was issued by "$rep_dn"},
	source => 'the label on role "pay_user"', role => 'pay_user');
accept_ok($node, tls('rep_user', 'rep'), 'rep_user with a Reports CA certificate');
reject_ok($node, tls('rep_user', 'pay'), 'rep_user with a Payments CA certificate',
	req => qq{cert_issuer="$rep_dn"},
	had => qq{the client certificate was issued by "$pay_dn"});
reject_ok($node, tls('pay_user', undef), 'pay_user without a certificate',
	req => 'clientcert', had => 'the client presented no certificate');
reject_ok($node, conn($node, user => 'pay_user'), 'pay_user over plain TCP',
	req => 'ssl', had => 'the connection uses plain TCP');

# Counted as clientcert rejections, listed with their own keyword.
my $stats = $node->safe_psql('postgres',
	'SELECT rejected, rejected_clientcert FROM secconn_stats');
is($stats, '4|4', 'secconn_stats: pin rejections count in rejected_clientcert');
is($node->safe_psql('postgres',
		q{SELECT violations FROM secconn_rejections WHERE usename = 'rep_user'}),
	'{cert_issuer}', 'secconn_rejections names cert_issuer');

# ------------------------------------------------------------------
# The policy cache: pinned entries are declined, and a changed pin is
# seen at once
# ------------------------------------------------------------------
# Counters are read from one open session: a new connection would count.
my $q = $node->background_psql('postgres');
my $hits = sub { bg_query($q, 'SELECT policy_cache_hits FROM secconn_stats'); };
my $h0 = $hits->();
accept_ok($node, tls('pay_user', 'pay'), 'pay_user again (1)');
accept_ok($node, tls('pay_user', 'pay'), 'pay_user again (2)');
is($hits->(), $h0, 'a pinned role never takes the fast path');
label($node, ROLE => 'pay_user', qq{cert_issuer="$rep_dn"});
reject_ok($node, tls('pay_user', 'pay'), 'pay_user after its pin moved to the Reports CA',
	req => qq{cert_issuer="$rep_dn"},
	had => qq{the client certificate was issued by "$pay_dn"});
# An unpinned role that the cache admits, then pinned.
label($node, ROLE => 't_helper', 'clientcert');
# The counter session reads the label's invalidation first (every session
# does once, and empties the cache then), so that it does not empty it
# between the two connections below.
$hits->();
accept_ok($node, tls('t_helper', 'pay'), 't_helper with clientcert (fills the cache)');
$h0 = $hits->();
accept_ok($node, tls('t_helper', 'pay'), 't_helper again (from the cache)');
is($hits->(), $h0 + 1, '... admitted by the fast path');
label($node, ROLE => 't_helper', qq{clientcert cert_issuer="$rep_dn"});
reject_ok($node, tls('t_helper', 'pay'), 't_helper once pinned: no stale allow',
	req => qq{cert_issuer="$rep_dn"},
	had => qq{the client certificate was issued by "$pay_dn"});
label($node, ROLE => 't_helper', undef);
label($node, ROLE => 'pay_user', qq{cert_issuer="$pay_dn"});

# ------------------------------------------------------------------
# Subject pinning with a quoted DN ("" for each quote)
# ------------------------------------------------------------------
(my $quoted = $long_dn) =~ s/"/""/g;
(my $sql_quoted = $quoted) =~ s/'/''/g;
label($node, ROLE => 'long_user', qq{cert_subject="$sql_quoted"});
is($node->safe_psql('postgres',
		q{SELECT valid FROM secconn_policies WHERE object_name = 'long_user'}),
	't', 'the quoted subject pin is a valid policy');
accept_ok($node, tls('long_user', 'long'), 'long_user with its own certificate');
reject_ok($node, tls('long_user', 'pay'), 'long_user with another certificate',
	req => qq{cert_subject="$quoted"},
	had => q{the client certificate's subject is "CN=pay_user,O=Acme,C=US"});
# Case matters.
label($node, ROLE => 'rep_user', 'cert_issuer="cn=Reports CA,O=Acme,C=US"');
reject_ok($node, tls('rep_user', 'rep'), 'pins compare case-sensitively',
	req => 'cert_issuer="cn=Reports CA,O=Acme,C=US"',
	had => qq{the client certificate was issued by "$rep_dn"});
label($node, ROLE => 'rep_user', "cert_issuer=\"$rep_dn\"");

# Bad pins are refused at SECURITY LABEL time, naming the word.
foreach my $case (
	[ 'cert_issuer="CN=x', qr/invalid secconn requirement "cert_issuer="CN=x".*closing/s ],
	[ 'cert_subject=CN=a"b', qr/invalid secconn requirement "cert_subject=CN=a"b".*double-quoted/s ],
	[ 'cert_subject="CN=a"b', qr/must end its requirement/ ],
	[ 'cert_issuer=""', qr/needs a value/ ],
	[ "cert_subject=CN=Zo\xc3\xab", qr/escapes control and non-ASCII characters/ ],
	[ 'cert_issuer=CN=a cert_issuer=CN=b', qr/only once/ ])
{
	my ($policy, $re) = @$case;
	(my $q = $policy) =~ s/'/''/g;
	my ($r, $o, $e) = $node->psql('postgres',
		"SECURITY LABEL FOR secconn ON ROLE nobody IS '$q'");
	isnt($r, 0, "refused: $policy");
	like($e, $re, "... with a message naming it");
}

# ------------------------------------------------------------------
# secconn_connections: the certificate in full
# ------------------------------------------------------------------
my $cols = q{SELECT client_dn, client_issuer_dn, client_serial,
       to_char(client_cert_not_after AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS'),
       (SELECT length(client_dn) FROM pg_stat_ssl WHERE pid = pg_backend_pid())
  FROM secconn_connections WHERE pid = pg_backend_pid()};
my $expect_after = $not_after{long};
$node->connect_ok(tls('long_user', 'long'), 'secconn_connections shows the certificate',
	sql => $cols,
	expected_stdout => qr/^\Q$long_dn|$pay_dn|$long_serial|$expect_after|\E(\d+)$/);
my $own = $node->safe_psql('postgres', $cols, connstr => tls('long_user', 'long'));
my ($core_len) = $own =~ /\|(\d+)$/;
ok($core_len <= 63 && length($long_dn) > $core_len,
	"pg_stat_ssl truncates it ($core_len bytes), secconn does not");

# Privacy: another unprivileged role sees none of it.
my $bg = $node->background_psql('postgres', extra_params => [ '-d', tls('long_user', 'long') ]);
my $bgpid = bg_query($bg, 'SELECT pg_backend_pid()');
my $other = $node->safe_psql('postgres',
	"SELECT coalesce(client_dn, 'null'), coalesce(client_issuer_dn, 'null'),
	        coalesce(client_serial, 'null'), coalesce(client_cert_not_before::text, 'null')
	   FROM secconn_connections WHERE pid = $bgpid",
	connstr => conn($node, user => 'nobody'));
is($other, 'null|null|null|null', 'another role sees no certificate column of the session');
is($node->safe_psql('postgres',
		"SELECT client_issuer_dn FROM secconn_connections WHERE pid = $bgpid",
		connstr => conn($node, user => 'mon')),
	$pay_dn, 'pg_monitor (pg_read_all_stats) sees it');
$bg->quit;

# ------------------------------------------------------------------
# secconn.cert_expiry_warning
# ------------------------------------------------------------------
is($node->safe_psql('postgres', 'SHOW secconn.cert_expiry_warning'), '30d',
	'secconn.cert_expiry_warning defaults to 30d');
my $expiring = sub {
	$node->safe_psql('postgres', 'SELECT client_certs_expiring FROM secconn_stats');
};
my $e0 = $expiring->();
my $offset = -s $node->logfile;
accept_ok($node, tls('soon_user', 'soon'), 'a client certificate expiring in 10 days is admitted',
	log_like => [
		qr/LOG:  client certificate of role "soon_user" expires at \d{4}-.* within secconn.cert_expiry_warning\n.*DETAIL:  Certificate subject "CN=soon_user,O=Acme,C=US", serial \Q$soon_serial\E, issuer "\Q$pay_dn\E"/
	]);
is(count_matches(log_since($node, $offset), qr/client certificate of role "soon_user" expires/),
	1, '... logged once');
is($expiring->(), $e0 + 1, '... and counted in client_certs_expiring');
$offset = -s $node->logfile;
accept_ok($node, tls('pay_user', 'pay'), 'a certificate valid for a year');
accept_ok($node, conn($node, user => 'nobody'), 'no certificate');
is($expiring->(), $e0 + 1, '... not counted');
unlike(log_since($node, $offset), qr/expires at/, '... not logged');

set_guc($node, 'secconn.cert_expiry_warning', '5d');
accept_ok($node, tls('soon_user', 'soon'), 'outside a 5d window');
is($expiring->(), $e0 + 1, '... not counted');
set_guc($node, 'secconn.cert_expiry_warning', '0');
accept_ok($node, tls('soon_user', 'soon'), 'warning off (0)');
is($expiring->(), $e0 + 1, '... not counted');
set_guc($node, 'secconn.cert_expiry_warning', '11d');
accept_ok($node, tls('soon_user', 'soon'), 'inside an 11d window');
is($expiring->(), $e0 + 2, '... counted');

$offset = -s $node->logfile;
set_guc_raw($node, 'secconn.cert_expiry_warning', '2 fortnights');
is($node->safe_psql('postgres', 'SHOW secconn.cert_expiry_warning'), '11d',
	'an invalid value on reload is refused: the old value stays');
like(log_since($node, $offset), qr/invalid value for parameter "secconn.cert_expiry_warning"/,
	'... with a log message');

$node->stop;
$node->append_conf('postgresql.conf', "secconn.cert_expiry_warning = '-3'");
$offset = -s $node->logfile;
ok(!$node->start(fail_ok => 1), 'an invalid secconn.cert_expiry_warning at start refuses the start');
like(log_since($node, $offset), qr/secconn.cert_expiry_warning/, '... and says why');
$node->append_conf('postgresql.conf', "secconn.cert_expiry_warning = '30d'");
$node->start;

# ------------------------------------------------------------------
# secconn_server_certificates()
# ------------------------------------------------------------------
my $certs_sql = q{
SELECT source, position, subject, issuer, key_type, key_bits, signature_algorithm,
       self_signed, problem IS NULL,
       abs(days_left - round((extract(epoch FROM not_after - now()) / 86400)::numeric, 2)) <= 0.01
  FROM secconn_server_certificates() ORDER BY source, position};
is($node->safe_psql('postgres', $certs_sql), join("\n",
	"ssl_ca_file|0|$pay_dn|$pay_dn|RSA|2048|sha256WithRSAEncryption|t|t|t",
	"ssl_ca_file|1|$rep_dn|$rep_dn|RSA|2048|sha256WithRSAEncryption|t|t|t",
	"ssl_ca_file|2|CN=Retired CA,O=Acme|CN=Retired CA,O=Acme|RSA|2048|sha256WithRSAEncryption|t|t|t",
	"ssl_cert_file|0|CN=localhost|$pay_dn|RSA|2048|sha256WithRSAEncryption|f|t|t",
	"ssl_cert_file|1|$pay_dn|$pay_dn|RSA|2048|sha256WithRSAEncryption|t|t|t"),
	'secconn_server_certificates(): the chain, leaf first, and every CA of the bundle');
my $days = $node->safe_psql('postgres',
	q{SELECT days_left FROM secconn_server_certificates()
	   WHERE source = 'ssl_cert_file' AND position = 0});
ok($days > 9.9 && $days <= 10, "the server certificate has 10 days left ($days)");
$days = $node->safe_psql('postgres',
	q{SELECT days_left FROM secconn_server_certificates() WHERE subject LIKE 'CN=Retired%'});
ok($days < -399 && $days > -401, "the expired CA has negative days_left ($days)");
is($node->safe_psql('postgres',
		q{SELECT file FROM secconn_server_certificates()
		   WHERE source = 'ssl_cert_file' AND position = 0}),
	"$pki/server_chain.crt", 'the file column names the file');
# The alert of the README.
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM secconn_server_certificates()
		   WHERE source = 'ssl_cert_file' AND days_left < 30}),
	'1', 'the README query alerts on the server certificate');

my ($r, $o, $e) = $node->psql('postgres', 'SELECT * FROM secconn_server_certificates()',
	connstr => conn($node, user => 'nobody'));
like($e, qr/permission denied for function secconn_server_certificates/,
	'a role outside pg_monitor may not call it');
is($node->safe_psql('postgres', 'SELECT count(*) FROM secconn_server_certificates()',
		connstr => conn($node, user => 'mon')),
	'5', 'pg_monitor may');

# A missing file: a row that names it (the next reload would fail on it).
set_guc_raw($node, 'ssl_ca_file', "$pki/missing.crt");
is($node->safe_psql('postgres',
		q{SELECT source, position IS NULL, subject IS NULL, problem
		    FROM secconn_server_certificates() WHERE source = 'ssl_ca_file'}),
	qq{ssl_ca_file|t|t|could not open file "$pki/missing.crt": No such file or directory},
	'a missing file is one row with the problem');
set_guc_raw($node, 'ssl_ca_file', "$pki/ca_bundle.crt");
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM secconn_server_certificates() WHERE problem IS NULL}),
	'5', 'back to the bundle');

# ------------------------------------------------------------------
# secconn_terminate_noncompliant()
# ------------------------------------------------------------------
sub session
{
	my ($connstr) = @_;
	my $s = $node->background_psql('postgres', extra_params => [ '-d', $connstr ]);
	return ($s, bg_query($s, 'SELECT pg_backend_pid()'));
}
my ($s_ok, $p_ok) = session(tls('t_ok', 'pay'));
my ($s_bad, $p_bad) = session(conn($node, user => 't_bad'));
my ($s_warn, $p_warn) = session(conn($node, user => 't_warn'));
my ($s_admin, $p_admin) = session(conn($node, user => 't_admin'));
# Tighten the policies after they connected.
label($node, ROLE => 't_ok', 'ssl');
label($node, ROLE => 't_bad', 'ssl');
label($node, ROLE => 't_warn', 'ssl mode=warn');
label($node, ROLE => 't_admin', 'ssl');

my $listed = bg_query($s_admin, 
	q{SELECT pid, usename, datname, violations, terminated
	    FROM secconn_terminate_noncompliant() ORDER BY pid});
is($listed, "$p_bad|t_bad|postgres|{ssl}|f",
	'dry run (the default): lists only the enforced violator, not the caller, not warn-only');
my $alive = sub {
	$node->safe_psql('postgres',
		"SELECT string_agg(usename, ',' ORDER BY usename) FROM pg_stat_activity
		  WHERE pid IN ($p_ok, $p_bad, $p_warn, $p_admin)");
};
is($alive->(), 't_admin,t_bad,t_ok,t_warn', '... and ends nothing');

# Superuser only, grantable.
($r, $o, $e) = $node->psql('postgres', 'SELECT * FROM secconn_terminate_noncompliant()',
	connstr => conn($node, user => 't_helper'));
like($e, qr/permission denied for function secconn_terminate_noncompliant/,
	'a non-superuser may not call it');
sql_ok($node, 'GRANT EXECUTE ON FUNCTION secconn_terminate_noncompliant(boolean) TO t_helper');
is($node->safe_psql('postgres',
		'SELECT pid FROM secconn_terminate_noncompliant(true) ORDER BY pid',
		connstr => conn($node, user => 't_helper')),
	join("\n", sort { $a <=> $b } ($p_bad, $p_admin)),
	'... unless granted EXECUTE (then t_admin, not its caller, is listed too)');
sql_ok($node, 'REVOKE EXECUTE ON FUNCTION secconn_terminate_noncompliant(boolean) FROM t_helper');

# Only while enforcing.
set_guc($node, 'secconn.mode', 'warn');
($r, $o, $e) = $node->psql('postgres',
	'SELECT * FROM secconn_terminate_noncompliant(dry_run => false)');
like($e, qr/secconn terminates sessions only while secconn.mode is enforce/,
	'dry_run => false in warn mode is refused');
set_guc($node, 'secconn.mode', 'enforce');

$listed = bg_query($s_admin, 
	q{SELECT pid, usename, violations, terminated
	    FROM secconn_terminate_noncompliant(dry_run => false)});
is($listed, "$p_bad|t_bad|{ssl}|t", 'dry_run => false terminates the violator');
ok($node->poll_query_until('postgres',
		"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $p_bad)"),
	'... whose session ends');
is($alive->(), 't_admin,t_ok,t_warn', 'the compliant, warn-only and calling sessions stay');
is(bg_query($s_admin, 'SELECT 1'), '1', 'the caller still works');
is(bg_query($s_admin, 'SELECT count(*) FROM secconn_terminate_noncompliant(false)'),
	'0', 'a second call finds nothing');
$_->quit foreach ($s_ok, $s_warn, $s_admin, $q);
eval { $s_bad->quit };

check_no_crash($node);
$node->stop;
done_testing();
