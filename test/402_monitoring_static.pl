
# Copyright (c) secconn developers
#
# The monitoring/ files without a server: the Prometheus alerting rules
# pass `promtool check rules` and their unit tests `promtool test rules`
# (and both fail on a broken copy, so the checks can fail); every
# expression of the alerts and of the Grafana dashboard uses only metrics
# the postgres_exporter query files export (or the exporter's pg_up); every
# dashboard panel's expression parses (promtool, through a generated rule
# file); the dashboard is importable anywhere (the datasource is an input,
# no hard-coded UID); the 1.1 query file is the 1.0 file plus the 1.1
# queries; the README lists exactly the exported metric names.  The query
# files and pgwatch SQL run against a real server in 401_monitoring.pl.

use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use IPC::Run ();
use JSON::PP;
use YAML::XS ();

my $promtool = '/usr/bin/promtool';
plan skip_all => "$promtool is not installed (test/setup-machine installs the prometheus package)"
  unless -x $promtool;

my $root = "$FindBin::RealBin/..";
my $mon = "$root/monitoring";
my $tmp = PostgreSQL::Test::Utils::tempdir('monitoring');

sub write_file
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "could not write $path: $!";
	print $fh $text;
	close $fh or die "could not close $path: $!";
	return;
}

# promtool with its arguments: (exit status, stdout + stderr)
sub promtool
{
	my @args = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ $promtool, @args ], '<', \undef, '>', \$out, '2>', \$err);
	return ($? >> 8, "$out$err");
}

# ------------------------------------------------------------------
# The query files: what they export
# ------------------------------------------------------------------

my $q10_path = "$mon/postgres_exporter/secconn-queries.yaml";
my $q11_path = "$mon/postgres_exporter/secconn-queries-1.1.yaml";
my %exported;    # metric name => [ labels ]
foreach my $path ($q10_path, $q11_path)
{
	my $y = YAML::XS::LoadFile($path);
	foreach my $ns (sort keys %$y)
	{
		my $q = $y->{$ns};
		my ($usage_ok, @labels, @values) = (1);
		foreach my $col (@{ $q->{metrics} })
		{
			my ($name, $def) = %$col;
			$usage_ok = 0
			  unless ($def->{usage} // '') =~ /^(LABEL|GAUGE|COUNTER)$/
			  && length($def->{description} // '');
			if ($def->{usage} eq 'LABEL') { push @labels, $name; }
			else { push @values, $name; }
		}
		ok($usage_ok && @values && $q->{query} && $q->{master},
			"$path: $ns has a query, master: true, and described LABEL/GAUGE/COUNTER columns");
		$exported{"${ns}_$_"} = [@labels] foreach @values;
	}
}
is( join(' ', sort keys %exported),
	join(' ', sort qw(
		  secconn_sessions secconn_checked_total secconn_accepted_total
		  secconn_warned_total secconn_rejected_total
		  secconn_rejected_by_requirement_total secconn_login_roles_count
		  secconn_server_certificate_not_after_seconds
		  secconn_client_certs_expiring_total
		  secconn_hook_seconds_bucket secconn_hook_time_seconds_total)),
	'the query files export exactly the documented metric names');
is_deeply(
	{ map { $_ => $exported{$_} } qw(secconn_sessions secconn_rejected_by_requirement_total secconn_login_roles_count secconn_server_certificate_not_after_seconds secconn_hook_seconds_bucket secconn_hook_time_seconds_total) },
	{
		secconn_sessions => [qw(transport tls_version cipher_strong auth_mechanism compliant)],
		secconn_rejected_by_requirement_total => ['requirement'],
		secconn_login_roles_count => ['password_type'],
		secconn_server_certificate_not_after_seconds => [qw(source position subject)],
		secconn_hook_seconds_bucket => [qw(path le)],
		secconn_hook_time_seconds_total => ['path'],
	},
	'labels of the labelled metrics');

# The 1.1 file carries the 1.0 file's queries verbatim (from its first
# query on), then its own.
{
	my $q10 = slurp_file($q10_path);
	my $q11 = slurp_file($q11_path);
	my ($body) = $q10 =~ /^(# Open sessions.*)\z/ms;
	ok(defined $body && index($q11, $body) >= 0,
		'secconn-queries-1.1.yaml contains every query of secconn-queries.yaml verbatim');
}

# ------------------------------------------------------------------
# Metric names used by a PromQL expression
# ------------------------------------------------------------------

my %promql_word = map { $_ => 1 }
  qw(and or unless by without on ignoring group_left group_right bool offset inf nan);

sub metrics_in
{
	my ($expr) = @_;
	my $e = $expr;
	$e =~ s/"(?:[^"\\]|\\.)*"//g;          # strings
	$e =~ s/\{[^}]*\}//g;                  # label matchers
	$e =~ s/\[[^\]]*\]//g;                 # ranges
	$e =~ s/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)//g;
	my %m;
	while ($e =~ /(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)
	{
		my ($word, $call) = ($1, $2);
		next if $call || $promql_word{ lc $word };
		$m{$word} = 1;
	}
	return sort keys %m;
}

my %known = (%exported, pg_up => []);

sub unknown_metrics
{
	my ($expr) = @_;
	return grep { !exists $known{$_} } metrics_in($expr);
}

# The extractor itself: it finds what it must (so the checks below can fail).
is( join(' ', metrics_in('sum by (instance) (rate(foo_total{a="b c"}[5m])) / on (x) group_left (y) bar > 3 * 86400 unless baz')),
	'bar baz foo_total', 'metric extractor finds the metrics and nothing else');
is(join(' ', unknown_metrics('secconn_sessions + secconn_no_such_metric')),
	'secconn_no_such_metric', 'an unexported metric is flagged');

# ------------------------------------------------------------------
# Alerting rules
# ------------------------------------------------------------------

my $alerts = "$mon/prometheus/secconn-alerts.yaml";
my ($rc, $out) = promtool('check', 'rules', $alerts);
is($rc, 0, 'promtool check rules secconn-alerts.yaml') or diag($out);
like($out, qr/SUCCESS: 7 rules found/, 'promtool finds the 7 rules');

($rc, $out) = promtool('test', 'rules', "$mon/prometheus/secconn-alerts.test.yaml");
is($rc, 0, 'promtool test rules secconn-alerts.test.yaml') or diag($out);

my $rules = YAML::XS::LoadFile($alerts);
my @alert_rules = map { @{ $_->{rules} } } @{ $rules->{groups} };
is( join(' ', sort map { $_->{alert} } @alert_rules),
	join(' ', sort qw(SecconnSessionsWithoutTLS SecconnNonCompliantSessions
		  SecconnRejectionSpike SecconnMD5LoginRoles
		  SecconnCertificateExpiringSoon SecconnCertificateExpiryCritical
		  SecconnMetricsMissing)),
	'the alerts');
my $tests = YAML::XS::LoadFile("$mon/prometheus/secconn-alerts.test.yaml");
my %tested = map { $_->{alertname} => 1 } map { @{ $_->{alert_rule_test} } } @{ $tests->{tests} };
foreach my $r (@alert_rules)
{
	is(join(' ', unknown_metrics($r->{expr})), '', "alert $r->{alert} uses only exported metrics");
	ok($r->{labels}{severity} && $r->{annotations}{summary} && $r->{annotations}{description},
		"alert $r->{alert} has a severity, a summary and a description");
	ok($tested{ $r->{alert} }, "alert $r->{alert} has a unit test");
}

# The checks can fail: a broken expression, a wrong expectation.
{
	(my $broken = slurp_file($alerts)) =~ s/expr: secconn_login_roles_count\{password_type="md5"\} > 0/expr: secconn_login_roles_count{password_type="md5"} > > 0/
	  or die 'the MD5 alert expression was not found';
	write_file("$tmp/broken-alerts.yaml", $broken);
	($rc, $out) = promtool('check', 'rules', "$tmp/broken-alerts.yaml");
	isnt($rc, 0, 'promtool check rules fails on a broken expression');

	(my $wrong = slurp_file("$mon/prometheus/secconn-alerts.test.yaml"))
	  =~ s/summary: "2 login role\(s\)/summary: "3 login role(s)/
	  or die 'the MD5 alert test was not found';
	$wrong =~ s/^  - secconn-alerts\.yaml$/  - $mon\/prometheus\/secconn-alerts.yaml/m;
	write_file("$tmp/wrong.test.yaml", $wrong);
	($rc, $out) = promtool('test', 'rules', "$tmp/wrong.test.yaml");
	isnt($rc, 0, 'promtool test rules fails on a wrong expectation');
	like($out, qr/SecconnMD5LoginRoles/, '... and names the alert');
}

# ------------------------------------------------------------------
# The Grafana dashboard
# ------------------------------------------------------------------

my $dash = JSON::PP->new->decode(slurp_file("$mon/grafana/secconn-dashboard.json"));
my @inputs = grep { $_->{type} eq 'datasource' && $_->{pluginId} eq 'prometheus' }
  @{ $dash->{__inputs} // [] };
is(scalar(@inputs), 1, 'dashboard: one Prometheus datasource input');
my $ds_var = '${' . ($inputs[0]{name} // 'none') . '}';
ok(!exists $dash->{uid} && !defined $dash->{id}, 'dashboard: no uid or id of its own');

# Every "uid" anywhere is the input variable.
my @uids;
sub walk
{
	my ($n) = @_;
	if (ref $n eq 'HASH')
	{
		push @uids, $n->{uid} if exists $n->{uid};
		walk($_) foreach values %$n;
	}
	elsif (ref $n eq 'ARRAY') { walk($_) foreach @$n; }
	return;
}
walk($dash->{panels});
walk($dash->{templating});
is(join(' ', grep { $_ ne $ds_var } @uids), '', "dashboard: every uid is $ds_var");

my @panels = grep { $_->{type} ne 'row' }
  map { $_, @{ $_->{panels} // [] } } @{ $dash->{panels} };
my (@exprs, %titles);
foreach my $p (@panels)
{
	$titles{ $p->{title} } = 1;
	is($p->{datasource}{uid} // '', $ds_var, "panel \"$p->{title}\": datasource is the input");
	my @t = grep { defined $_->{expr} } @{ $p->{targets} // [] };
	ok(@t, "panel \"$p->{title}\" has an expression");
	foreach my $t (@t)
	{
		is(join(' ', unknown_metrics($t->{expr})), '',
			"panel \"$p->{title}\" ($t->{refId}) uses only exported metrics");
		push @exprs, [ "$p->{title} ($t->{refId})", $t->{expr} ];
	}
}
foreach my $want ('Sessions by TLS version', 'Sessions by cipher strength',
	'Sessions by authentication mechanism', 'Compliance',
	'Rejections by requirement', 'Login roles by password type',
	'Days to certificate expiry')
{
	ok($titles{$want}, "dashboard has the panel \"$want\"");
}
foreach my $v (@{ $dash->{templating}{list} })
{
	my ($metric) = ($v->{definition} // '') =~ /^label_values\((\w+),/;
	ok(defined $metric && exists $known{$metric},
		"variable \$$v->{name}: label_values of an exported metric");
}

# Every expression parses: a rule file with one recording rule each, the
# dashboard's variables replaced by what Grafana would put there.
{
	my @rules;
	my $i = 0;
	foreach my $e (@exprs)
	{
		(my $expr = $e->[1]) =~ s/\$__rate_interval/5m/g;
		$expr =~ s/\$instance/.+/g;
		$i++;
		push @rules, { record => "secconn_dashboard:panel_$i", expr => $expr };
	}
	# JSON is YAML: promtool reads it as a rule file
	write_file("$tmp/dashboard-rules.yaml",
		JSON::PP->new->encode({ groups => [ { name => 'dashboard', rules => \@rules } ] }));
	($rc, $out) = promtool('check', 'rules', "$tmp/dashboard-rules.yaml");
	is($rc, 0, 'every dashboard expression parses (promtool check rules)') or diag($out);
	like($out, qr/SUCCESS: $i rules found/, "promtool parsed all $i dashboard expressions");

	# ... and the same check rejects an expression that does not parse
	write_file("$tmp/bad-rules.yaml",
		JSON::PP->new->encode({ groups => [ { name => 'x', rules => [ { record => 'x:y', expr => 'sum(rate(secconn_checked_total[5m])' } ] } ] }));
	($rc, $out) = promtool('check', 'rules', "$tmp/bad-rules.yaml");
	isnt($rc, 0, 'an expression that does not parse is rejected');
}

# ------------------------------------------------------------------
# pgwatch definitions: the format pgwatch reads
# ------------------------------------------------------------------

foreach my $f ('secconn-metrics.yaml', 'secconn-metrics-1.1.yaml')
{
	my $y = YAML::XS::LoadFile("$mon/pgwatch/$f");
	foreach my $name (sort keys %{ $y->{metrics} })
	{
		my $d = $y->{metrics}{$name};
		my @v = keys %{ $d->{sqls} // {} };
		ok( @v && !grep({ !/^\d+$/ || $_ < 15 } @v)
			  && !grep({ $d->{sqls}{$_} !~ /^\s*select\b.*?\bas epoch_ns,/is } @v)
			  && $d->{is_instance_level} && $d->{description},
			"pgwatch $f: $name has SQL per PostgreSQL major (15+), epoch_ns first, is_instance_level, a description");
	}
	foreach my $preset (sort keys %{ $y->{presets} // {} })
	{
		my @missing = grep { !exists $y->{metrics}{$_} } keys %{ $y->{presets}{$preset}{metrics} };
		is("@missing", '', "pgwatch $f: preset $preset names only its metrics");
	}
}

# ------------------------------------------------------------------
# The README lists the metric names exactly
# ------------------------------------------------------------------

{
	my $readme = slurp_file("$root/README.md");
	my ($section) = $readme =~ /^### Metrics on \/metrics\n(.*?)^#/ms;
	my %listed = map { $_ => 1 } ($section // '') =~ /^\| `([a-z_]+)(?:\{[^`]*\})?`/mg;
	is(join(' ', sort keys %listed), join(' ', sort keys %exported),
		'README "Metrics on /metrics" lists exactly the exported metrics');
}

done_testing();
