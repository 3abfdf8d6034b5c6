
# Copyright (c) secconn developers
#
# Transport requirements: ssl (own label, a label inherited over two levels
# of group membership, a database label), min_tls, cipher=strong and
# cipher=LIST.  Each requirement is shown both ways: a violating client is
# rejected (client sees the FATAL with the requirement and what it had; the
# server log has SQLSTATE 28000 and where the policy came from), a compliant
# client is admitted.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node('transport');

sql_output($node, qq{
CREATE ROLE r_plain LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_ssl LOGIN PASSWORD '$PASSWORD';
CREATE ROLE grp_top NOLOGIN;
CREATE ROLE grp_mid NOLOGIN IN ROLE grp_top;
CREATE ROLE r_inh LOGIN PASSWORD '$PASSWORD' IN ROLE grp_mid;
CREATE ROLE r_super SUPERUSER LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_tls13 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_strong LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_list LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_list13 LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE d_ssl;
});
label($node, ROLE => 'r_ssl', 'ssl');
label($node, ROLE => 'grp_top', 'ssl');
label($node, DATABASE => 'd_ssl', 'ssl');
label($node, ROLE => 'r_tls13', 'min_tls=TLSv1.3');
label($node, ROLE => 'r_strong', 'cipher=strong');
label($node, ROLE => 'r_list', 'cipher=ECDHE+AESGCM');
label($node, ROLE => 'r_list13', 'cipher=TLS_AES_256_GCM_SHA384:ECDHE+AESGCM');


# Control: a role without any policy connects without TLS.
accept_ok($node, conn($node, user => 'r_plain'),
	'unlabelled role: plain TCP accepted');

# ---- ssl on the role itself ----
reject_ok(
	$node,
	conn($node, user => 'r_ssl', sslmode => 'disable'),
	'ssl label: plain TCP rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "r_ssl"',
	role => 'r_ssl',
	db => 'postgres',
	from => '127.0.0.1');
accept_ok(
	$node,
	conn($node, user => 'r_ssl', sslmode => 'require'),
	'ssl label: TLS accepted',
	sql => 'SHOW ssl', expected_stdout => qr/^on$/);

# The client must not see the server-only part of the DETAIL; reject_ok
# checks that with a look-ahead, this spells it out once on its own.
{
	my ($ret, $stdout, $stderr) = $node->psql(
		'postgres', undef,
		extra_params => ['-w'],
		connstr => conn($node, user => 'r_ssl'));
	isnt($ret, 0, 'ssl label: psql fails');
	like($stderr, qr/\Q$REJECT_FATAL\E/, 'client sees the FATAL');
	like($stderr, qr/^HINT:  To comply, /m, 'client sees the HINT');
	unlike($stderr, qr/Demanded by/, 'client does not see which policy demanded it');
	unlike($stderr, qr/Connection of role/, 'client does not see the log-only sentence');
}

# ---- a label inherited over two levels: r_inh -> grp_mid -> grp_top ----
reject_ok(
	$node,
	conn($node, user => 'r_inh'),
	'inherited group label (two levels): plain TCP rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "grp_top"',
	role => 'r_inh',
	db => 'postgres',
	from => '127.0.0.1');
accept_ok($node, conn($node, user => 'r_inh', sslmode => 'require'),
	'inherited group label (two levels): TLS accepted');

# Membership is real membership: a superuser is not a member of grp_top.
accept_ok($node, conn($node, user => 'r_super'),
	'superuser (not a member of the labelled group): plain TCP accepted');

# ---- database label ----
reject_ok(
	$node,
	conn($node, user => 'r_plain', db => 'd_ssl'),
	'database label: plain TCP rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on database "d_ssl"',
	role => 'r_plain',
	db => 'd_ssl',
	from => '127.0.0.1');
accept_ok($node, conn($node, user => 'r_plain', db => 'd_ssl', sslmode => 'require'),
	'database label: TLS accepted');

# ---- min_tls=TLSv1.3 ----
reject_ok(
	$node,
	conn(
		$node,
		user => 'r_tls13',
		sslmode => 'require',
		extra => 'ssl_max_protocol_version=TLSv1.2'),
	'min_tls=TLSv1.3: TLSv1.2 client rejected',
	req => 'min_tls=TLSv1.3',
	had => qr/the connection uses TLSv1\.2 with [A-Za-z0-9_-]+\./,
	source => 'the label on role "r_tls13"',
	role => 'r_tls13');
accept_ok(
	$node,
	conn($node, user => 'r_tls13', sslmode => 'require'),
	'min_tls=TLSv1.3: default (TLSv1.3) client accepted',
	sql => 'SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
	expected_stdout => qr/^TLSv1\.3$/);
reject_ok(
	$node,
	conn($node, user => 'r_tls13'),
	'min_tls=TLSv1.3 implies ssl: plain TCP rejected',
	req => 'min_tls=TLSv1.3',
	had => $PLAIN_TCP);

# Client OpenSSL configurations.
my $weak = openssl_conf('AES128-SHA', 'TLSv1.2');
my $strong12 = openssl_conf('ECDHE-RSA-AES256-GCM-SHA384', 'TLSv1.2');
my $chacha13 = openssl_conf(undef, undef, 'TLS_CHACHA20_POLY1305_SHA256');

my $cipher_sql = 'SELECT version || \' \' || cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

# ---- cipher=strong ----
{
	local $ENV{OPENSSL_CONF} = $weak;
	reject_ok(
		$node,
		conn($node, user => 'r_strong', sslmode => 'require'),
		'cipher=strong: TLSv1.2 AES128-SHA rejected',
		req => 'cipher=strong',
		had => 'the connection uses TLSv1.2 with AES128-SHA, which is not a strong cipher',
		source => 'the label on role "r_strong"',
		role => 'r_strong');
	# Control: the weak cipher is really negotiated for an unlabelled role.
	accept_ok(
		$node,
		conn($node, user => 'r_plain', sslmode => 'require'),
		'weak client configuration negotiates TLSv1.2 AES128-SHA',
		sql => $cipher_sql,
		expected_stdout => qr/^TLSv1\.2 AES128-SHA$/);
}
{
	local $ENV{OPENSSL_CONF} = $strong12;
	accept_ok(
		$node,
		conn($node, user => 'r_strong', sslmode => 'require'),
		'cipher=strong: TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 accepted',
		sql => $cipher_sql,
		expected_stdout => qr/^TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384$/);
}
accept_ok($node, conn($node, user => 'r_strong', sslmode => 'require'),
	'cipher=strong: default TLSv1.3 client accepted');
reject_ok(
	$node,
	conn($node, user => 'r_strong'),
	'cipher=strong implies ssl: plain TCP rejected',
	req => 'cipher=strong',
	had => $PLAIN_TCP);

# ---- cipher=ECDHE+AESGCM ----
{
	local $ENV{OPENSSL_CONF} = $strong12;
	accept_ok(
		$node,
		conn($node, user => 'r_list', sslmode => 'require'),
		'cipher=ECDHE+AESGCM: ECDHE-RSA-AES256-GCM-SHA384 accepted');
}
{
	local $ENV{OPENSSL_CONF} = $weak;
	reject_ok(
		$node,
		conn($node, user => 'r_list', sslmode => 'require'),
		'cipher=ECDHE+AESGCM: AES128-SHA rejected',
		req => 'cipher=ECDHE+AESGCM',
		had => 'the connection uses TLSv1.2 with AES128-SHA',
		source => 'the label on role "r_list"',
		role => 'r_list');
}
reject_ok(
	$node,
	conn($node, user => 'r_list', sslmode => 'require'),
	'cipher=ECDHE+AESGCM: TLSv1.3 session rejected (its suite is not named)',
	req => 'cipher=ECDHE+AESGCM',
	had => 'the connection uses TLSv1.3 with TLS_AES_256_GCM_SHA384',
	role => 'r_list');

# ---- cipher=TLS_AES_256_GCM_SHA384:ECDHE+AESGCM ----
accept_ok(
	$node,
	conn($node, user => 'r_list13', sslmode => 'require'),
	'cipher list naming TLS_AES_256_GCM_SHA384: TLSv1.3 client accepted',
	sql => $cipher_sql,
	expected_stdout => qr/^TLSv1\.3 TLS_AES_256_GCM_SHA384$/);
{
	local $ENV{OPENSSL_CONF} = $chacha13;
	reject_ok(
		$node,
		conn($node, user => 'r_list13', sslmode => 'require'),
		'cipher list naming TLS_AES_256_GCM_SHA384: TLS_CHACHA20_POLY1305_SHA256 rejected',
		req => 'cipher=TLS_AES_256_GCM_SHA384:ECDHE+AESGCM',
		had => 'the connection uses TLSv1.3 with TLS_CHACHA20_POLY1305_SHA256',
		role => 'r_list13');
}
{
	local $ENV{OPENSSL_CONF} = $strong12;
	accept_ok(
		$node,
		conn($node, user => 'r_list13', sslmode => 'require'),
		'cipher list naming TLS_AES_256_GCM_SHA384: TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 accepted');
}
{
	local $ENV{OPENSSL_CONF} = $weak;
	reject_ok(
		$node,
		conn($node, user => 'r_list13', sslmode => 'require'),
		'cipher list naming TLS_AES_256_GCM_SHA384: AES128-SHA rejected',
		req => 'cipher=TLS_AES_256_GCM_SHA384:ECDHE+AESGCM',
		had => 'the connection uses TLSv1.2 with AES128-SHA');
}

# ---- several violations in one DETAIL: r_tls13 into d_ssl over plain TCP ----
reject_ok(
	$node,
	conn($node, user => 'r_tls13', db => 'd_ssl'),
	'two policies violated: both requirements named',
	req => 'min_tls=TLSv1.3',
	had => $PLAIN_TCP,
	more => [ [ 'ssl', $PLAIN_TCP ] ],
	log_like => [
		qr/Requirement "min_tls=TLSv1\.3" is not met: [^\n]*Demanded by [^\n]*the label on role "r_tls13"/,
		qr/Requirement "ssl" is not met: [^\n]*Demanded by [^\n]*the label on database "d_ssl"/
	]);

# ---- removing a label lifts the policy ----
label($node, ROLE => 'r_ssl', undef);
accept_ok($node, conn($node, user => 'r_ssl'),
	'label removed with IS NULL: plain TCP accepted');

check_no_crash($node);
$node->stop;
done_testing();
