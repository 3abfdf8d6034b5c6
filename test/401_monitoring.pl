
# Copyright (c) secconn developers
#
# Monitoring out of the box, end to end: a preloaded TLS cluster with
# sessions of known kinds held open (TLS 1.3 + SCRAM, TLS 1.2 with the weak
# AES128-SHA in a mode=warn policy, plain TCP + MD5, a Unix socket),
# rejections provoked, then Debian's real prometheus-postgres-exporter
# started on 127.0.0.1 with monitoring/postgres_exporter's query file,
# connected over TLS as a pg_monitor member (not a superuser), /metrics
# scraped over HTTP and every secconn value asserted exactly; the exporter's
# own session is one of those counted.  Then the pgwatch definitions' SQL
# runs as the same role and must agree.  The secconn 1.1 metrics
# (certificates) are asserted when the installed secconn has them, and
# skipped, saying so, when it does not.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;
use HTTP::Tiny;
use IPC::Run;
use Time::HiRes qw(usleep);
use YAML::XS ();

my $exporter_bin = '/usr/bin/prometheus-postgres-exporter';
plan skip_all => "$exporter_bin is not installed (test/setup-machine installs it)"
  unless -x $exporter_bin;

my $monitoring = "$FindBin::RealBin/../monitoring";
my $c = certs();

my $node = new_node(
	'monitoring',
	hba => [
		'local all all trust',
		'host all r_md5 127.0.0.1/32 md5',
		'host all all 127.0.0.1/32 scram-sha-256',
	]);

sql_ok($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE r_exporter LOGIN PASSWORD '$PASSWORD' IN ROLE pg_monitor;
CREATE ROLE r_tls13 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_tls12 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_ssl LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_tls13only LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_local LOGIN;
SET password_encryption = 'md5';
CREATE ROLE r_md5 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE r_md5_group NOLOGIN PASSWORD '$PASSWORD';
});
label($node, ROLE => 'r_tls12', 'cipher=strong mode=warn');
label($node, ROLE => 'r_ssl', 'ssl');
label($node, ROLE => 'r_tls13only', 'min_tls=TLSv1.3');

is( $node->safe_psql('postgres',
		"SELECT rolsuper, pg_has_role('r_exporter', 'pg_monitor', 'MEMBER') FROM pg_roles WHERE rolname = 'r_exporter'"),
	'f|t',
	'the exporter role is a pg_monitor member, not a superuser');

# Which query file: 1.1's when the installed secconn has its functions.
my $has_11 = $node->safe_psql('postgres',
	q{SELECT to_regprocedure('secconn_server_certificates()') IS NOT NULL
	     AND EXISTS (SELECT 1 FROM pg_attribute
	                  WHERE attrelid = 'secconn_stats'::regclass
	                    AND attname = 'client_certs_expiring')}) eq 't';
my $ext_version = $node->safe_psql('postgres',
	"SELECT extversion FROM pg_extension WHERE extname = 'secconn'");
my $query_file = "$monitoring/postgres_exporter/"
  . ($has_11 ? 'secconn-queries-1.1.yaml' : 'secconn-queries.yaml');
note "secconn $ext_version: exporter query file $query_file";
diag("secconn $ext_version has no secconn_server_certificates(): the 1.1 certificate metrics are skipped")
  unless $has_11;

# ------------------------------------------------------------------
# Sessions held open, rejections, all after a counter reset
# ------------------------------------------------------------------

sub open_session
{
	my ($connstr, $openssl_conf) = @_;
	local $ENV{OPENSSL_CONF} = $openssl_conf // $ENV{OPENSSL_CONF};
	delete $ENV{OPENSSL_CONF} unless defined $openssl_conf;
	my $s = $node->background_psql('postgres', extra_params => [ '-d', $connstr ]);
	like(bg_query($s, 'SELECT pg_backend_pid()'), qr/^\d+$/, "session open: $connstr");
	return $s;
}

# The superuser's session over the Unix socket, open before the reset: it
# runs every later query here, so that no other connection is counted.
my $admin = $node->background_psql('postgres');
bg_query($admin, 'SELECT secconn_stats_reset()');

my $tls12_conf = openssl_conf('AES128-SHA', 'TLSv1.2');
my %sess;
$sess{tls13} = open_session(conn($node, user => 'r_tls13', sslmode => 'require'));
$sess{tls12} =
  open_session(conn($node, user => 'r_tls12', sslmode => 'require'), $tls12_conf);
$sess{md5} = open_session(conn($node, user => 'r_md5'));
$sess{local} = open_session(conn($node, user => 'r_local', via => 'unix'));

# One connection attempt that secconn rejects: what the client sees.
# (The server log side is 001_transport.pl's; here only the client, so
# that nothing depends on a version's log lines.)
sub rejected_ok
{
	my ($connstr, $req, $name) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1', connstr => $connstr);
	ok($ret != 0 && $err =~ /\Q$REJECT_FATAL\E/ && $err =~ /Requirement "\Q$req\E" is not met/,
		"rejected: $name") or diag("psql exit $ret, stderr: $err");
	return;
}

rejected_ok(conn($node, user => 'r_ssl'), 'ssl', 'r_ssl over plain TCP (1)');
rejected_ok(conn($node, user => 'r_ssl'), 'ssl', 'r_ssl over plain TCP (2)');
{
	local $ENV{OPENSSL_CONF} = openssl_conf(undef, 'TLSv1.2');
	rejected_ok(conn($node, user => 'r_tls13only', sslmode => 'require'),
		'min_tls=TLSv1.3', 'r_tls13only over TLS 1.2');
}

# ------------------------------------------------------------------
# The exporter
# ------------------------------------------------------------------

my $port = PostgreSQL::Test::Cluster::get_free_port();
my $dsn = sprintf(
	'host=127.0.0.1 port=%d dbname=postgres user=r_exporter password=%s '
	  . 'sslmode=verify-full sslrootcert=%s application_name=exporter',
	$node->port, $PASSWORD, $c->{ca_crt});
my $exporter_log = "$PostgreSQL::Test::Utils::log_path/401_monitoring_exporter.log";
# Only secconn's queries: the built-in metrics of exporter 0.11 query
# views that changed in later PostgreSQL majors, and their errors would
# hide ours in pg_exporter_last_scrape_error.
my @cmd = (
	$exporter_bin,
	"--web.listen-address=127.0.0.1:$port",
	"--extend.query-path=$query_file",
	'--disable-default-metrics', '--disable-settings-metrics',
	'--no-collector.database', '--no-collector.bgwriter',
	'--log.level=info');
my $exporter;
{
	local $ENV{DATA_SOURCE_NAME} = $dsn;
	# lib/pq reads these; none of the test environment's may leak in
	local $ENV{PGSSLCERT} = "$c->{dir}/no-such-cert.crt";
	local $ENV{PGSSLKEY} = "$c->{dir}/no-such-cert.key";
	$exporter = IPC::Run::start(\@cmd, '<', \undef, '>>', $exporter_log, '2>>',
		$exporter_log);
}
note "exporter started on 127.0.0.1:$port (log: $exporter_log)";

# Stop it however the test ends.
END
{
	if ($exporter && $exporter->pumpable)
	{
		$exporter->signal('TERM');
		eval { $exporter->finish; };
	}
}

my $http = HTTP::Tiny->new(timeout => 10);

sub scrape
{
	my $r = $http->get("http://127.0.0.1:$port/metrics");
	return $r->{success} ? $r->{content} : undef;
}

# Poll until /metrics answers with pg_up 1 (the exporter connected).
my $text;
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
while (time < $deadline)
{
	$text = scrape();
	last if defined $text && $text =~ /^pg_up(?:\{[^}]*\})? 1$/m;
	usleep(100_000);
}
ok(defined $text && $text =~ /^pg_up(?:\{[^}]*\})? 1$/m,
	'exporter answers on /metrics and is connected (pg_up 1)')
  or diag("exporter log:\n" . slurp_file($exporter_log));

# It listens on 127.0.0.1 only: the sockets in state LISTEN (0A) on its
# port, in /proc/net/tcp and tcp6, have the local address 127.0.0.1.
my @listen;
foreach my $file ('/proc/net/tcp', '/proc/net/tcp6')
{
	next unless -r $file;
	foreach my $line (split /\n/, slurp_file($file))
	{
		my @f = split ' ', $line;
		next unless @f > 3 && $f[1] =~ /^([0-9A-F]+):([0-9A-F]{4})$/;
		push @listen, $1 if hex($2) == $port && $f[3] eq '0A';
	}
}
is_deeply(\@listen, ['0100007F'], "exporter listens on 127.0.0.1:$port only");

# name{label="v",...} => value, labels sorted; comment lines dropped.
sub parse_metrics
{
	my ($t) = @_;
	my %m;
	foreach my $line (split /\n/, $t)
	{
		next if $line =~ /^#/ || $line !~ /\S/;
		my ($name, $labels, $value) =
		  $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
		  or next;
		my @pairs;
		while (($labels // '') =~ /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)
		{
			push @pairs, [ $1, $2 ];
		}
		# The exporter adds server="host:port" to every query metric.
		@pairs = grep { $_->[0] ne 'server' } @pairs;
		my $key = $name;
		$key .= '{' . join(',', map { "$_->[0]=\"$_->[1]\"" } sort { $a->[0] cmp $b->[0] } @pairs) . '}'
		  if @pairs;
		$m{$key} = $value;
	}
	return \%m;
}

# The secconn metrics of one scrape, as "key value" lines.
sub secconn_lines
{
	my ($m, $prefix) = @_;
	return join("\n", map { "$_ $m->{$_}" } sort grep { /^\Q$prefix\E[{ ]|^\Q$prefix\E$/ } keys %$m);
}

$text = scrape();
my $m = parse_metrics($text // '');

is($m->{pg_exporter_last_scrape_error}, '0',
	'pg_exporter_last_scrape_error 0: every secconn query ran')
  or diag("exporter log:\n" . slurp_file($exporter_log));
like($text, qr/^# TYPE secconn_sessions gauge$/m, 'secconn_sessions is a gauge');
like($text, qr/^# TYPE secconn_rejected_total counter$/m, 'secconn_rejected_total is a counter');
like($text, qr/^secconn_sessions\{[^}]*server="127\.0\.0\.1:\d+"/m,
	'the exporter labels the metrics with server="host:port"');

# The exporter's own session: TLS 1.3 (Go's TLS stack), SCRAM, compliant.
is( bg_query($admin, 
		q{SELECT string_agg(concat_ws(' ', c.usename, transport, tls_version, cipher_strong, auth_mechanism, compliant), ',')
		    FROM secconn_connections c JOIN pg_stat_activity USING (pid)
		   WHERE application_name = 'exporter'}),
	'r_exporter tls TLSv1.3 t scram-sha-256 t',
	"the exporter's own session: TLS 1.3, strong cipher, SCRAM, compliant");

# Sessions: the four held open, the admin's (Unix socket, trust) and the
# exporter's own (TLS 1.3, SCRAM).
is( secconn_lines($m, 'secconn_sessions'),
	join("\n",
		'secconn_sessions{auth_mechanism="md5",cipher_strong="none",compliant="true",tls_version="none",transport="plain"} 1',
		'secconn_sessions{auth_mechanism="scram-sha-256",cipher_strong="false",compliant="false",tls_version="TLSv1.2",transport="tls"} 1',
		'secconn_sessions{auth_mechanism="scram-sha-256",cipher_strong="true",compliant="true",tls_version="TLSv1.3",transport="tls"} 2',
		'secconn_sessions{auth_mechanism="trust",cipher_strong="none",compliant="true",tls_version="none",transport="local"} 2'),
	'secconn_sessions: every held session, the admin session and the exporter itself');
is( bg_query($admin, 'SELECT count(*) FROM secconn_connections'),
	'6', 'secconn_connections has the same 6 sessions');

# Counters since the reset: 4 held sessions (the TLS 1.2 one warned),
# 3 rejections, 1 exporter connection.
is( join("\n", map { secconn_lines($m, "secconn_${_}_total") } qw(checked accepted warned rejected)),
	join("\n",
		'secconn_checked_total 8',
		'secconn_accepted_total 4',
		'secconn_warned_total 1',
		'secconn_rejected_total 3'),
	'secconn_checked/accepted/warned/rejected_total');
is( secconn_lines($m, 'secconn_rejected_by_requirement_total'),
	join("\n",
		'secconn_rejected_by_requirement_total{requirement="auth"} 0',
		'secconn_rejected_by_requirement_total{requirement="cipher"} 0',
		'secconn_rejected_by_requirement_total{requirement="clientcert"} 0',
		'secconn_rejected_by_requirement_total{requirement="min_tls"} 1',
		'secconn_rejected_by_requirement_total{requirement="ssl"} 2'),
	'secconn_rejected_by_requirement_total');
is( bg_query($admin, 
		'SELECT concat_ws(\' \', checked, accepted, warned, rejected, rejected_ssl, rejected_min_tls) FROM secconn_stats'),
	'8 4 1 3 2 1',
	'secconn_stats says the same (no connection was made meanwhile)');

# Login roles: scram r_exporter r_tls13 r_tls12 r_ssl r_tls13only; md5
# r_md5 (r_md5_group cannot log in); none: r_local and the bootstrap
# superuser.
is( secconn_lines($m, 'secconn_login_roles_count'),
	join("\n",
		'secconn_login_roles_count{password_type="md5"} 1',
		'secconn_login_roles_count{password_type="none"} 2',
		'secconn_login_roles_count{password_type="scram-sha-256"} 5'),
	'secconn_login_roles_count');

# secconn 1.1: certificates and client certificates near expiry.
my %expect_cert;
SKIP:
{
	skip "secconn $ext_version has no secconn_server_certificates() or secconn_stats.client_certs_expiring (they come with 1.1): certificate metrics not tested", 3
	  unless $has_11;

	# The files' end dates as openssl reads them.
	foreach my $f ([ 'ssl_cert_file', $c->{server_crt}, 'CN=localhost' ],
		[ 'ssl_ca_file', $c->{ca_crt}, 'CN=secconn test CA' ])
	{
		my ($end) = run_command([ 'openssl', 'x509', '-noout', '-enddate', '-in', $f->[1] ]);
		$end =~ s/^notAfter=//;
		chomp $end;
		my $epoch = bg_query($admin, 
			"SELECT extract(epoch FROM '$end'::timestamptz)::bigint");
		$expect_cert{ $f->[0] } = $epoch;
	}
	# a label value may hold spaces: the value is after the last space
	my %got = map { my ($k) = /^(.+) \S+$/; ($k => $m->{$k}) }
	  split /\n/, secconn_lines($m, 'secconn_server_certificate_not_after_seconds');
	is( $got{'secconn_server_certificate_not_after_seconds{position="0",source="ssl_cert_file",subject="CN=localhost"}'} + 0,
		$expect_cert{ssl_cert_file},
		'secconn_server_certificate_not_after_seconds of the server certificate = its notAfter');
	is( $got{'secconn_server_certificate_not_after_seconds{position="0",source="ssl_ca_file",subject="CN=secconn test CA"}'} + 0,
		$expect_cert{ssl_ca_file},
		'secconn_server_certificate_not_after_seconds of the CA = its notAfter')
	  or diag secconn_lines($m, 'secconn_server_certificate_not_after_seconds');
	is($m->{secconn_client_certs_expiring_total}, '0',
		'secconn_client_certs_expiring_total 0 (no client certificate was presented)');
}

# secconn 1.1: the hook-time histograms.  Which bucket a check falls in
# depends on the machine; the totals do not: every one of the 8 checks is
# in its path's +Inf bucket, buckets never decrease with le, and the 1.1
# file's sum agrees with secconn_hook_histogram.
SKIP:
{
	skip "secconn $ext_version has no secconn_hook_histogram: histogram metrics not tested", 3
	  unless $has_11;
	my %b = map { /^secconn_hook_seconds_bucket\{le="([^"]+)",path="(\w+)"\} (\S+)$/ ? ("$2 $1" => $3) : () }
	  split /\n/, secconn_lines($m, 'secconn_hook_seconds_bucket');
	is($b{'hit +Inf'} + $b{'miss +Inf'}, 8,
		'secconn_hook_seconds_bucket: le="+Inf" of hit and miss add up to the 8 checks');
	my $monotonic = keys(%b) == 28;
	foreach my $path ('hit', 'miss')
	{
		my @les = sort { ($a eq '+Inf' ? 9**9 : $a) <=> ($b eq '+Inf' ? 9**9 : $b) }
		  map { /^\Q$path\E (.*)/ ? $1 : () } keys %b;
		for my $i (1 .. $#les)
		{
			$monotonic = 0 if $b{"$path $les[$i]"} < $b{"$path $les[$i - 1]"};
		}
	}
	ok($monotonic, 'secconn_hook_seconds_bucket: 14 buckets per path, cumulative');
	my %sum = map { /^secconn_hook_time_seconds_total\{path="(\w+)"\} (\S+)$/ ? ($1 => $2) : () }
	  split /\n/, secconn_lines($m, 'secconn_hook_time_seconds_total');
	is( sprintf('%.6f', $sum{hit} + $sum{miss}),
		sprintf('%.6f', bg_query($admin, q{SELECT sum(s) / 1e6 FROM (SELECT DISTINCT path, sum_us AS s FROM secconn_hook_histogram) d})),
		'secconn_hook_time_seconds_total agrees with secconn_hook_histogram');
}

# A second scrape: the exporter kept its one connection (nothing counted
# again), and a session that ends leaves the metric.
$sess{md5}->quit;
delete $sess{md5};
# (polled in the admin session: a new connection would be counted)
my $gone = 0;
$deadline = time + $PostgreSQL::Test::Utils::timeout_default;
while (time < $deadline)
{
	$gone = bg_query($admin, 
		"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE usename = 'r_md5')") eq 't';
	last if $gone;
	usleep(50_000);
}
ok($gone, 'the r_md5 session ended');
$m = parse_metrics(scrape() // '');
is($m->{secconn_checked_total}, '8', 'second scrape: secconn_checked_total still 8');
is(secconn_lines($m, 'secconn_sessions') =~ /transport="plain"/ ? 'present' : 'gone',
	'gone', 'second scrape: the ended plain session is no longer in secconn_sessions');

# ------------------------------------------------------------------
# pgwatch: each definition's SQL, as the pg_monitor member, agrees
# ------------------------------------------------------------------

my $pgwatch = YAML::XS::LoadFile("$monitoring/pgwatch/secconn-metrics.yaml")->{metrics};
if ($has_11)
{
	my $more = YAML::XS::LoadFile("$monitoring/pgwatch/secconn-metrics-1.1.yaml")->{metrics};
	$pgwatch = { %$pgwatch, %$more };
}
else
{
	note "secconn $ext_version: monitoring/pgwatch/secconn-metrics-1.1.yaml not run (needs 1.1)";
}
my $major = int(bg_query($admin, 'SHOW server_version_num') / 10000);

# As pgwatch picks it: the SQL of the highest version key <= the server's.
sub pgwatch_sql
{
	my ($def) = @_;
	my ($v) = sort { $b <=> $a } grep { $_ <= $major } keys %{ $def->{sqls} };
	return defined $v ? $def->{sqls}{$v} : undef;
}

# One session as pgwatch would have (over the Unix socket): the ninth
# connection checked since the reset.
my %pgw;
my $mon = $node->background_psql('postgres',
	extra_params => [ '-d', conn($node, user => 'r_exporter', via => 'unix') ]);
is(bg_query($mon, 'SELECT current_user'), 'r_exporter', 'pgwatch session as r_exporter');
foreach my $name (sort keys %$pgwatch)
{
	my $sql = pgwatch_sql($pgwatch->{$name});
	ok(defined $sql, "pgwatch $name has SQL for PostgreSQL $major");
	next unless defined $sql;
	$sql =~ s/;?\s*\z//;
	# query_safe dies (failing the test) if the SQL fails
	my $out = bg_query($mon, "COPY ($sql) TO STDOUT WITH (FORMAT text, HEADER)");
	my ($header, @rows) = split /\n/, $out;
	my @cols = split /\t/, $header // '';
	is($cols[0], 'epoch_ns', "pgwatch $name: runs as a pg_monitor member, epoch_ns comes first");
	$pgw{$name} = [ map { my %r; @r{@cols} = split /\t/; \%r } @rows ];
}
$mon->quit;

# The same data as the exporter's (the collector's own session, over the
# Unix socket, counts as local/trust; the ended r_md5 session is gone).
is( join("\n", sort map { "$_->{tag_transport} $_->{tag_tls_version} $_->{tag_cipher_strong} $_->{tag_auth_mechanism} $_->{tag_compliant} $_->{sessions}" } @{ $pgw{secconn_sessions} }),
	join("\n",
		'local none none trust true 3',
		'tls TLSv1.2 false scram-sha-256 false 1',
		'tls TLSv1.3 true scram-sha-256 true 2'),
	'pgwatch secconn_sessions');
my ($st) = @{ $pgw{secconn_stats} };
is( join(' ', map { $st->{$_} } qw(checked accepted warned rejected rejected_ssl rejected_min_tls rejected_cipher rejected_auth rejected_clientcert)),
	# pgwatch's own session is the ninth check
	'9 5 1 3 2 1 0 0 0',
	'pgwatch secconn_stats');
is( join(' ', map { "$_->{tag_password_type}=$_->{roles}" } sort { $a->{tag_password_type} cmp $b->{tag_password_type} } @{ $pgw{secconn_login_roles} }),
	'md5=1 none=2 scram-sha-256=5',
	'pgwatch secconn_login_roles');
SKIP:
{
	skip "secconn $ext_version: pgwatch certificate metrics not tested (they come with 1.1)", 1
	  unless $has_11;
	my %nb = map { ("$_->{tag_source} $_->{tag_position}" => $_->{not_after_seconds}) }
	  @{ $pgw{secconn_server_certificates} };
	is( "$nb{'ssl_cert_file 0'} $nb{'ssl_ca_file 0'}",
		"$expect_cert{ssl_cert_file} $expect_cert{ssl_ca_file}",
		'pgwatch secconn_server_certificates: notAfter of the server certificate and the CA');
}

# ------------------------------------------------------------------
# The end: the exporter stops, nothing crashed
# ------------------------------------------------------------------

$exporter->signal('TERM');
$exporter->finish;
ok(!defined scrape(), 'exporter stopped: /metrics no longer answers');
unlike(slurp_file($exporter_log), qr/level=error/,
	'the exporter logged no error');

$_->quit foreach values %sess;
$admin->quit;
check_no_crash($node);
$node->stop;
done_testing();
