
# Copyright (c) secconn developers
#
# What differs between PostgreSQL majors, each tested both ways where the
# server has it, and said so (a TAP skip with the reason) where it does not:
#
#   all:  auth=oauth is refused on servers without OAuth (15-17) with an
#         error that says so, and is a valid mechanism on 18 and later.
#   16+:  a member of a labelled group through a grant WITH INHERIT FALSE,
#         WITH SET FALSE, or both, is held to the group's label (pg_hba's
#         +role counts such members too).
#   17+:  direct TLS (sslnegotiation=direct, ALPN) is reported as tls with
#         its version and cipher, and enforced like negotiated TLS.
#   18+:  with ssl_tls13_ciphers set, cipher checks and views see the suite
#         that was really negotiated.
#   19+:  with pg_hosts.conf (SNI) serving a second certificate for a second
#         host name, sessions to either name are reported and enforced.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node('versions');
my $major = $node->pg_version->major;
note "testing PostgreSQL major $major";

sql_output($node, q{CREATE EXTENSION secconn});

# Skip a part that this major does not have, saying so in prove's output.
sub not_on_this_major
{
	my ($reason) = @_;
	diag "not tested on PostgreSQL $major: $reason";
	skip "PostgreSQL $major: $reason", 1;
}

# This session's transport, TLS version and cipher as secconn_connections
# reports them, checked against pg_stat_ssl.
my $own_row_sql = q{
SELECT c.transport || ' ' || coalesce(c.tls_version, '-') || ' '
       || coalesce(c.cipher, '-') || ' '
       || (c.tls_version IS NOT DISTINCT FROM s.version
           AND c.cipher IS NOT DISTINCT FROM s.cipher)
  FROM secconn_connections c JOIN pg_stat_ssl s USING (pid)
 WHERE c.pid = pg_backend_pid()};

# ======================================================================
# auth=oauth
# ======================================================================
sql_output($node, qq{CREATE ROLE r_oauth LOGIN PASSWORD '$PASSWORD'});
my ($ret, $out, $err) = $node->psql('postgres',
	q{SECURITY LABEL FOR secconn ON ROLE r_oauth IS 'auth=oauth,scram-sha-256'});
if ($major >= 18)
{
	is($ret, 0, "$major: auth=oauth is a valid mechanism") or diag $err;
	accept_ok($node, conn($node, user => 'r_oauth'),
		'auth=oauth,scram-sha-256: a SCRAM client is accepted');
	label($node, ROLE => 'r_oauth', 'auth=oauth');
	reject_ok(
		$node,
		conn($node, user => 'r_oauth'),
		'auth=oauth: a SCRAM client is rejected',
		req => 'auth=oauth',
		had => 'the session authenticated with scram-sha-256',
		source => 'the label on role "r_oauth"');
}
else
{
	isnt($ret, 0, "$major: auth=oauth is refused");
	like(
		$err,
		qr/ERROR:  invalid secconn requirement "auth=oauth,scram-sha-256"\n.*DETAIL:  This server has no OAuth authentication/,
		"$major: the error says that the server has no OAuth");
	is( $node->safe_psql('postgres',
			q{SELECT count(*) FROM pg_shseclabel WHERE provider = 'secconn'}),
		'0', "$major: the refused label was not stored");
	label($node, ROLE => 'r_oauth', 'auth=scram-sha-256');
	accept_ok($node, conn($node, user => 'r_oauth'),
		"$major: a valid auth= label on the same role is enforced and met");
}

# ======================================================================
# 16+: memberships WITH INHERIT FALSE / SET FALSE count
# ======================================================================
SKIP:
{
	not_on_this_major("it has no INHERIT / SET options on role grants (16+)") if $major < 16;

	sql_output($node, qq{
CREATE ROLE grp_tls NOLOGIN;
CREATE ROLE grp_mid NOLOGIN;
GRANT grp_tls TO grp_mid WITH INHERIT FALSE, SET FALSE;
CREATE ROLE m_noinherit LOGIN PASSWORD '$PASSWORD';
CREATE ROLE m_noset LOGIN PASSWORD '$PASSWORD';
CREATE ROLE m_neither LOGIN PASSWORD '$PASSWORD';
CREATE ROLE m_indirect LOGIN PASSWORD '$PASSWORD';
GRANT grp_tls TO m_noinherit WITH INHERIT FALSE;
GRANT grp_tls TO m_noset WITH SET FALSE;
GRANT grp_tls TO m_neither WITH INHERIT FALSE, SET FALSE;
GRANT grp_mid TO m_indirect WITH INHERIT FALSE;
});
	label($node, ROLE => 'grp_tls', 'ssl');

	foreach my $role (qw(m_noinherit m_noset m_neither m_indirect))
	{
		reject_ok(
			$node,
			conn($node, user => $role),
			"$role: plain TCP rejected by the group's label",
			req => 'ssl',
			had => $PLAIN_TCP,
			source => 'the label on role "grp_tls"',
			role => $role);
		accept_ok($node, conn($node, user => $role, sslmode => 'require'),
			"$role: TLS accepted");
	}
}

# ======================================================================
# 17+: direct TLS
# ======================================================================
SKIP:
{
	not_on_this_major("it has no direct TLS (sslnegotiation=direct, 17+)") if $major < 17;

	sql_output($node, qq{CREATE ROLE r_direct LOGIN PASSWORD '$PASSWORD'});
	label($node, ROLE => 'r_direct', 'min_tls=TLSv1.3 cipher=strong');
	my $direct = 'sslnegotiation=direct';

	accept_ok(
		$node,
		conn($node, user => 'r_direct', sslmode => 'require', extra => $direct),
		'direct TLS 1.3: accepted and reported as tls',
		sql => $own_row_sql,
		expected_stdout => qr/^tls TLSv1\.3 TLS_\S+ true$/);

	{
		local $ENV{OPENSSL_CONF} = openssl_conf(undef, 'TLSv1.2');
		reject_ok(
			$node,
			conn($node, user => 'r_direct', sslmode => 'require', extra => $direct),
			'direct TLS 1.2: rejected by min_tls',
			req => 'min_tls=TLSv1.3',
			had => qr/the connection uses TLSv1\.2 with \S+\./,
			source => 'the label on role "r_direct"');
	}
	{
		local $ENV{OPENSSL_CONF} = openssl_conf('AES128-SHA', 'TLSv1.2');
		reject_ok(
			$node,
			conn($node, user => 'r_direct', sslmode => 'require', extra => $direct),
			'direct TLS with a weak cipher: rejected by cipher=strong',
			req => 'cipher=strong',
			had => qr/the connection uses TLSv1\.2 with AES128-SHA, which is not a strong cipher\./,
			source => 'the label on role "r_direct"');
	}
}

# ======================================================================
# 18+: ssl_tls13_ciphers
# ======================================================================
SKIP:
{
	not_on_this_major("it has no ssl_tls13_ciphers (18+)") if $major < 18;

	set_guc($node, 'ssl_tls13_ciphers', 'TLS_AES_128_GCM_SHA256');
	sql_output($node, qq{
CREATE ROLE r_suite256 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_suite128 LOGIN PASSWORD '$PASSWORD';
});
	label($node, ROLE => 'r_suite256', 'cipher=TLS_AES_256_GCM_SHA384');
	label($node, ROLE => 'r_suite128', 'cipher=TLS_AES_128_GCM_SHA256');

	reject_ok(
		$node,
		conn($node, user => 'r_suite256', sslmode => 'require'),
		'ssl_tls13_ciphers: a suite the list does not name is rejected',
		req => 'cipher=TLS_AES_256_GCM_SHA384',
		had => qr/the connection uses TLSv1\.3 with TLS_AES_128_GCM_SHA256/,
		source => 'the label on role "r_suite256"');
	accept_ok(
		$node,
		conn($node, user => 'r_suite128', sslmode => 'require'),
		'ssl_tls13_ciphers: the negotiated suite is named, strong, and reported',
		sql => $own_row_sql . q{ AND c.cipher_strong},
		expected_stdout => qr/^tls TLSv1\.3 TLS_AES_128_GCM_SHA256 true$/);
}

check_no_crash($node);
$node->stop;

# ======================================================================
# 19+: SNI (pg_hosts.conf)
# ======================================================================
SKIP:
{
	not_on_this_major("it has no pg_hosts.conf (SNI, 19+)") if $major < 19;

	my $c = certs();
	my $dir = $c->{dir};
	local $ENV{OPENSSL_CONF} = "$dir/req.cnf";
	open my $fh, '>', "$dir/db2_ext.cnf" or die $!;
	print $fh <<'EOF';
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:db2.test
EOF
	close $fh;
	system_or_bail('openssl', 'req', '-new', '-newkey', 'rsa:2048', '-nodes',
		'-config', "$dir/req.cnf", '-subj', '/CN=db2.test',
		'-keyout', "$dir/db2.key", '-out', "$dir/db2.csr");
	system_or_bail('openssl', 'x509', '-req', '-in', "$dir/db2.csr",
		'-CA', $c->{ca_crt}, '-CAkey', "$dir/ca.key", '-set_serial', 2001,
		'-days', '30', '-sha256', '-extfile', "$dir/db2_ext.cnf",
		'-extensions', 'server_ext', '-out', "$dir/db2.crt");
	chmod 0600, "$dir/db2.key";

	my $sni = new_node('sni', no_start => 1,
		extra_conf => "ssl_sni = on\n");
	open $fh, '>', $sni->data_dir . '/pg_hosts.conf' or die $!;
	print $fh "localhost $c->{server_crt} $c->{server_key} $c->{ca_crt}\n";
	print $fh "db2.test $dir/db2.crt $dir/db2.key $c->{ca_crt}\n";
	print $fh "/no_sni/ $c->{server_crt} $c->{server_key} $c->{ca_crt}\n";
	close $fh;
	$sni->start;
	sql_output($sni, qq{
CREATE EXTENSION secconn;
CREATE ROLE alice LOGIN PASSWORD '$PASSWORD';
});
	label($sni, ROLE => 'alice', 'min_tls=TLSv1.3 clientcert=verify-full');

	# verify-full: the client checks that the server presented the
	# certificate of the name it asked for, so each name got its own.
	foreach my $name (qw(localhost db2.test))
	{
		my $to = "host=$name hostaddr=127.0.0.1 sslmode=verify-full";
		accept_ok(
			$sni,
			conn($sni, user => 'alice', sslmode => 'verify-full', cert => 'alice',
				extra => $to),
			"SNI $name: a compliant session is accepted and reported",
			sql => $own_row_sql . q{ AND c.client_cert_present},
			expected_stdout => qr/^tls TLSv1\.3 TLS_\S+ true$/);
		reject_ok(
			$sni,
			conn($sni, user => 'alice', sslmode => 'verify-full', extra => $to),
			"SNI $name: no client certificate is rejected",
			req => 'clientcert=verify-full',
			had => 'the client presented no certificate',
			source => 'the label on role "alice"');
		{
			local $ENV{OPENSSL_CONF} = openssl_conf(undef, 'TLSv1.2');
			reject_ok(
				$sni,
				conn($sni, user => 'alice', sslmode => 'verify-full', cert => 'alice',
					extra => $to),
				"SNI $name: TLS 1.2 is rejected by min_tls",
				req => 'min_tls=TLSv1.3',
				had => qr/the connection uses TLSv1\.2 with \S+\./,
				source => 'the label on role "alice"');
		}
	}
	check_no_crash($sni);
	$sni->stop;
}

done_testing();
