
# Copyright (c) secconn developers
#
# Issue 9, item 5: a label on pg_database_owner applies to a connection
# whose role owns the database it connects to (or is a member of the role
# that owns it, as core counts pg_database_owner membership), and to no
# other connection; the policy cache's fast path honours it too, also
# when the label or the owner changes while the cache is warm.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

# No autovacuum and no logical replication launcher, whose transactions
# would empty the policy cache at random moments (see 106_policy_cache.pl).
my $node = new_node('attack_db_owner',
	extra_conf => "autovacuum = off\nmax_logical_replication_workers = 0\n");

sql_output($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE downer LOGIN PASSWORD '$PASSWORD';
CREATE ROLE other LOGIN PASSWORD '$PASSWORD';
CREATE ROLE g_owner NOLOGIN;
CREATE ROLE m LOGIN PASSWORD '$PASSWORD' IN ROLE g_owner;
CREATE DATABASE ddb OWNER downer;
CREATE DATABASE gdb OWNER g_owner;
});

my $mon = $node->background_psql('postgres');

sub hits
{
	return bg_query($mon, 'SELECT policy_cache_hits FROM secconn_stats');
}

my $owner_label = 'the label on role "pg_database_owner"';

# Two compliant connections; the second must take the fast path.
sub warm
{
	my ($connstr, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $before = hits();
	accept_ok($node, $connstr, "$name: admitted (fills the cache)");
	accept_ok($node, $connstr, "$name: admitted again");
	is(hits() - $before, 1, "$name: the second connection took the fast path");
	return;
}

# The owner's entry is warm before the label exists.
warm(conn($node, user => 'downer', db => 'ddb'), 'owner, no label yet');

label($node, ROLE => 'pg_database_owner', 'ssl');
hits();    # take in the label's invalidation

reject_ok(
	$node,
	conn($node, user => 'downer', db => 'ddb'),
	'pg_database_owner ssl: the owner over plain TCP is rejected (warm cache)',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => $owner_label,
	role => 'downer',
	db => 'ddb');
reject_ok(
	$node,
	conn($node, user => 'downer', db => 'ddb'),
	'pg_database_owner ssl: the owner over plain TCP is rejected again',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => $owner_label);
warm(conn($node, user => 'downer', db => 'ddb', sslmode => 'require'),
	'pg_database_owner ssl: the owner over TLS');

# Not the owner of the database it connects to: unaffected, both paths.
warm(conn($node, user => 'other', db => 'ddb'),
	'pg_database_owner ssl: a non-owner of ddb over plain TCP');
warm(conn($node, user => 'downer', db => 'postgres'),
	'pg_database_owner ssl: the owner of ddb connecting to postgres');

# A member of the owning role is a member of pg_database_owner.
reject_ok(
	$node,
	conn($node, user => 'm', db => 'gdb'),
	'pg_database_owner ssl: a member of the owning role is rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => $owner_label,
	role => 'm');
accept_ok($node, conn($node, user => 'm', db => 'gdb', sslmode => 'require'),
	'pg_database_owner ssl: a member of the owning role over TLS is admitted');

# The owner changes while both entries are warm: the new owner is bound,
# the old one freed.
sql_output($node, 'ALTER DATABASE ddb OWNER TO other');
hits();
reject_ok(
	$node,
	conn($node, user => 'other', db => 'ddb'),
	'after ALTER DATABASE OWNER: the new owner over plain TCP is rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => $owner_label,
	role => 'other');
warm(conn($node, user => 'downer', db => 'ddb'),
	'after ALTER DATABASE OWNER: the old owner over plain TCP');

# The label removed: the owner is free again.
label($node, ROLE => 'pg_database_owner', undef);
hits();
warm(conn($node, user => 'other', db => 'ddb'),
	'pg_database_owner label removed: the owner over plain TCP');

$mon->quit;
check_no_crash($node);
$node->stop;
done_testing();
