
# Copyright (c) secconn developers
#
# The policy cache on a hot standby (src/standby.c): a standby serves
# compliant connections from the fast path (counted in the standby's
# secconn_stats.policy_cache_hits), and never a stale allow.  For each kind
# of change committed on the primary -- a label on a role, on a group, on a
# database, GRANT into a labelled group, DROP and CREATE of a role, ALTER
# ROLE RENAME, ALTER DATABASE RENAME -- the (role, database) is first
# cached on the standby and served from the cache, then the change is made
# on the primary, which returns only once the standby has replayed it
# (synchronous_commit = remote_apply; the primary's view of the standby's
# replay position is checked too), and the very next connection to the
# standby must be judged by the new policy; once more with the standby's
# worker stopped (SIGSTOP), so that nothing on the standby has read the
# invalidations when the connection comes.  Nothing on the standby runs a
# query between the replay and that connection: a standby session that
# read the invalidations itself would hide a defect.  After promotion the
# cache keeps working, and entries the standby filled are not served.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;


my $primary = new_node(
	'sb_primary',
	allows_streaming => 1,
	extra_conf => "autovacuum = off\nmax_logical_replication_workers = 0\n",
	hba => [
		'local all all trust',
		# pg_basebackup and streaming, as the bootstrap superuser
		'local replication all trust',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($primary, qq{
CREATE EXTENSION secconn;
CREATE ROLE grp_s NOLOGIN;
CREATE ROLE grp_m NOLOGIN;
CREATE ROLE s_a LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_m LOGIN PASSWORD '$PASSWORD' IN ROLE grp_m;
CREATE ROLE s_g LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_r LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_x LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_y LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_d LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_p LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_w LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_k LOGIN PASSWORD '$PASSWORD';
CREATE ROLE s_probe LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE s_db;
CREATE DATABASE s_db2;
});
label($primary, ROLE => 'grp_s', 'ssl');
label($primary, ROLE => 's_k', 'auth=scram-sha-256');
label($primary, ROLE => 's_y', 'ssl');
label($primary, DATABASE => 's_db2', 'ssl');

$primary->backup('bk');
my $standby = PostgreSQL::Test::Cluster->new('sb_standby');
$standby->init_from_backup($primary, 'bk', has_streaming => 1);
$standby->append_conf('postgresql.conf', "autovacuum = off\n");
$standby->start;

# Every commit on the primary now waits until the standby has applied it.
$primary->append_conf('postgresql.conf', qq{
synchronous_standby_names = 'sb_standby'
synchronous_commit = remote_apply
});
reload_and_wait($primary);
$primary->poll_query_until('postgres',
	q{SELECT sync_state = 'sync' FROM pg_stat_replication WHERE application_name = 'sb_standby'})
  or die 'the standby is not synchronous';

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'the standby is in recovery');
ok( $standby->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'secconn standby'}),
	'the standby runs the secconn standby worker');
is($primary->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'secconn standby'}),
	'0', 'the primary runs no secconn standby worker');

# A change on the primary, then the standby's replay of it, as the primary
# sees it (the commit itself already waited for the standby's apply).
sub on_primary
{
	my ($sql) = @_;
	sql_output($primary, $sql);
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	return;
}

my $node = $standby;
my $mon = $node->background_psql('postgres');

sub hits
{
	return bg_query($mon, 'SELECT policy_cache_hits FROM secconn_stats');
}

# A compliant connection fills the standby's cache, and a later one must be
# served from it.  WAL that the primary writes on its own (a standby
# snapshot every 15 s) moves the replay position, and the standby declines
# the fast path until its worker has caught up with it: so up to ten
# attempts, each one admitted.
sub warm
{
	my ($connstr, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $before = hits();
	accept_ok($node, $connstr, "$name: admitted (fills the cache)");
	my $tries = 0;
	while (hits() == $before && $tries < 10)
	{
		accept_ok($node, $connstr, "$name: admitted again");
		$tries++;
	}
	ok(hits() > $before, "$name: served from the cache on " . $node->name);
	return;
}

# ---- a label set on a cached role, then removed ----
warm(conn($node, user => 's_a'), 'unlabelled role');
on_primary(q{SECURITY LABEL FOR secconn ON ROLE s_a IS 'ssl'});
reject_ok($node, conn($node, user => 's_a'),
	'label set on the primary: plain TCP rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "s_a"');
warm(conn($node, user => 's_a', sslmode => 'require'), 'labelled role over TLS');
on_primary(q{SECURITY LABEL FOR secconn ON ROLE s_a IS 'ssl min_tls=TLSv1.3'});
reject_ok($node, conn($node, user => 's_a', sslmode => 'require',
		extra => 'ssl_max_protocol_version=TLSv1.2'),
	'label made stricter on the primary: TLSv1.2 rejected on the standby at once',
	req => 'min_tls=TLSv1.3', had => qr/the connection uses TLSv1\.2 with /,
	source => 'the label on role "s_a"');
on_primary(q{SECURITY LABEL FOR secconn ON ROLE s_a IS NULL});
accept_ok($node, conn($node, user => 's_a'),
	'label removed on the primary: plain TCP admitted on the standby at once');

# ---- a label on a group ----
warm(conn($node, user => 's_m'), 'member of an unlabelled group');
on_primary(q{SECURITY LABEL FOR secconn ON ROLE grp_m IS 'ssl'});
reject_ok($node, conn($node, user => 's_m'),
	'label set on a group on the primary: member rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_m"');

# ---- membership ----
warm(conn($node, user => 's_g'), 'role outside the labelled group');
on_primary('GRANT grp_s TO s_g');
reject_ok($node, conn($node, user => 's_g'),
	'GRANT into a labelled group on the primary: rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_s"');

# ---- roles: DROP and CREATE under the same name, RENAME ----
warm(conn($node, user => 's_r'), 'role about to be dropped');
on_primary(qq{DROP ROLE s_r; CREATE ROLE s_r LOGIN PASSWORD '$PASSWORD' IN ROLE grp_s});
reject_ok($node, conn($node, user => 's_r'),
	'role re-created in a labelled group on the primary: rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_s"');

warm(conn($node, user => 's_x'), 'unlabelled role about to be renamed');
on_primary('ALTER ROLE s_x RENAME TO s_x_old; ALTER ROLE s_y RENAME TO s_x');
reject_ok($node, conn($node, user => 's_x'),
	'name taken over by a labelled role on the primary: rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "s_x"');

# ---- databases: a label, a RENAME ----
warm(conn($node, user => 's_d', db => 's_db'), 'unlabelled database');
on_primary(q{SECURITY LABEL FOR secconn ON DATABASE s_db IS 'ssl'});
reject_ok($node, conn($node, user => 's_d', db => 's_db'),
	'database label set on the primary: rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on database "s_db"');
on_primary(q{SECURITY LABEL FOR secconn ON DATABASE s_db IS NULL});
warm(conn($node, user => 's_d', db => 's_db'), 'database label removed');
on_primary('ALTER DATABASE s_db RENAME TO s_db_old; ALTER DATABASE s_db2 RENAME TO s_db');
reject_ok($node, conn($node, user => 's_d', db => 's_db'),
	'name taken over by a labelled database on the primary: rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on database "s_db"');

# ---- the window between the replay and the worker's round ----
# The worker is stopped (SIGSTOP): replay goes on without it, so the
# invalidations of the change are read by no standby process.  The fast
# path must see that the replay position is not covered and decline.
my $worker_pid = $standby->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'secconn standby'});
like($worker_pid, qr/^\d+$/, 'the worker has a pid');
warm(conn($node, user => 's_w'), 'role cached before the worker stops');
ok(kill('STOP', $worker_pid), 'the worker is stopped');
on_primary(q{SECURITY LABEL FOR secconn ON ROLE s_w IS 'ssl'});
reject_ok($node, conn($node, user => 's_w'),
	'label replayed while the worker is stopped: rejected on the standby at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "s_w"');
accept_ok($node, conn($node, user => 's_w', sslmode => 'require'),
	'while the worker is stopped: compliant connection admitted (full check)');
ok(kill('CONT', $worker_pid), 'the worker runs again');
warm(conn($node, user => 's_w', sslmode => 'require'), 'after the worker runs again');

# ---- a label change that sends no invalidation message ----
# A primary running an older secconn, WAL it wrote before its upgrade (a
# lagging standby), or a direct write to pg_shseclabel change a label with
# no invalidation at all; the worker's fingerprint of pg_shseclabel must
# still see it.  A second cached role shows when the worker has covered the
# replayed write (it is served from the cache again), so that s_k's stale
# entry, if it were still valid, would be served.
warm(conn($node, user => 's_k'), 'role whose label plain TCP meets');
warm(conn($node, user => 's_probe'), 'probe role');
on_primary(q{SET allow_system_table_mods = on;
UPDATE pg_shseclabel SET label = 'ssl'
 WHERE provider = 'secconn' AND objoid = 's_k'::regrole});
is($standby->safe_psql('postgres',
		q{SELECT label FROM pg_shseclabel WHERE objoid = 's_k'::regrole}),
	'ssl', 'the direct write to pg_shseclabel is replayed on the standby');
{
	my $before = hits();
	my $tries = 0;
	while (hits() == $before && $tries < 50)
	{
		my ($ret) = $node->psql('postgres', 'SELECT 1',
			connstr => conn($node, user => 's_probe'));
		last if $ret != 0;
		$tries++;
	}
	ok(hits() > $before,
		'the worker has covered the replayed write (the probe role is served from the cache again)');
}
reject_ok($node, conn($node, user => 's_k'),
	'label changed with no invalidation: plain TCP rejected on the standby',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "s_k"');

# ---- the hook-time histograms agree with the counters, and reset ----
my ($hit_total, $miss_total, $hits, $checked) = split /\|/, bg_query($mon, q{
SELECT (SELECT max(cumulative) FROM secconn_hook_histogram WHERE path = 'hit'),
       (SELECT max(cumulative) FROM secconn_hook_histogram WHERE path = 'miss'),
       policy_cache_hits, checked FROM secconn_stats});
ok($hits > 0, 'the standby counted cache hits');
is($hit_total, $hits, 'hit histogram: one count per cache hit');
is($hit_total + $miss_total, $checked, 'hit + miss histograms: one count per check');
bg_query($mon, 'SELECT secconn_stats_reset()');
is(bg_query($mon, 'SELECT sum(count) || \' \' || sum(sum_us) FROM secconn_hook_histogram'),
	'0 0', 'secconn_stats_reset() empties the histograms');

# ---- promotion ----
warm(conn($node, user => 's_p'), 'cached before the promotion');
$mon->quit;
$primary->stop;
$standby->promote;
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	'f', 'the standby is promoted');
ok( $standby->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'secconn standby'}),
	'the secconn standby worker has exited after the promotion');
$mon = $node->background_psql('postgres');
my $before = hits();
accept_ok($node, conn($node, user => 's_p'), 'after the promotion: admitted');
is(hits(), $before, 'an entry filled during recovery is not served after the promotion');
warm(conn($node, user => 's_p'), 'after the promotion');
label($node, ROLE => 's_p', 'ssl');
reject_ok($node, conn($node, user => 's_p'),
	'label set on the promoted node: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "s_p"');

$mon->quit;
check_no_crash($standby);
check_no_crash($primary);
$standby->stop;
done_testing();
