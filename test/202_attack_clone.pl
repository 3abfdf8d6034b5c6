
# Copyright (c) secconn developers
#
# Issue 9, item 1: a non-superuser must not lift a policy by moving the
# labelled objects around.
#  - Cloning: the owner (CREATEDB, not superuser) of a database labelled
#    'ssl' renames it and clones it under the old name; the clone must
#    start with the template's label (every STRATEGY, any template).
#  - ALTER DATABASE / ALTER ROLE ... SET of secconn settings is refused.
#  - A CREATEROLE role that renames a labelled group or a member keeps the
#    policy in force (labels follow the object); it may not remove members
#    from a labelled group (REVOKE, ALTER GROUP ... DROP USER) nor drop
#    such a group while it has members; a superuser may.
#  - DROP EXTENSION secconn CASCADE lifts nothing: enforcement needs only
#    the preloaded library.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node('attack_clone');

sql_output($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE mowner LOGIN CREATEDB PASSWORD '$PASSWORD';
CREATE ROLE cloner LOGIN CREATEDB PASSWORD '$PASSWORD';
CREATE ROLE admin LOGIN CREATEROLE PASSWORD '$PASSWORD';
CREATE ROLE secure NOLOGIN;
CREATE ROLE mid NOLOGIN IN ROLE secure;
CREATE ROLE app LOGIN PASSWORD '$PASSWORD' IN ROLE secure;
CREATE ROLE app_mid LOGIN PASSWORD '$PASSWORD' IN ROLE mid;
CREATE ROLE leaf LOGIN PASSWORD '$PASSWORD' IN ROLE secure;
CREATE DATABASE mdb OWNER mowner;
});
# On 16 and later a CREATEROLE role manages only roles it has ADMIN on.
sql_output($node, q{
GRANT secure, mid, app, app_mid, leaf TO admin WITH ADMIN OPTION;
});
label($node, DATABASE => 'mdb', 'ssl');
label($node, ROLE => 'secure', 'ssl');


# Run SQL as a non-superuser over TCP (TLS, so that any policy on that
# role is met); returns (exit code, stderr).
sub sql_as
{
	my ($user, $sql, $db) = @_;
	my ($ret, $stdout, $stderr) = $node->psql(
		$db // 'postgres', $sql,
		extra_params => ['-w'],
		connstr => conn($node, user => $user, db => $db // 'postgres',
			sslmode => 'require'));
	return ($ret, $stderr);
}

sub sql_as_ok
{
	my ($user, $sql, $name) = @_;
	my ($ret, $stderr) = sql_as($user, $sql);
	is($ret, 0, $name) or diag($stderr);
	return;
}

sub sql_as_fails
{
	my ($user, $sql, $name, $re) = @_;
	my ($ret, $stderr) = sql_as($user, $sql);
	isnt($ret, 0, "$name: fails");
	like($stderr, $re, "$name: error") if $re;
	return;
}

sub db_label
{
	my ($db) = @_;
	return sql_output($node,
		"SELECT coalesce((SELECT label FROM pg_shseclabel s JOIN pg_database d ON s.objoid = d.oid AND s.classoid = 'pg_database'::regclass WHERE d.datname = '$db' AND s.provider = 'secconn'), '<none>')"
	);
}

# ---- cloning ----

reject_ok($node, conn($node, user => 'mowner', db => 'mdb'),
	'control: the owner over plain TCP to mdb is rejected',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on database "mdb"');

sql_as_ok('mowner', 'ALTER DATABASE mdb RENAME TO mdb_old',
	'the owner renames mdb to mdb_old');
sql_as_ok('mowner', 'CREATE DATABASE mdb TEMPLATE mdb_old',
	'the owner clones mdb_old as mdb');
is(db_label('mdb'), 'ssl', 'the clone has the template\'s label');
is(db_label('mdb_old'), 'ssl', 'the template keeps its label');
reject_ok(
	$node,
	conn($node, user => 'mowner', db => 'mdb'),
	'the clone: the owner over plain TCP is rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on database "mdb"',
	role => 'mowner',
	db => 'mdb');
accept_ok($node, conn($node, user => 'mowner', db => 'mdb', sslmode => 'require'),
	'the clone: the owner over TLS is admitted');

sql_as_ok('mowner', 'CREATE DATABASE mdb_fc TEMPLATE mdb_old STRATEGY FILE_COPY',
	'the owner clones with STRATEGY FILE_COPY');
is(db_label('mdb_fc'), 'ssl', 'FILE_COPY clone: has the label');
reject_ok($node, conn($node, user => 'mowner', db => 'mdb_fc'),
	'FILE_COPY clone: the owner over plain TCP is rejected',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on database "mdb_fc"');

# A template anyone with CREATEDB may copy.
sql_output($node, 'ALTER DATABASE mdb_old IS_TEMPLATE true');
sql_as_ok('cloner', 'CREATE DATABASE cdb TEMPLATE mdb_old',
	'another CREATEDB role clones the template database');
is(db_label('cdb'), 'ssl', "another role's clone: has the label");
reject_ok($node, conn($node, user => 'cloner', db => 'cdb'),
	"another role's clone: its owner over plain TCP is rejected",
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on database "cdb"');
sql_as_fails('cloner', 'SECURITY LABEL FOR secconn ON DATABASE cdb IS NULL',
	"the clone's owner removes the label",
	qr/must be superuser to set or remove a secconn policy/);

# A database copied from an unlabelled template has no label.
sql_as_ok('cloner', 'CREATE DATABASE plain_db', 'a database from template1');
is(db_label('plain_db'), '<none>', 'from the unlabelled template1: no label');
accept_ok($node, conn($node, user => 'cloner', db => 'plain_db'),
	'from the unlabelled template1: plain TCP admitted');

# ---- ALTER DATABASE / ALTER ROLE ... SET ----

foreach my $set (
	"ALTER DATABASE mdb SET secconn.mode = 'off'",
	"ALTER DATABASE mdb SET secconn.exempt_local = 'on'",
	"ALTER DATABASE mdb SET secconn.default_policy = ''",
	"ALTER ROLE mowner SET secconn.mode = 'off'")
{
	sql_as_fails('mowner', $set, "the owner runs $set");
}
reject_ok($node, conn($node, user => 'mowner', db => 'mdb'),
	'after the refused SETs: the owner over plain TCP is still rejected',
	req => 'ssl', had => $PLAIN_TCP);

# ---- a CREATEROLE role and a labelled group ----

sql_as_ok('admin', 'ALTER ROLE app RENAME TO app2', 'admin renames member app');
reject_ok($node, conn($node, user => 'app2'),
	'renamed member: the group policy follows it',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "secure"');
sql_as_ok('admin', 'ALTER ROLE secure RENAME TO secure2',
	'admin renames the labelled group');
reject_ok($node, conn($node, user => 'app2'),
	'renamed group: its policy stays in force',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "secure2"');

sql_as_fails('admin', 'REVOKE secure2 FROM app2',
	'admin revokes membership in the labelled group',
	qr/must be superuser to remove members from role "secure2"/);
sql_as_fails('admin', 'ALTER GROUP secure2 DROP USER app2',
	'admin drops a user from the labelled group',
	qr/must be superuser to remove members from role "secure2"/);
sql_as_fails('admin', 'REVOKE mid FROM app_mid',
	'admin revokes membership in a group inside the labelled group',
	qr/must be superuser to remove members from role "mid"/);
sql_as_fails('admin', 'DROP ROLE secure2',
	'admin drops the labelled group while it has members',
	qr/must be superuser to drop role "secure2"/);
sql_as_fails('admin', 'DROP ROLE mid',
	'admin drops a group inside the labelled group',
	qr/must be superuser to drop role "mid"/);
reject_ok($node, conn($node, user => 'app2'),
	'after the refused REVOKE / DROP: the policy still applies',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "secure2"');
reject_ok($node, conn($node, user => 'app_mid'),
	'after the refused REVOKE / DROP: the policy still reaches app_mid',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "secure2"');

# What stays allowed: dropping a member (it only affects itself), and
# anything a superuser does.
sql_as_ok('admin', 'DROP ROLE leaf', 'admin drops a member of the labelled group');
sql_output($node, 'REVOKE secure2 FROM app2');
accept_ok($node, conn($node, user => 'app2'),
	'a superuser revoked the membership: plain TCP admitted');

# ---- DROP EXTENSION ... CASCADE ----

sql_output($node, 'DROP EXTENSION secconn CASCADE');
reject_ok($node, conn($node, user => 'mowner', db => 'mdb'),
	'after DROP EXTENSION secconn CASCADE: still enforced',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on database "mdb"');

check_no_crash($node);
$node->stop;
done_testing();
