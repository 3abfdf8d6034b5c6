
# Copyright (c) secconn developers
#
# The settings: secconn.default_policy, secconn.exempt_local, secconn.mode
# (enforce / warn / off), a per-label mode=warn, invalid values on reload
# (refused, the old value stays in force), and failing closed on a label
# that cannot be evaluated.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node('modes');

sql_output($node, qq{
CREATE ROLE r_plain LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_ssl LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_warn LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_bad LOGIN PASSWORD '$PASSWORD';
});
label($node, ROLE => 'r_ssl', 'ssl');
label($node, ROLE => 'r_warn', 'ssl mode=warn');


# The defaults of the contract.
is(sql_output($node, 'SHOW secconn.mode'), 'enforce', 'secconn.mode defaults to enforce');
is(sql_output($node, 'SHOW secconn.default_policy'), '', 'secconn.default_policy defaults to empty');
is(sql_output($node, 'SHOW secconn.exempt_local'), 'on', 'secconn.exempt_local defaults to on');

# ---- secconn.default_policy ----
accept_ok($node, conn($node, user => 'r_plain'),
	'empty default policy: plain TCP accepted');
set_guc($node, 'secconn.default_policy', 'ssl');
reject_ok(
	$node,
	conn($node, user => 'r_plain'),
	'default_policy=ssl: plain TCP rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the default policy',
	role => 'r_plain',
	db => 'postgres',
	from => '127.0.0.1');
accept_ok($node, conn($node, user => 'r_plain', sslmode => 'require'),
	'default_policy=ssl: TLS accepted');
accept_ok($node, conn($node, user => 'r_plain', via => 'unix'),
	'default_policy=ssl: Unix socket accepted (exempt_local)');

# An invalid value is refused on reload and 'ssl' stays in force.
{
	my $offset = -s $node->logfile;
	set_guc_raw($node, 'secconn.default_policy', 'bogus');
	like(
		log_since($node, $offset),
		qr/invalid value for parameter "secconn\.default_policy": "bogus"/,
		'default_policy=bogus: refused in the log');
	is(sql_output($node, 'SHOW secconn.default_policy'),
		'ssl', 'default_policy=bogus: SHOW still says ssl');
	reject_ok(
		$node,
		conn($node, user => 'r_plain'),
		'default_policy=bogus: the old policy still rejects plain TCP',
		req => 'ssl',
		had => $PLAIN_TCP,
		source => 'the default policy');
	accept_ok($node, conn($node, user => 'r_plain', sslmode => 'require'),
		'default_policy=bogus: the old policy still accepts TLS');
}

set_guc($node, 'secconn.default_policy', '');
accept_ok($node, conn($node, user => 'r_plain'),
	'default_policy reset: plain TCP accepted again');

# ---- secconn.exempt_local ----
accept_ok($node, conn($node, user => 'r_ssl', via => 'unix'),
	'exempt_local=on: Unix socket of an ssl role accepted');
set_guc($node, 'secconn.exempt_local', 'off');
reject_ok(
	$node,
	conn($node, user => 'r_ssl', via => 'unix'),
	'exempt_local=off: Unix socket of an ssl role rejected',
	req => 'ssl',
	had => 'the connection uses a Unix-domain socket',
	source => 'the label on role "r_ssl"',
	role => 'r_ssl',
	db => 'postgres');
accept_ok($node, conn($node, user => 'r_plain', via => 'unix'),
	'exempt_local=off: Unix socket of a role without policy accepted');
set_guc($node, 'secconn.exempt_local', 'on');
accept_ok($node, conn($node, user => 'r_ssl', via => 'unix'),
	'exempt_local back on: Unix socket of an ssl role accepted');

# ---- secconn.mode ----
reject_ok($node, conn($node, user => 'r_ssl'), 'mode=enforce: violator rejected',
	req => 'ssl', had => $PLAIN_TCP);

set_guc($node, 'secconn.mode', 'warn');
warn_ok(
	$node,
	conn($node, user => 'r_ssl'),
	'mode=warn: violator admitted and logged',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "r_ssl"',
	role => 'r_ssl');
{
	my $offset = -s $node->logfile;
	accept_ok($node, conn($node, user => 'r_ssl', sslmode => 'require'),
		'mode=warn: compliant client admitted');
	unlike(log_since($node, $offset), qr/admitted in warn mode/,
		'mode=warn: nothing logged for a compliant client');
}

set_guc($node, 'secconn.mode', 'off');
{
	my $offset = -s $node->logfile;
	accept_ok($node, conn($node, user => 'r_ssl'),
		'mode=off: violator admitted');
	unlike(
		log_since($node, $offset),
		qr/secconn policy|admitted in warn mode|Requirement "/,
		'mode=off: secconn logged nothing');
}

# An invalid mode is refused and 'off' stays in force.
{
	my $offset = -s $node->logfile;
	set_guc_raw($node, 'secconn.mode', 'maybe');
	like(
		log_since($node, $offset),
		qr/invalid value for parameter "secconn\.mode": "maybe"/,
		'mode=maybe: refused in the log');
	is(sql_output($node, 'SHOW secconn.mode'), 'off', 'mode=maybe: SHOW still says off');
	accept_ok($node, conn($node, user => 'r_ssl'),
		'mode=maybe: the old mode (off) still admits the violator');
}

set_guc($node, 'secconn.mode', 'enforce');
reject_ok($node, conn($node, user => 'r_ssl'), 'mode=enforce again: violator rejected',
	req => 'ssl', had => $PLAIN_TCP);

# An invalid mode while enforcing: enforcement stays.
{
	my $offset = -s $node->logfile;
	set_guc_raw($node, 'secconn.mode', 'maybe');
	like(
		log_since($node, $offset),
		qr/invalid value for parameter "secconn\.mode": "maybe"/,
		'mode=maybe while enforcing: refused in the log');
	is(sql_output($node, 'SHOW secconn.mode'), 'enforce',
		'mode=maybe while enforcing: SHOW still says enforce');
	reject_ok($node, conn($node, user => 'r_ssl'),
		'mode=maybe while enforcing: violator still rejected',
		req => 'ssl', had => $PLAIN_TCP);
}
set_guc($node, 'secconn.mode', 'enforce');

# ---- per-label mode=warn ----
warn_ok(
	$node,
	conn($node, user => 'r_warn'),
	'label with mode=warn: violator admitted and logged',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "r_warn"',
	role => 'r_warn');
accept_ok($node, conn($node, user => 'r_warn', sslmode => 'require'),
	'label with mode=warn: compliant client admitted');
reject_ok(
	$node,
	conn($node, user => 'r_ssl'),
	'label with mode=warn elsewhere: an enforcing label still rejects',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "r_ssl"');

# A mode=warn label does not soften an enforcing default policy.
set_guc($node, 'secconn.default_policy', 'ssl');
reject_ok(
	$node,
	conn($node, user => 'r_warn'),
	'mode=warn label plus enforcing default policy: rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the default policy');
set_guc($node, 'secconn.default_policy', '');

# ---- a label that cannot be evaluated: fail closed ----
# Bypass the label provider's validation by writing the catalog directly.
sql_output($node, q{
INSERT INTO pg_shseclabel (objoid, classoid, provider, label)
SELECT oid, 'pg_authid'::regclass, 'secconn', 'no_such_requirement'
FROM pg_authid WHERE rolname = 'r_bad';
});
connect_fails_ok($node,
	conn($node, user => 'r_bad', sslmode => 'require', cert => 'alice'),
	'unparsable label: connection rejected (fails closed)',
	expected_stderr =>
	  qr/FATAL:  connection rejected: secconn could not evaluate its policy/,
	log_like => [
		qr/FATAL:  connection rejected: secconn could not evaluate its policy/
	],
	log_unlike => [qr/terminated by signal/]);
accept_ok($node, conn($node, user => 'r_plain'),
	'unparsable label of another role: unrelated role still accepted');
sql_output($node, q{
DELETE FROM pg_shseclabel WHERE provider = 'secconn'
  AND objoid = (SELECT oid FROM pg_authid WHERE rolname = 'r_bad');
});
accept_ok($node, conn($node, user => 'r_bad'),
	'unparsable label removed: accepted');

check_no_crash($node);
$node->stop;
done_testing();
