
# Copyright (c) secconn developers
#
# clientcert and clientcert=verify-full.  The pg_hba lines ask only for a
# password (scram-sha-256), never for a certificate: whatever is demanded of
# the certificate here is demanded by secconn.  ssl_ca_file is set, so the
# server asks for (and verifies) a certificate when the client has one.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node(
	'clientcert',
	hba => [
		'local all all trust',
		'hostssl all all 127.0.0.1/32 scram-sha-256',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($node, qq{
CREATE ROLE alice LOGIN PASSWORD '$PASSWORD';
CREATE ROLE bob LOGIN PASSWORD '$PASSWORD';
});

my $dn_sql =
  'SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

# Control: without a policy, alice connects over TLS with no certificate.
accept_ok($node, conn($node, user => 'alice', sslmode => 'require'),
	'no policy: TLS without a certificate accepted');

# ---- clientcert ----
label($node, ROLE => 'alice', 'clientcert');

reject_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require'),
	'clientcert: no certificate rejected',
	req => 'clientcert',
	had => 'the client presented no certificate',
	source => 'the label on role "alice"',
	role => 'alice',
	db => 'postgres',
	from => '127.0.0.1');
accept_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require', cert => 'alice'),
	"clientcert: alice's certificate accepted",
	sql => $dn_sql,
	expected_stdout => qr{^/CN=alice$});
accept_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require', cert => 'bob'),
	"clientcert (verify-ca only): bob's certificate for role alice accepted");
reject_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'disable'),
	'clientcert implies ssl: plain TCP rejected',
	req => 'clientcert',
	had => qr/.+/);

# A certificate from an untrusted CA never gets as far as secconn: the TLS
# handshake fails.  (Checks the test PKI, not secconn.)
connect_fails_ok($node,
	conn($node, user => 'alice', sslmode => 'require', cert => 'rogue'),
	'certificate from an untrusted CA: TLS handshake refused',
	expected_stderr => qr/certificate|unknown ca|SSL error/i,
	log_unlike => [qr/secconn policy/]);

# ---- clientcert=verify-full ----
label($node, ROLE => 'alice', 'clientcert=verify-full');

reject_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require', cert => 'bob'),
	"clientcert=verify-full: bob's certificate for role alice rejected",
	req => 'clientcert=verify-full',
	had => q{the certificate's CN "bob" does not match the role name "alice"},
	source => 'the label on role "alice"',
	role => 'alice',
	db => 'postgres',
	from => '127.0.0.1');
accept_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require', cert => 'alice'),
	"clientcert=verify-full: alice's certificate accepted");
reject_ok(
	$node,
	conn($node, user => 'alice', sslmode => 'require'),
	'clientcert=verify-full: no certificate rejected',
	req => 'clientcert=verify-full',
	had => 'the client presented no certificate');

# bob has no policy: his certificate and none both work.
accept_ok($node, conn($node, user => 'bob', sslmode => 'require', cert => 'bob'),
	'role without policy: certificate accepted');

check_no_crash($node);
$node->stop;
done_testing();
