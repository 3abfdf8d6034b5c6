
# Copyright (c) secconn developers
#
# The connection storm (test/storm) in its short mode, against a node made
# by SecconnTest: a few hundred short connections from four concurrent
# client loops, compliant and violating, while labels and secconn.mode are
# rewritten and reloaded mid-storm (and the default policy too).  Every check the storm makes becomes a
# test here; then this file checks the essentials again on its own, from
# the outside: the postmaster is the same process, nothing crashed,
# secconn_stats (never reset here) counted exactly the rejections the
# clients saw, requirement by requirement, and no session is left in
# secconn_connections.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $storm = "$FindBin::RealBin/storm";
ok(-x $storm, 'test/storm is executable');

# The storm says which pg_hba.conf lines it needs (an md5 line for its
# MD5-secret role); the node starts with exactly those.
my ($hba_out, $hba_err) = ('', '');
IPC::Run::run([ 'bash', $storm, '--print-hba' ], '>', \$hba_out, '2>', \$hba_err)
  or BAIL_OUT("test/storm --print-hba failed: $hba_err");
my @hba = grep { /\S/ } split /\n/, $hba_out;

my $node = new_node('storm', hba => \@hba);
my $pg_config = $node->config_data('--bindir') . '/pg_config';

my $pidfile = $node->data_dir . '/postmaster.pid';
my ($pm_pid) = split /\n/, slurp_file($pidfile);
my $log_offset = -s $node->logfile;

# The storm's own files (client outputs, errors) stay in tmp_check for a
# look after a failure.
my $workdir = PostgreSQL::Test::Utils::tempdir('storm');
my $result_file = "$workdir/result";
my ($out, $err) = ('', '');
my @cmd = (
	'bash', $storm, '--attach', '--short',
	'--host' => $node->host,
	'--port' => $node->port,
	'--pgdata' => $node->data_dir,
	'--logfile' => $node->logfile,
	'--workdir' => $workdir,
	'--result' => $result_file);
note 'running: ' . join(' ', @cmd);
my $started = time;
# The storm bounds itself (--short: 45 s for the phases); the harness's
# timer is only the last resort.
local $ENV{PG_CONFIG} = $pg_config;
my $ran = IPC::Run::run(\@cmd, '<', \undef, '>', \$out, '2>', \$err,
	IPC::Run::timeout(300));
note "storm output:\n$out";
diag "storm stderr:\n$err" if $err ne '';
ok($ran, 'test/storm --attach --short exits 0')
  or diag "exit status $?; output:\n$out";
note 'storm took ' . (time - $started) . ' s';

# ---- the storm's own checks, one test each ----
my @checks = $out =~ /^check (.+): (ok|FAIL.*)$/mg;
my $nchecks = @checks / 2;
cmp_ok($nchecks, '>=', 60, "the storm reported its checks ($nchecks)");
while (my ($name, $verdict) = splice(@checks, 0, 2))
{
	is($verdict, 'ok', "storm: $name");
}
like($out, qr/^storm: PASS /m, 'the storm says PASS');

# ---- the storm's client-side counts ----
my %phase;
foreach my $line (split /\n/, slurp_file($result_file))
{
	my %kv = $line =~ /(\w+)=(\S+)/g;
	$phase{ $kv{phase} } = \%kv if defined $kv{phase};
}
ok(exists $phase{$_}, "result has the $_ phase")
  foreach qw(enforce warn mixed rounds total);

# Every rejection the clients saw over the whole run (first and last
# rounds included), in total and per requirement keyword.
my %client = (rejected => 0);
foreach my $p (qw(enforce warn mixed rounds))
{
	$client{rejected} += $phase{$p}{rejected_clients} // 0;
	$client{$_} += $phase{$p}{"kinds_$_"} // 0
	  foreach qw(ssl min_tls cipher auth clientcert);
	is($phase{$p}{errors}, 0, "$p: no client failed for another reason");
}
cmp_ok($phase{total}{attempts}, '>=', 300, 'a few hundred connections in the phases');
cmp_ok($client{rejected}, '>', 0, 'some connections were rejected');
cmp_ok($phase{total}{admitted}, '>', 0, 'some connections were admitted');
cmp_ok($phase{total}{mode_changes}, '>=', 3, 'the mode changed mid-storm');
cmp_ok($phase{total}{flips}, '>=', 10, 'labels were rewritten mid-storm');
cmp_ok($phase{total}{default_changes}, '>=', 2, 'the default policy changed mid-storm');

# ---- independent checks against the node ----
my ($pm_pid_after) = split /\n/, slurp_file($pidfile);
is($pm_pid_after, $pm_pid, 'postmaster pid unchanged');

# The counters since the node started: this file never resets them, and
# nothing but the storm's clients was rejected on this node.
my %stats;
@stats{qw(checked accepted warned rejected ssl min_tls cipher auth clientcert)} =
  split /\|/,
  $node->safe_psql('postgres',
	'SELECT checked, accepted, warned, rejected, rejected_ssl, rejected_min_tls,
	        rejected_cipher, rejected_auth, rejected_clientcert FROM secconn_stats');
is($stats{rejected}, $client{rejected},
	'secconn_stats.rejected = every rejection the clients saw');
is($stats{$_}, $client{$_}, "secconn_stats.rejected_$_ = clients told '$_'")
  foreach qw(ssl min_tls cipher auth clientcert);
is($stats{checked}, $stats{accepted} + $stats{warned} + $stats{rejected},
	'secconn_stats: checked = accepted + warned + rejected');
# Admitted connections the counters missed are exactly those of mode off.
cmp_ok($stats{accepted} + $stats{warned}, '>=',
	$phase{enforce}{admitted} + $phase{warn}{admitted} + $phase{rounds}{admitted},
	'secconn_stats counted every admission outside mode off');

is( $node->safe_psql(
		'postgres',
		'SELECT count(*) FROM secconn_connections WHERE pid <> pg_backend_pid()'),
	'0',
	'secconn_connections: no row but this session');
is( $node->safe_psql(
		'postgres',
		'SELECT count(*) FROM secconn_connection_slots() WHERE pid <> pg_backend_pid()'),
	'0',
	'no slot left behind by an exited backend');
is($node->safe_psql('postgres', 'SHOW secconn.mode'),
	'enforce', 'secconn.mode is back to enforce');
is($node->safe_psql('postgres', 'SHOW secconn.default_policy'),
	'', 'secconn.default_policy is back to none');

my $log = slurp_file($node->logfile, $log_offset);
unlike($log, qr/server process .* was terminated/, 'log: no "server process ... was terminated"');
unlike($log, qr/PANIC:|TRAP:|all server processes terminated/,
	'log: no PANIC, assertion failure or reinitialisation');
check_no_crash($node);

# And enforcement still works for a plain client as usual afterwards.
reject_ok(
	$node,
	conn($node, user => 'st_ssl', password => 'storm-pw'),
	'after the storm: plain TCP still rejected for st_ssl',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "st_ssl"');

$node->stop;
done_testing();
