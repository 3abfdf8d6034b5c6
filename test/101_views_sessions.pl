
# Copyright (c) secconn developers
#
# secconn_connections with real sessions of every kind kept open at once:
# TLS 1.2 with AES128-SHA (forced by a client OPENSSL_CONF), TLS 1.3, plain
# TCP with MD5, SCRAM behind an md5 pg_hba line, a client certificate, a
# Unix socket, a physical and a logical walsender.  Checked column by
# column, against what each session's own functions say; compliance
# recomputed while the sessions stay open as labels, the default policy and
# secconn.exempt_local change; secconn_test_policy; privacy as a role with
# no privileges, as a member of a session's role and as a pg_monitor
# member; secconn_roles; a session's row gone once it exits.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node(
	'views_sessions',
	allows_streaming => 1,
	extra_conf => "max_connections = 40\n",
	hba => [
		'local replication all trust',
		'local all all trust',
		'hostssl all alice 127.0.0.1/32 cert',
		'host all r_md5 127.0.0.1/32 md5',
		'host all r_scrammd5 127.0.0.1/32 md5',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_output($node, qq{
CREATE EXTENSION secconn;
SET password_encryption = 'md5';
CREATE ROLE r_md5 LOGIN PASSWORD '$PASSWORD';
RESET password_encryption;
CREATE ROLE r_tls12 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_tls13 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_scrammd5 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE alice LOGIN;
CREATE ROLE r_local LOGIN;
CREATE ROLE r_repl LOGIN REPLICATION;
CREATE ROLE r_watch LOGIN;
CREATE ROLE r_peer LOGIN IN ROLE r_tls12;
CREATE ROLE r_mon LOGIN IN ROLE pg_monitor;
});

# ------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------

# A psql session kept open: connstr, and an OPENSSL_CONF for its TLS.
sub open_session
{
	my ($connstr, $openssl_conf) = @_;
	local $ENV{OPENSSL_CONF} = $openssl_conf // $ENV{OPENSSL_CONF};
	delete $ENV{OPENSSL_CONF} unless defined $openssl_conf;
	return $node->background_psql('postgres', extra_params => [ '-d', $connstr ]);
}

my $json = JSON::PP->new;

# secconn_connections as seen by $as (default: the bootstrap superuser), as
# { pid => { column => value } }: NULL is undef, booleans 't'/'f', arrays
# array references.
sub view_rows
{
	my (%o) = @_;
	my $sql = 'SELECT row_to_json(c) FROM secconn_connections c';
	my $out =
	  defined $o{as}
	  ? $node->safe_psql('postgres', $sql,
		connstr => conn($node, user => $o{as}, via => 'unix'))
	  : $node->safe_psql('postgres', $sql);
	my %rows;
	foreach my $line (split /\n/, $out)
	{
		my $row = $json->decode($line);
		foreach my $k (keys %$row)
		{
			$row->{$k} = $row->{$k} ? 't' : 'f'
			  if JSON::PP::is_bool($row->{$k});
		}
		$rows{ $row->{pid} } = $row;
	}
	return \%rows;
}

# The columns that describe the connection; pid, usename and datname are
# the others, shown to everyone.
my @private_columns = qw(
  client_addr backend_start transport tls_version cipher cipher_bits
  cipher_strong auth_method auth_mechanism client_cert_present client_dn
  compliant violations client_cert_verified backend_type);

# Compare one row with the expected values, column by column.
sub row_is
{
	my ($row, $expected, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	if (!defined $row)
	{
		fail("$name: row present");
		return;
	}
	foreach my $col (sort keys %$expected)
	{
		is_deeply($row->{$col}, $expected->{$col}, "$name: $col");
	}
	return;
}

# ------------------------------------------------------------------
# The sessions
# ------------------------------------------------------------------

my $tls12_conf = openssl_conf('AES128-SHA', 'TLSv1.2');
my %sess;
$sess{tls12} = open_session(conn($node, user => 'r_tls12', sslmode => 'require'),
	$tls12_conf);
$sess{tls13} = open_session(conn($node, user => 'r_tls13', sslmode => 'require'));
$sess{md5} = open_session(conn($node, user => 'r_md5'));
$sess{scrammd5} = open_session(conn($node, user => 'r_scrammd5'));
$sess{cert} = open_session(
	conn($node, user => 'alice', sslmode => 'verify-full', cert => 'alice'));
$sess{local} = open_session(conn($node, user => 'r_local', via => 'unix'));
$sess{logical} = open_session(
	conn($node, via => 'unix', extra => 'replication=database'));
# A physical walsender runs no SQL: psql only keeps it open.
$sess{physical} = open_session(
	conn($node, user => 'r_repl', via => 'unix', extra => 'replication=true'));

my %pid;
foreach my $k (sort keys %sess)
{
	next if $k eq 'physical';
	$pid{$k} = bg_query($sess{$k}, 'SELECT pg_backend_pid()');
	like($pid{$k}, qr/^\d+$/, "session $k is open (pid $pid{$k})");
}
$pid{physical} = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE usename = 'r_repl' AND backend_type = 'walsender'"
);
like($pid{physical}, qr/^\d+$/, "physical walsender is open (pid $pid{physical})");

my $super = $node->safe_psql('postgres', 'SELECT current_user');

my %common = (
	datname => 'postgres',
	client_addr => '127.0.0.1',
	client_cert_present => 'f',
	client_cert_verified => 'f',
	client_dn => undef,
	compliant => 't',
	violations => [],
	backend_type => 'client backend',
);
my %no_tls = (
	tls_version => undef,
	cipher => undef,
	cipher_bits => undef,
	cipher_strong => undef,
);
my %expected = (
	tls12 => {
		%common,
		usename => 'r_tls12',
		transport => 'tls',
		tls_version => 'TLSv1.2',
		cipher => 'AES128-SHA',
		cipher_bits => 128,
		cipher_strong => 'f',
		auth_method => 'scram-sha-256',
		auth_mechanism => 'scram-sha-256',
	},
	tls13 => {
		%common,
		usename => 'r_tls13',
		transport => 'tls',
		tls_version => 'TLSv1.3',
		cipher => 'TLS_AES_256_GCM_SHA384',
		cipher_bits => 256,
		cipher_strong => 't',
		auth_method => 'scram-sha-256',
		auth_mechanism => 'scram-sha-256',
	},
	md5 => {
		%common, %no_tls,
		usename => 'r_md5',
		transport => 'plain',
		auth_method => 'md5',
		auth_mechanism => 'md5',
	},
	# an md5 line with a SCRAM secret runs SCRAM
	scrammd5 => {
		%common, %no_tls,
		usename => 'r_scrammd5',
		transport => 'plain',
		auth_method => 'md5',
		auth_mechanism => 'scram-sha-256',
	},
	cert => {
		%common,
		usename => 'alice',
		transport => 'tls',
		tls_version => 'TLSv1.3',
		cipher => 'TLS_AES_256_GCM_SHA384',
		cipher_bits => 256,
		cipher_strong => 't',
		auth_method => 'cert',
		auth_mechanism => 'cert',
		client_cert_present => 't',
		client_cert_verified => 't',
		client_dn => 'CN=alice',
	},
	local => {
		%common, %no_tls,
		usename => 'r_local',
		client_addr => undef,
		transport => 'local',
		auth_method => 'trust',
		auth_mechanism => 'trust',
	},
	logical => {
		%common, %no_tls,
		usename => $super,
		client_addr => undef,
		transport => 'local',
		auth_method => 'trust',
		auth_mechanism => 'trust',
		backend_type => 'walsender',
	},
	physical => {
		%common, %no_tls,
		usename => 'r_repl',
		datname => undef,
		client_addr => undef,
		transport => 'local',
		auth_method => 'trust',
		auth_mechanism => 'trust',
		backend_type => 'walsender',
	},
);

# ------------------------------------------------------------------
# Column by column
# ------------------------------------------------------------------

my $rows = view_rows();
foreach my $k (sort keys %expected)
{
	my $row = $rows->{ $pid{$k} };
	row_is($row, $expected{$k}, "row of session $k");
	ok(defined $row && defined $row->{backend_start},
		"row of session $k: backend_start set");
}
my $psa_count = $node->safe_psql('postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type IN ('client backend', 'walsender')"
);
is(scalar(keys %$rows), $psa_count,
	'one row per client backend and walsender in pg_stat_activity');

# backend_start and client_addr are pg_stat_activity's
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) FROM secconn_connections c JOIN pg_stat_activity a USING (pid)
 WHERE c.backend_start IS DISTINCT FROM a.backend_start
    OR c.client_addr IS DISTINCT FROM a.client_addr
    OR c.usename IS DISTINCT FROM a.usename}),
	'0',
	'usename, client_addr and backend_start match pg_stat_activity');

# Each session's own functions agree with the view.
foreach my $k (qw(tls12 tls13 md5 scrammd5 cert local logical))
{
	my $own = bg_query($sess{$k}, 
		q{SELECT concat_ws('|', coalesce(secconn_tls_version(), '-'),
		     coalesce(secconn_cipher(), '-'),
		     coalesce(secconn_cipher_bits()::text, '-'),
		     coalesce(secconn_cipher_strong()::text, '-'),
		     coalesce(secconn_auth_mechanism(), '-'))});
	my $e = $expected{$k};
	my $want = join('|',
		$e->{tls_version} // '-',
		$e->{cipher} // '-',
		$e->{cipher_bits} // '-',
		defined $e->{cipher_strong}
		? ($e->{cipher_strong} eq 't' ? 'true' : 'false')
		: '-',
		$e->{auth_mechanism});
	is($own, $want, "session $k: its own secconn_* functions agree");
}

# ------------------------------------------------------------------
# Compliance follows the policies in force now
# ------------------------------------------------------------------

sub compliance
{
	my $r = view_rows();
	my %c;
	foreach my $k (keys %pid)
	{
		my $row = $r->{ $pid{$k} };
		$c{$k} =
		  defined $row
		  ? ($row->{compliant} // 'NULL') . ' '
		  . join(',', @{ $row->{violations} })
		  : 'missing';
	}
	return \%c;
}

my %all_ok = map { $_ => 't ' } keys %pid;

label($node, ROLE => 'r_md5', 'ssl');
is_deeply(compliance(), { %all_ok, md5 => 'f ssl' },
	'label ssl on r_md5: its open session is no longer compliant');

label($node, DATABASE => 'postgres', 'min_tls=TLSv1.3');
is_deeply(
	compliance(),
	{
		%all_ok,
		tls12 => 'f min_tls',
		md5 => 'f ssl,min_tls',
		scrammd5 => 'f ssl,min_tls',
	},
	'database label min_tls=TLSv1.3: TLS 1.2 and plain sessions flagged, Unix socket exempt, physical walsender not in a database'
);

label($node, DATABASE => 'postgres', undef);
label($node, ROLE => 'r_local', 'ssl');
is_deeply(compliance(), { %all_ok, md5 => 'f ssl' },
	'label ssl on r_local: its Unix-socket session is exempt');

# (Not with the database label: the test's own Unix-socket connections
# would be rejected.)
set_guc($node, 'secconn.exempt_local', 'off');
is_deeply(
	compliance(),
	{ %all_ok, md5 => 'f ssl', local => 'f ssl' },
	'secconn.exempt_local off: the Unix-socket session of r_local flagged too');
set_guc($node, 'secconn.exempt_local', 'on');
label($node, ROLE => 'r_local', undef);

label($node, ROLE => 'r_md5', 'auth=scram-sha-256 mode=warn');
label($node, ROLE => 'r_scrammd5', 'auth=scram-sha-256');
is_deeply(compliance(), { %all_ok, md5 => 'f auth' },
	'auth=scram-sha-256: md5 flagged (mode=warn counts), SCRAM behind an md5 line compliant'
);

set_guc($node, 'secconn.default_policy', 'cipher=strong');
is_deeply(
	compliance(),
	{
		%all_ok,
		tls12 => 'f cipher',
		md5 => 'f ssl,cipher,auth',
		scrammd5 => 'f ssl,cipher',
	},
	'default policy cipher=strong: AES128-SHA and plain sessions flagged');
set_guc($node, 'secconn.default_policy', '');
label($node, ROLE => 'r_md5', undef);
label($node, ROLE => 'r_scrammd5', undef);
is_deeply(compliance(), \%all_ok, 'labels removed: every session compliant');

# The sessions stayed open throughout.
foreach my $k (qw(tls12 md5 scrammd5))
{
	is(bg_query($sess{$k}, 'SELECT 1'), '1', "session $k still open");
}

# ------------------------------------------------------------------
# secconn_test_policy: a policy tried before it is set
# ------------------------------------------------------------------

sub tried
{
	my ($policy) = @_;
	my %r = map { my ($p, $c, $v) = split /\|/; ($p => "$c $v") } split /\n/,
	  $node->safe_psql('postgres',
		"SELECT pid, compliant, violations FROM secconn_test_policy('$policy')");
	return { map { $_ => $r{ $pid{$_} } // 'missing' } keys %pid };
}

is_deeply(
	tried('cipher=strong'),
	{
		tls12 => 'f {cipher}',
		tls13 => 't {}',
		md5 => 'f {ssl,cipher}',
		scrammd5 => 'f {ssl,cipher}',
		cert => 't {}',
		local => 't {}',
		logical => 't {}',
		physical => 't {}',
	},
	'secconn_test_policy(cipher=strong)');
is_deeply(
	tried('clientcert=verify-full auth=cert,trust'),
	{
		tls12 => 'f {auth,clientcert}',
		tls13 => 'f {auth,clientcert}',
		md5 => 'f {ssl,auth,clientcert}',
		scrammd5 => 'f {ssl,auth,clientcert}',
		cert => 't {}',
		local => 't {}',
		logical => 't {}',
		physical => 't {}',
	},
	'secconn_test_policy(clientcert=verify-full auth=cert,trust)');

# ------------------------------------------------------------------
# Privacy
# ------------------------------------------------------------------

# A role with no privileges, in a session of its own.
{
	my $watch = open_session(conn($node, user => 'r_watch', via => 'unix'));
	my $watch_pid = bg_query($watch, 'SELECT pg_backend_pid()');
	my $r = view_rows(as => 'r_watch');
	my $leaks = 0;
	foreach my $k (sort keys %pid)
	{
		my $row = $r->{ $pid{$k} };
		ok(defined $row, "r_watch sees a row for session $k");
		next unless defined $row;
		is($row->{usename}, $expected{$k}{usename},
			"r_watch sees usename of session $k");
		is($row->{datname}, $expected{$k}{datname},
			"r_watch sees datname of session $k");
		my @shown = grep { defined $row->{$_} } @private_columns;
		is("@shown", '', "r_watch sees nothing else of session $k");
	}
	my $own = $r->{$watch_pid};
	row_is(
		$own,
		{
			usename => 'r_watch',
			transport => 'local',
			auth_mechanism => 'trust',
			compliant => 't',
			violations => []
		},
		'r_watch sees its own session in full');
	is( $node->safe_psql(
			'postgres',
			'SELECT count(*) FROM secconn_test_policy(\'ssl\')',
			connstr => conn($node, user => 'r_watch', via => 'unix')),
		'2',
		'secconn_test_policy shows r_watch only its own two sessions');
	my ($ret, $out, $err) = $node->psql(
		'postgres', 'SELECT * FROM secconn_stats',
		connstr => conn($node, user => 'r_watch', via => 'unix'));
	like($err, qr/permission denied for view secconn_stats/,
		'r_watch may not read secconn_stats');
	$watch->quit;
}

# A member of r_tls12 has its privileges: it sees that session in full.
{
	my $r = view_rows(as => 'r_peer');
	row_is($r->{ $pid{tls12} }, $expected{tls12},
		'r_peer (member of r_tls12) sees the r_tls12 session in full');
	is($r->{ $pid{tls13} }{transport},
		undef, 'r_peer does not see the r_tls13 session in full');
}

# pg_monitor includes pg_read_all_stats: everything in full.
{
	my $r = view_rows(as => 'r_mon');
	foreach my $k (sort keys %expected)
	{
		row_is($r->{ $pid{$k} }, $expected{$k},
			"r_mon (pg_monitor) sees session $k in full");
	}
}

# ------------------------------------------------------------------
# secconn_roles
# ------------------------------------------------------------------

is( $node->safe_psql(
		'postgres', q{
SELECT string_agg(rolname || '=' || coalesce(password_type, 'NULL'), ' ' ORDER BY rolname)
  FROM secconn_roles
 WHERE rolname IN ('r_md5', 'r_tls12', 'r_scrammd5', 'alice', 'r_local')}),
	'alice=NULL r_local=NULL r_md5=md5 r_scrammd5=scram-sha-256 r_tls12=scram-sha-256',
	'secconn_roles: password types');
is( $node->safe_psql(
		'postgres', q{
SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM secconn_roles
 WHERE rolname IN ('r_mon', 'r_watch')},
		connstr => conn($node, user => 'r_mon', via => 'unix')),
	'r_mon r_watch',
	'secconn_roles readable by pg_monitor');

# ------------------------------------------------------------------
# A session's row goes when the session does
# ------------------------------------------------------------------

foreach my $k (qw(tls12 physical))
{
	$sess{$k}->quit;
	$node->poll_query_until('postgres',
		"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $pid{$k})")
	  or die "session $k did not end";
	is( $node->safe_psql(
			'postgres',
			"SELECT count(*) FROM secconn_connection_slots() WHERE pid = $pid{$k}"),
		'0',
		"session $k ended: its slot is empty once pg_stat_activity no longer shows it"
	);
	delete $sess{$k};
}
$rows = view_rows();
ok(!exists $rows->{ $pid{tls12} } && !exists $rows->{ $pid{physical} },
	'ended sessions are gone from secconn_connections');
row_is($rows->{ $pid{tls13} }, $expected{tls13}, 'other sessions unchanged');

$_->quit foreach values %sess;
check_no_crash($node);
$node->stop;
done_testing();
