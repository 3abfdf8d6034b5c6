
# Copyright (c) secconn developers
#
# The first connections after a restart, when the shared relcache is cold
# (no global/pg_internal.init yet): the hook must read the labels then too,
# without locking everyone out.  And replication connections (walsenders):
# their policy is enforced like any other.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

# No autovacuum and no logical replication launcher: nothing but the test's
# own connections may build the shared relcache init file after a start.
my $node = new_node(
	'restart',
	allows_streaming => 1,
	extra_conf => "autovacuum = off\nmax_logical_replication_workers = 0\n",
	hba => [
		'local all all trust',
		'hostssl replication rep 127.0.0.1/32 scram-sha-256',
		'host replication rep 127.0.0.1/32 scram-sha-256',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($node, qq{
CREATE ROLE r_plain LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_ssl LOGIN PASSWORD '$PASSWORD';
CREATE ROLE grp NOLOGIN;
CREATE ROLE r_member LOGIN PASSWORD '$PASSWORD' IN ROLE grp;
CREATE ROLE rep LOGIN REPLICATION PASSWORD '$PASSWORD';
CREATE DATABASE d_ssl;
});
label($node, ROLE => 'r_ssl', 'ssl');
label($node, ROLE => 'grp', 'min_tls=TLSv1.3');
label($node, ROLE => 'rep', 'ssl');
label($node, DATABASE => 'd_ssl', 'ssl');

my $init_file = $node->data_dir . '/global/pg_internal.init';

# The checks made right after each start.  The first one is a violator, as
# a connection that dies in the hook is what could leave a half-built cache.
sub after_start
{
	my ($when) = @_;

	reject_ok(
		$node,
		conn($node, user => 'r_ssl'),
		"$when: first connection, a violator, rejected by secconn",
		req => 'ssl',
		had => $PLAIN_TCP,
		source => 'the label on role "r_ssl"',
		role => 'r_ssl',
		db => 'postgres',
		log_unlike => [
			qr/cannot read pg_class|could not evaluate|could not open relation/
		]);
	accept_ok($node, conn($node, user => 'r_ssl', sslmode => 'require'),
		"$when: compliant TLS client accepted");
	reject_ok(
		$node,
		conn($node, user => 'r_member'),
		"$when: group label still read: plain TCP rejected",
		req => 'min_tls=TLSv1.3',
		had => $PLAIN_TCP,
		source => 'the label on role "grp"');
	reject_ok(
		$node,
		conn($node, user => 'r_plain', db => 'd_ssl'),
		"$when: database label still read: plain TCP rejected",
		req => 'ssl',
		had => $PLAIN_TCP,
		source => 'the label on database "d_ssl"');
	accept_ok($node, conn($node, user => 'r_plain', db => 'd_ssl', sslmode => 'require'),
		"$when: database label: TLS accepted");
	accept_ok($node, conn($node, user => 'r_plain'),
		"$when: role without policy accepted");
	accept_ok($node, conn($node, via => 'unix'),
		"$when: superuser over the Unix socket accepted");
	return;
}

# ---- plain restart ----
$node->restart;
after_start('after restart');

# ---- cold shared relcache: remove the init file before starting ----
$node->stop;
unlink $init_file;
ok(!-e $init_file, 'global/pg_internal.init removed');
$node->start;
ok(!-e $init_file,
	'global/pg_internal.init still absent before the first connection');
after_start('after start without pg_internal.init');

# Same, with the compliant client first.
$node->stop;
unlink $init_file;
$node->start;
accept_ok($node, conn($node, user => 'r_ssl', sslmode => 'require'),
	'cold cache: first connection, compliant, accepted');
reject_ok($node, conn($node, user => 'r_ssl'),
	'cold cache: then a violator rejected',
	req => 'ssl', had => $PLAIN_TCP);

# ---- replication connections ----
reject_ok(
	$node,
	conn($node, user => 'rep', extra => 'replication=true'),
	'replication connection without TLS rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "rep"',
	log_like =>
	  [qr/replication connection of role "rep" from 127\.0\.0\.1\./i]);
accept_ok(
	$node,
	conn($node, user => 'rep', sslmode => 'require', extra => 'replication=true'),
	'replication connection with TLS accepted',
	sql => 'IDENTIFY_SYSTEM',
	expected_stdout => qr/^\d+\|1\|/);

# And after a restart, a replication connection first.
$node->stop;
unlink $init_file;
$node->start;
reject_ok(
	$node,
	conn($node, user => 'rep', extra => 'replication=true'),
	'cold cache: replication connection without TLS rejected',
	req => 'ssl',
	had => $PLAIN_TCP);
accept_ok(
	$node,
	conn($node, user => 'rep', sslmode => 'require', extra => 'replication=true'),
	'cold cache: replication connection with TLS accepted',
	sql => 'IDENTIFY_SYSTEM',
	expected_stdout => qr/^\d+\|1\|/);

check_no_crash($node);
$node->stop;
done_testing();
