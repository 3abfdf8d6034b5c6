
# Copyright (c) secconn developers
#
# Issue 9, items 4 and 6, as an attacker would try them with real clients:
#  - an anonymous (aNULL) suite is never strong: a client that offers only
#    ADH-AES256-GCM-SHA384 to a server whose ssl_ciphers allows it is
#    rejected under cipher=strong; an authenticated ECDHE suite is admitted;
#  - a verified client certificate without a CN under
#    clientcert=verify-full: the detail says the certificate has no CN and
#    what its subject is (not that its CN is "too long").

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $c = certs();

# A client certificate signed by the test CA whose subject has no CN.
{
	local $ENV{OPENSSL_CONF} = "$c->{dir}/req.cnf";
	system_or_bail(
		'openssl', 'req', '-new', '-newkey', 'rsa:2048', '-nodes',
		'-config', "$c->{dir}/req.cnf",
		'-subj', '/O=secconn test/OU=no common name',
		'-keyout', "$c->{dir}/nocn.key", '-out', "$c->{dir}/nocn.csr");
	system_or_bail(
		'openssl', 'x509', '-req', '-in', "$c->{dir}/nocn.csr",
		'-CA', $c->{ca_crt}, '-CAkey', "$c->{dir}/ca.key",
		'-set_serial', '1099', '-days', '3650', '-sha256',
		'-extfile', "$c->{dir}/ext.cnf", '-extensions', 'client_ext',
		'-out', "$c->{dir}/nocn.crt");
	chmod 0600, "$c->{dir}/nocn.key";
	$c->{nocn_crt} = "$c->{dir}/nocn.crt";
	$c->{nocn_key} = "$c->{dir}/nocn.key";
}

my $node = new_node(
	'attack_tls',
	extra_conf => "ssl_ciphers = 'ALL:\@SECLEVEL=0'\n",
	hba => [
		'local all all trust',
		'hostssl all r_strong,r_free 127.0.0.1/32 password',
		'hostssl all all 127.0.0.1/32 scram-sha-256',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE r_strong LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_free LOGIN PASSWORD '$PASSWORD';
CREATE ROLE alice LOGIN PASSWORD '$PASSWORD';
});
label($node, ROLE => 'r_strong', 'cipher=strong');
label($node, ROLE => 'alice', 'clientcert=verify-full');

# ---- item 4: anonymous key exchange ----

# An anonymous suite sends no server certificate, and libpq refuses a
# server without one ("certificate could not be obtained"), so the client
# here is openssl s_client, which speaks PostgreSQL's SSLRequest itself
# (-starttls postgres) and offers only the anonymous suite; it carries a
# raw protocol conversation: startup packet, password, a query, terminate.
sub msg
{
	my ($type, $body) = @_;
	return $type . pack('N', 4 + length $body) . $body;
}

# Connect as $user with only $cipher on TLS 1.2; returns the server's
# messages: [ type, body ] each.
sub s_client_session
{
	my ($user, $cipher) = @_;
	my $startup = pack('N', 196608) . "user\0$user\0database\0postgres\0\0";
	my $in = pack('N', 4 + length $startup) . $startup
	  . msg('p', "$PASSWORD\0")
	  . msg('Q', "SELECT secconn_cipher() || ' ' || secconn_cipher_strong()::text\0")
	  . msg('X', '');
	my ($out, $err) = ('', '');
	IPC::Run::run(
		[
			'openssl', 's_client', '-starttls', 'postgres',
			'-connect', '127.0.0.1:' . $node->port,
			'-tls1_2', '-cipher', $cipher, '-quiet'
		],
		\$in, \$out, \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	my @msgs;
	while (length($out) >= 5)
	{
		my ($type, $len) = unpack('a N', $out);
		last if length($out) < 1 + $len;
		push @msgs, [ $type, substr($out, 5, $len - 4) ];
		$out = substr($out, 1 + $len);
	}
	note("s_client stderr: $err") if !@msgs;
	return @msgs;
}

# The fields of the first ErrorResponse, by field code.
sub error_fields
{
	my @msgs = @_;
	foreach my $m (@msgs)
	{
		next unless $m->[0] eq 'E';
		my %f;
		foreach my $field (split /\0/, $m->[1])
		{
			$f{ substr($field, 0, 1) } = substr($field, 1) if length $field;
		}
		return \%f;
	}
	return undef;
}

# The first column of the first DataRow.
sub first_value
{
	my @msgs = @_;
	foreach my $m (@msgs)
	{
		next unless $m->[0] eq 'D';
		my ($n, $len) = unpack('n N', $m->[1]);
		return substr($m->[1], 6, $len);
	}
	return undef;
}

my $adh = 'ADH-AES256-GCM-SHA384:@SECLEVEL=0';

# The attack is real: the session negotiates the anonymous suite.
{
	my @msgs = s_client_session('r_free', $adh);
	is(error_fields(@msgs), undef, 'no policy: the anonymous-suite client is admitted');
	is(first_value(@msgs), 'ADH-AES256-GCM-SHA384 false',
		'no policy: the session runs ADH-AES256-GCM-SHA384, and it is not strong');
}

{
	my $offset = -s $node->logfile;
	my @msgs = s_client_session('r_strong', $adh);
	my $e = error_fields(@msgs);
	ok($e, 'cipher=strong: the anonymous-suite client gets an error');
	is($e->{C}, '28000', 'cipher=strong, anonymous suite: SQLSTATE 28000');
	is($e->{S}, 'FATAL', 'cipher=strong, anonymous suite: FATAL');
	is($e->{M}, 'connection rejected by secconn policy',
		'cipher=strong, anonymous suite: secconn rejects it');
	like(
		$e->{D},
		qr/Requirement "cipher=strong" is not met: the connection uses TLSv1\.2 with ADH-AES256-GCM-SHA384, which is not a strong cipher\./,
		'cipher=strong, anonymous suite: the detail names the suite');
	is(first_value(@msgs), undef, 'cipher=strong, anonymous suite: no query ran');
	log_wait_ok($node, qr/Demanded by the label on role "r_strong"/, $offset,
		'cipher=strong, anonymous suite: the log names the label');
}

{
	local $ENV{OPENSSL_CONF} =
	  openssl_conf('ECDHE-RSA-AES256-GCM-SHA384', 'TLSv1.2');
	accept_ok(
		$node,
		conn($node, user => 'r_strong', sslmode => 'verify-full'),
		'cipher=strong: the same AES-256-GCM with ECDHE and a server certificate is admitted',
		sql => 'SELECT secconn_cipher() || \' \' || secconn_cipher_strong()::text',
		expected_stdout => qr/^ECDHE-RSA-AES256-GCM-SHA384 true$/);
}

is( sql_output(
		$node,
		q{SELECT string_agg(name || ':' || strong::text, ' ' ORDER BY name)
		  FROM (SELECT (secconn_cipher_info(n)).* FROM unnest(ARRAY[
		    'ADH-AES256-GCM-SHA384', 'AECDH-AES256-SHA',
		    'ECDHE-RSA-AES256-GCM-SHA384', 'TLS_AES_256_GCM_SHA384']) AS n) i}),
	'ADH-AES256-GCM-SHA384:false AECDH-AES256-SHA:false ECDHE-RSA-AES256-GCM-SHA384:true TLS_AES_256_GCM_SHA384:true',
	'secconn_cipher_info: anonymous suites are not strong');

# ---- item 6: a verified certificate without a CN ----

reject_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require', cert => 'nocn'),
	'clientcert=verify-full: a verified certificate without a CN is rejected, and the detail says so',
	req => 'clientcert=verify-full',
	had => qr/the certificate has no CN, so it cannot match the role name "alice"; its subject is "OU=no common name,O=secconn test"\./,
	source => 'the label on role "alice"',
	log_unlike => [qr/longer than any role name/]);
accept_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require', cert => 'alice'),
	"clientcert=verify-full: alice's certificate (CN=alice) is admitted");

check_no_crash($node);
$node->stop;
done_testing();
