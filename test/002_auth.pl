
# Copyright (c) secconn developers
#
# auth=: the mechanism that really authenticated the session, not the
# pg_hba line's method.  An md5 line runs SCRAM for a role whose stored
# secret is SCRAM, and MD5 for a role whose stored secret is MD5.  auth=
# also holds on the Unix socket, where exempt_local only waives the
# transport requirements.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node(
	'auth',
	hba => [
		'local all all trust',
		'host all u_md5,u_md5_free,u_md5_either,u_scram,u_scram_md5only 127.0.0.1/32 md5',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($node, qq{
SET password_encryption = 'md5';
CREATE ROLE u_md5 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE u_md5_free LOGIN PASSWORD '$PASSWORD';
CREATE ROLE u_md5_either LOGIN PASSWORD '$PASSWORD';
SET password_encryption = 'scram-sha-256';
CREATE ROLE u_scram LOGIN PASSWORD '$PASSWORD';
CREATE ROLE u_scram_md5only LOGIN PASSWORD '$PASSWORD';
CREATE ROLE u_local LOGIN PASSWORD '$PASSWORD';
});
label($node, ROLE => 'u_md5', 'auth=scram-sha-256');
label($node, ROLE => 'u_md5_either', 'auth=md5,scram-sha-256');
label($node, ROLE => 'u_scram', 'auth=scram-sha-256');
label($node, ROLE => 'u_scram_md5only', 'auth=md5');
label($node, ROLE => 'u_local', 'auth=scram-sha-256');

# The stored secrets are what the test relies on.
is( sql_output(
		$node,
		q{SELECT string_agg(rolname || ':' || CASE
		    WHEN rolpassword LIKE 'md5%' THEN 'md5'
		    WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram' END, ' ' ORDER BY rolname)
		  FROM pg_authid WHERE rolname IN ('u_md5', 'u_scram')}),
	'u_md5:md5 u_scram:scram',
	'u_md5 has an MD5 secret, u_scram a SCRAM secret');

# Control: MD5 authentication itself works for a role without policy.
accept_ok($node, conn($node, user => 'u_md5_free'),
	'md5 line, MD5 secret, no policy: accepted');

reject_ok(
	$node,
	conn($node, user => 'u_md5'),
	'auth=scram-sha-256: md5 line with an MD5 secret rejected',
	req => 'auth=scram-sha-256',
	had => 'the session authenticated with md5',
	source => 'the label on role "u_md5"',
	role => 'u_md5',
	db => 'postgres',
	from => '127.0.0.1');
reject_ok(
	$node,
	conn($node, user => 'u_md5', sslmode => 'require'),
	'auth=scram-sha-256: md5 over TLS still rejected',
	req => 'auth=scram-sha-256',
	had => 'the session authenticated with md5');

accept_ok($node, conn($node, user => 'u_scram'),
	'auth=scram-sha-256: md5 line with a SCRAM secret runs SCRAM, accepted');
reject_ok(
	$node,
	conn($node, user => 'u_scram_md5only'),
	'auth=md5: md5 line with a SCRAM secret (SCRAM ran) rejected',
	req => 'auth=md5',
	had => 'the session authenticated with scram-sha-256');

accept_ok($node, conn($node, user => 'u_md5_either'),
	'auth=md5,scram-sha-256: md5 session accepted');

# auth= applies on the Unix socket even with exempt_local = on.
is(sql_output($node, 'SHOW secconn.exempt_local'), 'on', 'exempt_local is on');
reject_ok(
	$node,
	conn($node, user => 'u_local', via => 'unix'),
	'auth=scram-sha-256: trust over the Unix socket rejected despite exempt_local',
	req => 'auth=scram-sha-256',
	had => 'the session authenticated with trust',
	role => 'u_local');
accept_ok($node, conn($node, user => 'u_local'),
	'auth=scram-sha-256: SCRAM over TCP accepted');

check_no_crash($node);
$node->stop;
done_testing();
