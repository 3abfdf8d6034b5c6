
# Copyright (c) secconn developers
#
# secconn_rejections and secconn_stats against the rejections and warnings
# this test provokes, one of each requirement: exact counters, the ring
# before and after it wraps past a small secconn.history_size, a policy that
# cannot be evaluated, secconn_stats_reset(), warn and off modes, and who
# may read and reset.  Every check is read from one session kept open, so
# that the test's own connections are counted only where it says so.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node(
	'views_history',
	extra_conf => "secconn.history_size = 4\n",
	hba => [
		'local all all trust',
		'host all r_auth 127.0.0.1/32 md5',
		'host all r_two 127.0.0.1/32 md5',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE r_ssl LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_tls13 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_strong LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_cc LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_warn LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_ok LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_broken LOGIN PASSWORD '$PASSWORD';
SET password_encryption = 'md5';
CREATE ROLE r_auth LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_two LOGIN PASSWORD '$PASSWORD';
RESET password_encryption;
CREATE ROLE r_mon LOGIN IN ROLE pg_monitor;
CREATE ROLE r_nobody LOGIN;
});
label($node, ROLE => 'r_ssl', 'ssl');
label($node, ROLE => 'r_tls13', 'min_tls=TLSv1.3');
label($node, ROLE => 'r_strong', 'cipher=strong');
label($node, ROLE => 'r_auth', 'auth=scram-sha-256');
label($node, ROLE => 'r_cc', 'clientcert');
label($node, ROLE => 'r_two', 'ssl auth=scram-sha-256');
label($node, ROLE => 'r_warn', 'ssl mode=warn');
label($node, ROLE => 'r_broken', 'ssl');
# A label that no longer parses (as after a restore on a server whose
# OpenSSL lacks a cipher): the hook cannot evaluate it and fails closed.
sql_output($node, q{
UPDATE pg_shseclabel SET label = 'ssl bogus'
 WHERE provider = 'secconn'
   AND objoid = (SELECT oid FROM pg_roles WHERE rolname = 'r_broken')});

my $tls12 = openssl_conf('AES128-SHA', 'TLSv1.2');

# The session every check is read from, opened before the counting starts.
my $mon = $node->background_psql('postgres');

my @counter_columns = qw(checked accepted warned rejected rejected_ssl
  rejected_min_tls rejected_cipher rejected_auth rejected_clientcert);

sub stats
{
	my $line = bg_query($mon, 
		"SELECT concat_ws(' ', " . join(', ', @counter_columns) . ') FROM secconn_stats');
	my %s;
	@s{@counter_columns} = split / /, $line;
	return \%s;
}

sub stats_is
{
	my ($expected, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my %want = map { $_ => 0 } @counter_columns;
	%want = (%want, %$expected);
	is_deeply(stats(), \%want, $name);
	return;
}

# The ring, oldest first, one line per event.
my $ring_sql = q{
SELECT concat_ws(' ', seq, usename, coalesce(datname, '-'),
       coalesce(host(client_addr), '-'), transport,
       coalesce(tls_version, '-'), coalesce(cipher, '-'),
       coalesce(auth_method, '-'), coalesce(auth_mechanism, '-'),
       action, violations)
  FROM secconn_rejections};

sub ring
{
	return [ split /\n/, bg_query($mon, $ring_sql) ];
}

bg_query($mon, 'SELECT secconn_stats_reset()');
stats_is({}, 'after a reset every counter is 0');
is_deeply(ring(), [], 'no rejection yet');

# ------------------------------------------------------------------
# One rejection per requirement
# ------------------------------------------------------------------

reject_ok($node, conn($node, user => 'r_ssl'), 'r_ssl plain TCP (1)',
	req => 'ssl', had => $PLAIN_TCP);
reject_ok($node, conn($node, user => 'r_ssl'), 'r_ssl plain TCP (2)',
	req => 'ssl', had => $PLAIN_TCP);
{
	local $ENV{OPENSSL_CONF} = $tls12;
	reject_ok($node, conn($node, user => 'r_tls13', sslmode => 'require'),
		'r_tls13 on TLS 1.2',
		req => 'min_tls=TLSv1.3', had => 'the connection uses TLSv1.2 with AES128-SHA');
	reject_ok($node, conn($node, user => 'r_strong', sslmode => 'require'),
		'r_strong with AES128-SHA',
		req => 'cipher=strong',
		had => 'the connection uses TLSv1.2 with AES128-SHA, which is not a strong cipher');
}

my $t = '127.0.0.1';
is_deeply(
	ring(),
	[
		"1 r_ssl postgres $t plain - - scram-sha-256 scram-sha-256 rejected {ssl}",
		"2 r_ssl postgres $t plain - - scram-sha-256 scram-sha-256 rejected {ssl}",
		"3 r_tls13 postgres $t tls TLSv1.2 AES128-SHA scram-sha-256 scram-sha-256 rejected {min_tls}",
		"4 r_strong postgres $t tls TLSv1.2 AES128-SHA scram-sha-256 scram-sha-256 rejected {cipher}",
	],
	'secconn_rejections: the first four rejections, oldest first');

reject_ok($node, conn($node, user => 'r_auth'), 'r_auth with md5',
	req => 'auth=scram-sha-256', had => 'the session authenticated with md5');
reject_ok($node, conn($node, user => 'r_cc', sslmode => 'require'),
	'r_cc without a certificate',
	req => 'clientcert', had => 'the client presented no certificate');
reject_ok($node, conn($node, user => 'r_two'), 'r_two: plain TCP with md5',
	req => 'ssl', had => $PLAIN_TCP,
	more => [ [ 'auth=scram-sha-256', 'the session authenticated with md5' ] ]);
warn_ok($node, conn($node, user => 'r_warn'), 'r_warn: mode=warn label',
	req => 'ssl', had => $PLAIN_TCP);
accept_ok($node, conn($node, user => 'r_ok'), 'r_ok accepted (1)');
accept_ok($node, conn($node, user => 'r_ok'), 'r_ok accepted (2)');
connect_fails_ok($node,
	conn($node, user => 'r_broken'),
	'r_broken: label cannot be evaluated, rejected',
	expected_stderr => qr/connection rejected: secconn could not evaluate its policy/);

stats_is(
	{
		checked => 11,
		accepted => 2,
		warned => 1,
		rejected => 8,
		rejected_ssl => 3,
		rejected_min_tls => 1,
		rejected_cipher => 1,
		rejected_auth => 2,
		rejected_clientcert => 1,
	},
	'secconn_stats: exactly the connections this test made');

is_deeply(
	ring(),
	[
		"6 r_cc postgres $t tls TLSv1.3 TLS_AES_256_GCM_SHA384 scram-sha-256 scram-sha-256 rejected {clientcert}",
		"7 r_two postgres $t plain - - md5 md5 rejected {ssl,auth}",
		"8 r_warn postgres $t plain - - scram-sha-256 scram-sha-256 warned {ssl}",
		"9 r_broken postgres $t plain - - scram-sha-256 scram-sha-256 rejected {}",
	],
	'secconn_rejections wrapped: the last secconn.history_size (4) events');

is( bg_query($mon, q{
SELECT bool_and(event_time > now() - interval '5 minutes' AND event_time <= now())
       AND bool_and(pid > 0)
       AND (SELECT bool_and(a.event_time <= b.event_time)
              FROM secconn_rejections a JOIN secconn_rejections b ON b.seq = a.seq + 1)
  FROM secconn_rejections}),
	't',
	'event times recent and in order, pids set');

is( bg_query($mon, q{
SELECT hook_time_total_us > 0 AND hook_time_max_us > 0
       AND hook_time_max_us <= hook_time_total_us
  FROM secconn_stats}),
	't',
	'hook time: total and max measured');

# ------------------------------------------------------------------
# Reset: the counters, not the history
# ------------------------------------------------------------------

my $before = bg_query($mon, 'SELECT stats_reset FROM secconn_stats');
bg_query($mon, 'SELECT secconn_stats_reset()');
stats_is({}, 'secconn_stats_reset(): every counter back to 0');
is( bg_query($mon, 
		"SELECT stats_reset > '$before' AND hook_time_total_us = 0 AND hook_time_max_us = 0 FROM secconn_stats"
	),
	't',
	'stats_reset advanced, hook times zeroed');
is(scalar(@{ ring() }), 4, 'secconn_rejections kept across a reset');

reject_ok($node, conn($node, user => 'r_ssl'), 'r_ssl rejected after the reset',
	req => 'ssl', had => $PLAIN_TCP);
stats_is({ checked => 1, rejected => 1, rejected_ssl => 1 },
	'counting resumes from 0');
like(ring()->[-1], qr/^10 r_ssl .* rejected \{ssl\}$/,
	'the ring goes on from where it was');

# ------------------------------------------------------------------
# Warn and off modes
# ------------------------------------------------------------------

set_guc($node, 'secconn.mode', 'warn');
my $s0 = stats();
warn_ok($node, conn($node, user => 'r_ssl'), 'secconn.mode=warn: r_ssl admitted',
	req => 'ssl', had => $PLAIN_TCP);
my $s1 = stats();
is($s1->{warned} - $s0->{warned}, 1, 'mode warn: counted as warned');
is($s1->{rejected} - $s0->{rejected}, 0, 'mode warn: not counted as rejected');
is($s1->{checked} - $s0->{checked}, 1, 'mode warn: one check');
like(ring()->[-1], qr/^11 r_ssl .* warned \{ssl\}$/,
	'mode warn: the warning is in the ring');

set_guc($node, 'secconn.mode', 'off');
$s0 = stats();
accept_ok($node, conn($node, user => 'r_ssl'), 'secconn.mode=off: r_ssl admitted');
is_deeply(stats(), $s0, 'mode off: nothing counted');
like(ring()->[-1], qr/^11 /, 'mode off: nothing added to the ring');
set_guc($node, 'secconn.mode', 'enforce');

# ------------------------------------------------------------------
# Who may read and reset
# ------------------------------------------------------------------

sub as_role
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql,
		connstr => conn($node, user => $role, via => 'unix'));
	return $err eq '' ? $out : $err;
}

is(as_role('r_mon', 'SELECT count(*) FROM secconn_rejections'),
	'4', 'pg_monitor member reads secconn_rejections');
like(as_role('r_mon', 'SELECT checked FROM secconn_stats'),
	qr/^\d+$/, 'pg_monitor member reads secconn_stats');
like(as_role('r_mon', 'SELECT secconn_stats_reset()'),
	qr/permission denied for function secconn_stats_reset/,
	'pg_monitor member may not reset');
like(as_role('r_nobody', 'SELECT count(*) FROM secconn_rejections'),
	qr/permission denied for view secconn_rejections/,
	'plain role may not read secconn_rejections');
like(as_role('r_nobody', 'SELECT * FROM secconn_rejection_history()'),
	qr/permission denied for function secconn_rejection_history/,
	'plain role may not call the function behind it');
like(as_role('r_nobody', 'SELECT checked FROM secconn_stats'),
	qr/permission denied for view secconn_stats/,
	'plain role may not read secconn_stats');
sql_output($node, 'GRANT EXECUTE ON FUNCTION secconn_stats_reset() TO r_mon');
is(as_role('r_mon', 'SELECT secconn_stats_reset()'),
	'', 'after GRANT EXECUTE, the pg_monitor member may reset');

$mon->quit;
check_no_crash($node);
$node->stop;
done_testing();
