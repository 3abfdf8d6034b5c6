
# Copyright (c) secconn developers
#
# The per-backend slots under churn: pgbench opens and closes connections
# of three kinds as fast as it can (TLS 1.3, TLS 1.2 with AES128-SHA, plain
# TCP with MD5) while a shell loop makes connections secconn rejects, and a
# monitor session reads the slots and secconn_connections over and over,
# each read its own transaction.  Every row it sees must be one of the
# kinds whole, must belong to the role of that kind, and no rejected
# connection may ever show.  When the churn stops, every slot but the
# reader's is empty: no slot outlives its backend, however often slots were
# reused.
#
# What this can and cannot show about torn reads: a torn read (a reader
# mixing the fields of two sessions that used one slot in turn) would be a
# row of no known kind, and the test first checks that such a row is
# flagged.  But nothing outside the server can pause a backend in the
# middle of writing its slot, so whether a write and a read ever overlap is
# up to the scheduler: the churn makes overlaps likely, not certain.  A
# pass means no torn row was seen in that many rounds, not that none can
# happen; what prevents them is the slot's change counter, which readers
# check before and after copying a slot.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node(
	'views_concurrency',
	extra_conf => "max_connections = 40\n",
	hba => [
		'local all all trust',
		'host all r_md5 127.0.0.1/32 md5',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

my $super = $node->safe_psql('postgres', 'SELECT current_user');

sql_output($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE r_tls13 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_tls12 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_rej LOGIN PASSWORD '$PASSWORD';
SET password_encryption = 'md5';
CREATE ROLE r_md5 LOGIN PASSWORD '$PASSWORD';
RESET password_encryption;
SECURITY LABEL FOR secconn ON ROLE r_rej IS 'ssl';
CREATE TABLE anomalies (at timestamptz, what text, detail text);
CREATE TABLE seen (usename name, n int);
CREATE TABLE seen_pids (pid int);

-- the whole-row signature of a session, and the four there may be
CREATE FUNCTION sig(s secconn_connections) RETURNS text LANGUAGE sql AS \$\$
  SELECT concat_ws('|', s.transport, coalesce(s.tls_version, '-'),
                   coalesce(s.cipher, '-'), coalesce(s.cipher_bits::text, '-'),
                   coalesce(s.cipher_strong::text, '-'), s.auth_method,
                   s.auth_mechanism, s.client_cert_present,
                   coalesce(s.client_dn, '-'), s.compliant, s.violations)
\$\$;
CREATE TABLE kinds (usename name, sig text);
INSERT INTO kinds VALUES
  ('r_tls13', 'tls|TLSv1.3|TLS_AES_256_GCM_SHA384|256|true|scram-sha-256|scram-sha-256|f|-|t|{}'),
  ('r_tls12', 'tls|TLSv1.2|AES128-SHA|128|false|scram-sha-256|scram-sha-256|f|-|t|{}'),
  ('r_md5', 'plain|-|-|-|-|md5|md5|f|-|t|{}'),
  ('$super', 'local|-|-|-|-|trust|trust|f|-|t|{}');
});

# The signature expression works on the raw slots too (same column names).
my $raw_sig = q{concat_ws('|', s.transport, coalesce(s.tls_version, '-'),
  coalesce(s.cipher, '-'), coalesce(s.cipher_bits::text, '-'),
  coalesce(s.cipher_strong::text, '-'), s.auth_method, s.auth_mechanism,
  s.client_cert_present, coalesce(s.client_dn, '-'), s.compliant,
  s.violations)};

# One round of the monitor: three statements, three transactions.
my $round = qq{
INSERT INTO anomalies
SELECT clock_timestamp(), 'raw slot of no known kind', row_to_json(s)::text
  FROM secconn_connection_slots() s
 WHERE $raw_sig NOT IN (SELECT sig FROM kinds);
INSERT INTO anomalies
SELECT clock_timestamp(), 'row not matching its role', row_to_json(c)::text
  FROM secconn_connections c
 WHERE (c.usename, sig(c)) NOT IN (SELECT usename, sig FROM kinds);
WITH r AS (SELECT * FROM secconn_connections),
     p AS (INSERT INTO seen_pids SELECT pid FROM r)
INSERT INTO seen SELECT usename, count(*) FROM r GROUP BY usename;
};

# Sanity: with no churn, the round finds nothing wrong.
sql_output($node, $round);
is($node->safe_psql('postgres', 'SELECT count(*) FROM anomalies'),
	'0', 'a quiet round finds no anomaly');

# And it can find something: with the reader's own kind removed from the
# list, its row (the only one now) is flagged both in the raw slots and in
# the view.  So a torn row, of no known kind, would be.
my $own_kind = $node->safe_psql('postgres', "SELECT sig FROM kinds WHERE usename = '$super'");
sql_output($node, "DELETE FROM kinds WHERE usename = '$super'");
sql_output($node, $round);
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(what, ', ' ORDER BY what) FROM anomalies}),
	'raw slot of no known kind, row not matching its role',
	'a row of no known kind is flagged, in the slots and in the view');
sql_output($node, "INSERT INTO kinds VALUES ('$super', '$own_kind')");
sql_output($node, 'TRUNCATE anomalies, seen, seen_pids');

# ------------------------------------------------------------------
# The churn
# ------------------------------------------------------------------

my $dir = PostgreSQL::Test::Utils::tempdir();
my $script = "$dir/select1.sql";
open my $fh, '>', $script or die;
print $fh "SELECT 1;\n";
close $fh;

my $seconds = 6;
my @churn;
sub pgbench_start
{
	my ($connstr, $openssl_conf) = @_;
	local $ENV{OPENSSL_CONF} = $openssl_conf if defined $openssl_conf;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			$node->installed_command('pgbench'), '-n', '-C', '-c', '2',
			'-T', $seconds, '-f', $script, $connstr
		],
		'>', \$out, '2>', \$err);
	push @churn, [ $h, \$out, \$err, $connstr ];
	return;
}

pgbench_start(conn($node, user => 'r_tls13', sslmode => 'require'));
pgbench_start(conn($node, user => 'r_tls12', sslmode => 'require'),
	openssl_conf('AES128-SHA', 'TLSv1.2'));
pgbench_start(conn($node, user => 'r_md5'));

# Rejected connections, all along.
my $rej_connstr = conn($node, user => 'r_rej');
my ($rej_out, $rej_err) = ('', '');
my $rej = IPC::Run::start(
	[
		'bash', '-c',
		'end=$((SECONDS + ' . $seconds . ')); n=0; '
		  . 'while [ $SECONDS -lt $end ]; do '
		  . 'psql -X -w -d "$1" -c "SELECT 1" >/dev/null 2>&1 && echo ADMITTED; '
		  . 'n=$((n + 1)); done; echo "attempts=$n"',
		'rejloop', $rej_connstr
	],
	'>', \$rej_out, '2>', \$rej_err);

my $rounds = 0;
my $batch = $round x 20;
while (1)
{
	sql_output($node, $batch);
	$rounds += 20;
	my $running = grep { $_->[0]->pumpable } @churn;
	$_->[0]->pump_nb foreach grep { $_->[0]->pumpable } @churn;
	last unless $running;
}
foreach my $c (@churn)
{
	ok($c->[0]->finish, "pgbench for $c->[3] succeeded")
	  or diag(${ $c->[2] });
	like(${ $c->[1] }, qr/number of transactions actually processed: \d+/,
		'pgbench made connections');
	note(${ $c->[1] });
}
$rej->finish;
unlike($rej_out, qr/ADMITTED/, 'every r_rej connection was rejected');
my ($attempts) = $rej_out =~ /attempts=(\d+)/;
cmp_ok($attempts // 0, '>', 10, 'many rejected connection attempts');
note("monitor rounds: $rounds, rejected attempts: " . ($attempts // 0));

# ------------------------------------------------------------------
# What the monitor saw
# ------------------------------------------------------------------

is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM anomalies}),
	'0',
	"no torn or misattributed row in $rounds rounds")
  or diag($node->safe_psql('postgres',
	'SELECT what, detail FROM anomalies ORDER BY at LIMIT 20'));

foreach my $role (qw(r_tls13 r_tls12 r_md5))
{
	cmp_ok(
		$node->safe_psql(
			'postgres',
			"SELECT count(*) FROM seen WHERE usename = '$role'"),
		'>', 0,
		"the monitor saw $role sessions while they came and went");
}
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM seen WHERE usename = 'r_rej'}),
	'0',
	'no rejected connection ever showed in secconn_connections');
cmp_ok($node->safe_psql('postgres', 'SELECT count(DISTINCT pid) FROM seen_pids'),
	'>', 20, 'the monitor saw many different backends');

# ------------------------------------------------------------------
# After the churn: no slot outlives its backend
# ------------------------------------------------------------------

$node->poll_query_until(
	'postgres', q{
SELECT count(*) = 0 FROM pg_stat_activity
 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()})
  or die 'churn backends did not all exit';
is( $node->safe_psql(
		'postgres',
		'SELECT count(*) FROM secconn_connection_slots() WHERE pid <> pg_backend_pid()'),
	'0',
	'every slot but the reader\'s own is empty once the backends have exited');
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) FROM secconn_connection_slots()
 WHERE pid IN (SELECT pid FROM seen_pids)}),
	'0',
	'no pid the monitor saw is still in a slot');
is( $node->safe_psql(
		'postgres', q{
SELECT checked = accepted + warned + rejected AND rejected >= 10
       AND rejected_ssl = rejected
  FROM secconn_stats}),
	't',
	'secconn_stats consistent after the churn');

check_no_crash($node);
$node->stop;
done_testing();
