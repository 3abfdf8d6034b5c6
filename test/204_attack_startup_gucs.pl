
# Copyright (c) secconn developers
#
# Issue 9, item 3: a typo in a secconn.* setting at server start must not
# fail open.  PostgreSQL alone would only WARN and run with the built-in
# default (secconn.exempt_local = 'offf' would run with on, so Unix-socket
# sessions would skip the transport requirements).  For every secconn
# setting: an invalid value at start refuses the start, with a message
# naming the setting and the value; an invalid value on reload is refused
# and the old value stays in force.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node('attack_startup', no_start => 1);

# [ setting, invalid value, a valid value ]
my @settings = (
	[ 'secconn.exempt_local', 'offf', 'off' ],
	[ 'secconn.mode', 'enforcee', 'enforce' ],
	[ 'secconn.default_policy', 'ssl require_tls13', 'auth=trust,scram-sha-256' ],
	[ 'secconn.history_size', 'lots', '50' ],
	[ 'secconn.history_size', '0', '50' ],
);

foreach my $s (@settings)
{
	my ($name, $bad, $good) = @$s;
	my $offset = -s $node->logfile // 0;
	$node->append_conf('postgresql.conf', "$name = '$bad'\n");
	my $started = $node->start(fail_ok => 1);
	ok(!$started, "$name = '$bad' at start: the server refuses to start");
	my $log = log_since($node, $offset);
	like(
		$log,
		qr/FATAL:  invalid value for parameter "\Q$name\E": "\Q$bad\E"/,
		"$name = '$bad' at start: the FATAL names the setting and the value");
	unlike($log, qr/terminated by signal/, "$name = '$bad' at start: no crash");
	$node->stop if $started;
	# A later line wins: correct it for the next round.
	$node->append_conf('postgresql.conf', "$name = '$good'\n");
}

# All corrected: it starts, with exempt_local off in force.
$node->start;
is($node->safe_psql('postgres', 'SHOW secconn.exempt_local'),
	'off', 'corrected settings: the server starts, exempt_local is off');
is($node->safe_psql('postgres', 'SHOW secconn.history_size'),
	'50', 'corrected settings: history_size is 50');

sql_output($node, qq{CREATE ROLE u_ssl LOGIN PASSWORD '$PASSWORD'});
label($node, ROLE => 'u_ssl', 'ssl');

# On reload: an invalid value is refused, the old (not the default) value
# stays in force.
foreach my $s (
	[ 'secconn.exempt_local', 'offf', 'off' ],
	[ 'secconn.mode', 'enforcee', 'enforce' ],
	[ 'secconn.default_policy', 'ssl require_tls13', 'auth=trust,scram-sha-256' ],
	[ 'secconn.history_size', 'lots', '50' ])
{
	my ($name, $bad, $old) = @$s;
	my $offset = -s $node->logfile;
	set_guc_raw($node, $name, $bad);
	is($node->safe_psql('postgres', "SHOW $name"),
		$old, "$name = '$bad' on reload: '$old' stays in force");
	like(log_since($node, $offset), qr/\Q$name\E/,
		"$name = '$bad' on reload: the log names the setting");
}

# The old exempt_local = off is really in force: the Unix socket does not
# satisfy ssl.
reject_ok(
	$node,
	conn($node, user => 'u_ssl', via => 'unix'),
	'exempt_local stays off after a bad reload: ssl on the Unix socket rejected',
	req => 'ssl',
	had => 'the connection uses a Unix-domain socket');

check_no_crash($node);
$node->stop;
done_testing();
