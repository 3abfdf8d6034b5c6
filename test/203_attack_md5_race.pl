
# Copyright (c) secconn developers
#
# Issue 9, item 2: MD5 admitted as SCRAM by racing a password change.
#
# A role has an MD5 secret, a label auth=scram-sha-256 and an md5 pg_hba
# line.  A raw-protocol client (IO::Socket::INET, Digest::MD5) asks to
# connect, receives the MD5 challenge and stalls; meanwhile the DBA sets
# the password again under password_encryption = scram-sha-256 (what
# secconn's own hint tells them to do); then the client answers with the
# old MD5 hash.  Core checks it against the secret it read at the start,
# so MD5 really ran: secconn must not admit (or report) the session as
# scram-sha-256, neither by the full check nor by the policy cache's fast
# path.  The other way: an honest slow MD5 client under auth=md5 is still
# admitted, and secconn_auth_mechanism() says md5.
#
# On 18 and later secconn knows exactly which exchange ran (the session
# "authenticated with md5"); before 18 it sees that the secret changed
# during authentication and calls the mechanism unknown.  Both fail the
# auth=scram-sha-256 requirement.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IO::Select;
use IO::Socket::INET;
use Digest::MD5 qw(md5_hex);
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

# No autovacuum and no logical replication launcher, whose transactions
# would empty the policy cache at random moments (see 106_policy_cache.pl).
my $node = new_node(
	'attack_md5_race',
	extra_conf => "autovacuum = off\nmax_logical_replication_workers = 0\n",
	hba => [
		'local all all trust',
		'host all u_race,u_race_warn,u_slow 127.0.0.1/32 md5',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($node, qq{
CREATE EXTENSION secconn;
SET password_encryption = 'md5';
CREATE ROLE u_race LOGIN PASSWORD '$PASSWORD';
CREATE ROLE u_race_warn LOGIN PASSWORD '$PASSWORD';
CREATE ROLE u_slow LOGIN PASSWORD '$PASSWORD';
});
label($node, ROLE => 'u_race', 'auth=scram-sha-256');
label($node, ROLE => 'u_race_warn', 'auth=scram-sha-256 mode=warn');
label($node, ROLE => 'u_slow', 'auth=md5');

my $exact = $node->pg_version->major >= 18;
my $race_had =
  $exact
  ? 'the session authenticated with md5'
  : "the session's authentication mechanism is unknown";

sub secret_type
{
	my ($role) = @_;
	return sql_output($node,
		"SELECT CASE WHEN rolpassword LIKE 'md5%' THEN 'md5' ELSE 'scram' END FROM pg_authid WHERE rolname = '$role'"
	);
}

sub set_password
{
	my ($role, $encryption) = @_;
	sql_output($node,
		"SET password_encryption = '$encryption'; ALTER ROLE $role PASSWORD '$PASSWORD'"
	);
	is(secret_type($role), $encryption eq 'md5' ? 'md5' : 'scram',
		"$role now has a $encryption secret");
	return;
}

# One open session reads the counters, so that reading makes no connection.
my $mon = $node->background_psql('postgres');

sub cache_hits
{
	# as a number: some versions' background_psql keep the newline
	return 0 + bg_query($mon, 'SELECT policy_cache_hits FROM secconn_stats');
}

# ---- the raw-protocol client ----

sub send_msg
{
	my ($sock, $type, $body) = @_;
	my $data = $type . pack('N', 4 + length $body) . $body;
	defined syswrite($sock, $data) or die "write: $!";
	return;
}

# Read one backend message: (type, body), or () at EOF.
sub read_msg
{
	my ($sock) = @_;
	my $buf = '';
	my $want = 5;
	my $sel = IO::Select->new($sock);
	while (length($buf) < $want)
	{
		$sel->can_read($PostgreSQL::Test::Utils::timeout_default)
		  or die "timed out reading from the server";
		my $n = sysread($sock, $buf, $want - length($buf), length($buf));
		die "read: $!" unless defined $n;
		return () if $n == 0;
		$want = 1 + unpack('N', substr($buf, 1, 4)) if length($buf) == 5 && $want == 5;
	}
	return (substr($buf, 0, 1), substr($buf, 5));
}

# Ask to connect as $user and read the MD5 challenge; returns the socket
# and the salt.  The client then stalls, for as long as the caller likes.
sub md5_begin
{
	my ($user) = @_;
	my $sock = IO::Socket::INET->new(
		PeerAddr => '127.0.0.1',
		PeerPort => $node->port,
		Proto => 'tcp') or die "connect: $!";
	my $startup = pack('N', 196608) . "user\0$user\0database\0postgres\0\0";
	defined syswrite($sock, pack('N', 4 + length $startup) . $startup)
	  or die "write: $!";
	my ($type, $body) = read_msg($sock);
	die "expected an authentication request, got '$type'" unless $type eq 'R';
	my $code = unpack('N', $body);
	die "expected the MD5 challenge (5), got $code" unless $code == 5;
	return ($sock, substr($body, 4, 4));
}

# Answer the challenge with the MD5 hash of $PASSWORD; once admitted
# (ReadyForQuery), ask for secconn_auth_mechanism() and terminate.  Returns
# { error => {fields} } or { mechanism => value (undef for NULL) }.
sub md5_finish
{
	my ($sock, $user, $salt) = @_;
	my %result;
	send_msg($sock, 'p', 'md5' . md5_hex(md5_hex($PASSWORD . $user) . $salt) . "\0");
	my $queried = 0;
	while (my ($type, $body) = read_msg($sock))
	{
		if ($type eq 'E')
		{
			my %f;
			foreach my $field (split /\0/, $body)
			{
				$f{ substr($field, 0, 1) } = substr($field, 1) if length $field;
			}
			$result{error} = \%f;
			last;
		}
		elsif ($type eq 'D')
		{
			my ($n, $len) = unpack('n N', $body);
			$result{mechanism} = $len == 0xFFFFFFFF ? undef : substr($body, 6, $len);
		}
		elsif ($type eq 'Z' && !$queried)
		{
			send_msg($sock, 'Q', "SELECT secconn_auth_mechanism()\0");
			$queried = 1;
		}
		elsif ($type eq 'Z')
		{
			send_msg($sock, 'X', '');
			last;
		}
	}
	close $sock;
	return \%result;
}

sub rejected_ok
{
	my ($result, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $e = $result->{error} // {};
	is($e->{C}, '28000', "$name: SQLSTATE 28000");
	is($e->{M}, 'connection rejected by secconn policy', "$name: rejected by secconn");
	like(
		$e->{D} // '',
		qr/Requirement "auth=scram-sha-256" is not met: \Q$race_had\E\./,
		"$name: the detail says what ran");
	ok(!exists $result->{mechanism}, "$name: no query ran");
	return;
}

# ---- the race, full check ----

is(secret_type('u_race'), 'md5', 'u_race starts with an MD5 secret');
{
	my ($sock, $salt) = md5_begin('u_race');
	set_password('u_race', 'scram-sha-256');    # while the client stalls
	my $offset = -s $node->logfile;
	rejected_ok(md5_finish($sock, 'u_race', $salt),
		'race (full check): MD5 answered after the password became SCRAM');
	log_wait_ok($node, qr/Demanded by the label on role "u_race"/, $offset,
		'race (full check): the log names the label');
}

# ---- the race, against a warm policy cache ----
# After the change an honest SCRAM client fills the cache for u_race (the
# md5 line runs SCRAM for a SCRAM secret); the stalled MD5 client must not
# ride on that entry.

set_password('u_race', 'md5');
{
	my ($sock, $salt) = md5_begin('u_race');
	set_password('u_race', 'scram-sha-256');
	# The monitoring session takes in the change's invalidations first,
	# so that they do not empty the cache later (see 106_policy_cache.pl).
	cache_hits();
	accept_ok($node, conn($node, user => 'u_race'),
		'honest SCRAM client after the change: admitted (fills the cache)');
	my $hits = cache_hits();
	accept_ok($node, conn($node, user => 'u_race'),
		'honest SCRAM client again: admitted',
		sql => 'SELECT secconn_auth_mechanism()',
		expected_stdout => qr/^scram-sha-256$/);
	is(cache_hits(), $hits + 1, 'the second SCRAM client took the fast path');
	rejected_ok(md5_finish($sock, 'u_race', $salt),
		'race (warm cache): MD5 answered after the password became SCRAM');
}

# ---- warn mode: admitted, but never reported as SCRAM ----

{
	my ($sock, $salt) = md5_begin('u_race_warn');
	set_password('u_race_warn', 'scram-sha-256');
	my $r = md5_finish($sock, 'u_race_warn', $salt);
	ok(!$r->{error}, 'race under mode=warn: admitted');
	is($r->{mechanism}, $exact ? 'md5' : undef,
		'race under mode=warn: secconn_auth_mechanism() does not say scram-sha-256');
}

# ---- the other way: an honest slow MD5 client under auth=md5 ----

foreach my $round (1, 2)
{
	my $hits = cache_hits();
	my ($sock, $salt) = md5_begin('u_slow');
	# It stalls while the server does other work; its password stays.
	bg_query($mon, 'SELECT pg_sleep(0.2)');
	my $r = md5_finish($sock, 'u_slow', $salt);
	ok(!$r->{error}, "honest slow MD5 client, round $round: admitted")
	  or diag(explain($r->{error}));
	is($r->{mechanism}, 'md5',
		"honest slow MD5 client, round $round: secconn_auth_mechanism() says md5");
	is(cache_hits(), $hits + 1,
		'honest slow MD5 client, round 2: admitted by the fast path')
	  if $round == 2;
}

$mon->quit;
check_no_crash($node);
$node->stop;
done_testing();
