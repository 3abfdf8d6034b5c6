
# Copyright (c) secconn developers
#
# Streaming replication.  Labels live in pg_shseclabel, a shared catalog,
# so they reach a standby through WAL like any other catalog change: set
# on the primary, they are enforced on the standby once replayed, and so is
# their removal.  And the standby's own replication connection is a
# connection to the primary like any other: held to its role's policy
# (here 'ssl'), it is rejected over plain TCP and streams over TLS; a
# stricter policy refuses the next reconnection without cutting the running
# stream.  A logical replication connection meets its database's label.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;


my $primary = new_node(
	'primary',
	allows_streaming => 1,
	hba => [
		'local all all trust',
		# pg_basebackup, as the bootstrap superuser over the Unix socket
		'local replication all trust',
		'host replication rep 127.0.0.1/32 scram-sha-256',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($primary, qq{
CREATE ROLE rep LOGIN REPLICATION PASSWORD '$PASSWORD';
CREATE ROLE rep_logical LOGIN REPLICATION PASSWORD '$PASSWORD';
CREATE ROLE r_app LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_other LOGIN PASSWORD '$PASSWORD';
CREATE ROLE grp NOLOGIN;
CREATE ROLE r_member LOGIN PASSWORD '$PASSWORD' IN ROLE grp;
CREATE DATABASE d_app;
CREATE EXTENSION secconn;
});
label($primary, ROLE => 'rep', 'ssl');

# The standby is a copy of the primary's data directory, configuration
# included: TLS, the certificates (absolute paths), shared_preload_libraries
# and pg_hba.conf come with the backup.
$primary->backup('bk');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'bk', has_streaming => 1);

# Stream over TCP as the labelled replication role instead of the Unix
# socket that init_from_backup sets up (the socket would be exempt from
# 'ssl'): first without TLS, which secconn must refuse.
sub primary_conninfo
{
	my ($sslmode) = @_;
	my $c = certs();
	return
	    "host=127.0.0.1 port="
	  . $primary->port
	  . " user=rep password=$PASSWORD application_name=standby sslmode=$sslmode"
	  . " sslrootcert=$c->{ca_crt} sslcert=$c->{dir}/none.crt sslkey=$c->{dir}/none.key";
}
$standby->append_conf('postgresql.conf', qq{
primary_conninfo = '@{[primary_conninfo('disable')]}'
# retry quickly after a rejected attempt
wal_retrieve_retry_interval = '200ms'
});

my $offset = -s $primary->logfile;
$standby->start;

is($standby->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'secconn', 'standby: secconn preloaded (from the backup)');
is($standby->safe_psql('postgres', 'SHOW ssl'), 'on', 'standby: TLS on (from the backup)');
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'standby is in recovery');

# ---- the replication connection over plain TCP is rejected ----
$offset = log_wait_ok(
	$primary,
	qr/FATAL:  connection rejected by secconn policy\n(?:.*\n)*?.*DETAIL:  Requirement "ssl" is not met: \Q$PLAIN_TCP\E\.(?:.*\n)*?.*Physical replication connection of role "rep" from 127\.0\.0\.1\./,
	$offset,
	'primary log: secconn rejected the standby\'s plain-TCP replication connection');
like(slurp_file($primary->logfile), qr/ 28000 rep\@\S* FATAL:  connection rejected by secconn policy/,
	'primary log: SQLSTATE 28000, role rep');
log_wait_ok($standby, qr/connection rejected by secconn policy/, 0,
	'standby log: its walreceiver was told why');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM pg_stat_replication'),
	'0', 'primary: nothing streams');

# ---- with sslmode=require it streams ----
$standby->append_conf('postgresql.conf',
	"primary_conninfo = '@{[primary_conninfo('require')]}'");
$standby->reload;
my $target_lsn = $primary->lsn('insert');
$primary->wait_for_catchup($standby, 'replay', $target_lsn);
is($standby->safe_psql('postgres', "SELECT pg_last_wal_replay_lsn() >= '$target_lsn'::pg_lsn"),
	't', 'standby caught up over TLS');
is( $primary->safe_psql(
		'postgres', q{
SELECT r.usename, s.ssl, r.state
  FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)}),
	'rep|t|streaming',
	'primary: the walsender is role rep, over TLS, streaming');
is( $primary->safe_psql(
		'postgres', q{
SELECT usename, transport, compliant
  FROM secconn_connections WHERE backend_type = 'walsender'}),
	'rep|tls|t',
	'primary: secconn_connections shows the walsender, compliant');

# ---- labels set on the primary are enforced on the standby ----
accept_ok($standby, conn($standby, user => 'r_app'),
	'standby: r_app unlabelled: plain TCP accepted');

label($primary, ROLE => 'r_app', 'ssl');
label($primary, ROLE => 'grp', 'min_tls=TLSv1.3');
label($primary, DATABASE => 'd_app', 'ssl');
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

my $policies_sql =
  'SELECT object_type, object_name, policy FROM secconn_policies ORDER BY 1, 2';
is($standby->safe_psql('postgres', $policies_sql),
	$primary->safe_psql('postgres', $policies_sql),
	'standby: secconn_policies as on the primary');

# The checks on the standby, run again after a restart below.
sub standby_enforces
{
	my ($when) = @_;
	labels_enforced(
		$standby, "standby$when, labels replayed",
		role => ['r_app'],
		group => [ 'r_member', 'grp' ],
		database => [ 'r_other', 'd_app' ]);
	return;
}
standby_enforces('');

# A logical replication connection (a database walsender, as a subscriber
# opens) is held to the database's label too; pg_hba.conf matches it by
# database name, not by the "replication" keyword.
reject_ok(
	$primary,
	conn($primary, user => 'rep_logical', db => 'd_app', extra => 'replication=database'),
	'primary: logical replication connection to a labelled database: plain TCP rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on database "d_app"',
	role => 'rep_logical',
	db => 'd_app');
accept_ok(
	$primary,
	conn(
		$primary,
		user => 'rep_logical',
		db => 'd_app',
		sslmode => 'require',
		extra => 'replication=database'),
	'primary: logical replication connection over TLS accepted',
	sql => 'IDENTIFY_SYSTEM',
	expected_stdout => qr/^\d+\|1\|[^|]+\|d_app$/);

# The first connections after a standby restart (cold caches, and a hot
# standby's catalog reads) see the labels too.
$standby->restart;
standby_enforces(' after restart');

# ---- a changed label ----
label($primary, ROLE => 'r_app', 'min_tls=TLSv1.3');
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
reject_ok(
	$standby,
	conn(
		$standby,
		user => 'r_app',
		sslmode => 'require',
		extra => 'ssl_max_protocol_version=TLSv1.2'),
	'standby: changed label replayed: TLSv1.2 now rejected',
	req => 'min_tls=TLSv1.3',
	had => qr/the connection uses TLSv1\.2 with /,
	source => 'the label on role "r_app"');

# ---- removed labels ----
label($primary, ROLE => 'r_app', undef);
label($primary, ROLE => 'grp', undef);
label($primary, DATABASE => 'd_app', undef);
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', $policies_sql),
	'role|rep|ssl', 'standby: removals replayed, only the label on rep is left');
accept_ok($standby, conn($standby, user => 'r_app'),
	'standby: role label removed: plain TCP accepted again');
accept_ok(
	$standby,
	conn(
		$standby,
		user => 'r_member',
		sslmode => 'require',
		extra => 'ssl_max_protocol_version=TLSv1.2'),
	'standby: group label removed: TLSv1.2 accepted again');
accept_ok($standby, conn($standby, user => 'r_other', db => 'd_app'),
	'standby: database label removed: plain TCP accepted again');

# ---- the replication role's policy is checked at each (re)connection ----
# A policy the standby's replication connection cannot meet (it presents no
# client certificate) does not cut the running stream: policies are checked
# when a connection is made.  The next connection is refused, and once the
# policy is lifted the standby reconnects by itself.
label($primary, ROLE => 'rep', 'ssl clientcert');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM pg_stat_replication'),
	'1', 'primary: the running stream is not cut by a label change');
$offset = -s $primary->logfile;
$primary->safe_psql('postgres',
	'SELECT pg_terminate_backend(pid) FROM pg_stat_replication');
$offset = log_wait_ok(
	$primary,
	qr/FATAL:  connection rejected by secconn policy\n(?:.*\n)*?.*Requirement "clientcert" is not met(?:.*\n)*?.*Physical replication connection of role "rep"/,
	$offset,
	'primary log: the reconnection without a client certificate was rejected');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM pg_stat_replication'),
	'0', 'primary: nothing streams while the policy is not met');

label($primary, ROLE => 'rep', 'ssl');
ok( $primary->poll_query_until(
		'postgres',
		q{SELECT count(*) = 1 FROM pg_stat_replication WHERE state = 'streaming'}),
	'the standby reconnected by itself once the policy was lifted');
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', $policies_sql),
	'role|rep|ssl', 'standby: caught up again');

check_no_crash($primary);
check_no_crash($standby);
$standby->stop;
$primary->stop;
done_testing();
