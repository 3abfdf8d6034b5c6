
# Copyright (c) secconn developers
#
# A cluster's life with secconn: labels survive a restart; pg_dumpall -g
# plus pg_dump --create carry role and database policies into a fresh
# cluster, which then enforces them (except the labels on the postgres and
# template1 databases, which pg_dumpall never dumps: shown here, with the
# workaround of doc/lifecycle.md); restoring needs the label provider in
# the restoring session; DROP EXTENSION / CREATE EXTENSION leave labels and
# enforcement alone; ALTER EXTENSION secconn UPDATE leads from every
# version installed in share/extension to the same objects as a fresh
# CREATE EXTENSION; and pg_upgrade carries every label, but only into a
# cluster that preloads secconn.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Cwd ();
use File::Basename qw(basename);
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;


# Every secconn label of a cluster, by object name (pg_shseclabel itself:
# works with or without the extension's views).
my $labels_sql = q{
SELECT CASE l.classoid WHEN 'pg_authid'::regclass THEN 'role' ELSE 'database' END,
       coalesce(r.rolname, d.datname), l.label
  FROM pg_shseclabel l
  LEFT JOIN pg_authid r ON l.classoid = 'pg_authid'::regclass AND r.oid = l.objoid
  LEFT JOIN pg_database d ON l.classoid = 'pg_database'::regclass AND d.oid = l.objoid
 WHERE l.provider = 'secconn'
 ORDER BY 1, 2};
my $policies_sql =
  'SELECT object_type, object_name, policy FROM secconn_policies ORDER BY 1, 2';

# ======================================================================
# The original cluster
# ======================================================================
my $node_a = new_node('life_a');
sql_output($node_a, qq{
CREATE ROLE r_ssl LOGIN PASSWORD '$PASSWORD';
CREATE ROLE grp NOLOGIN;
CREATE ROLE r_member LOGIN PASSWORD '$PASSWORD' IN ROLE grp;
CREATE ROLE r_plain LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE d_lab;
CREATE EXTENSION secconn;
});
$node_a->safe_psql('d_lab', 'CREATE EXTENSION secconn');
label($node_a, ROLE => 'r_ssl', 'ssl');
label($node_a, ROLE => 'grp', 'min_tls=TLSv1.3');
label($node_a, DATABASE => 'd_lab', 'ssl cipher=strong');
# Labels on the two databases pg_dumpall leaves out.  'ssl' keeps the
# tests' own Unix-socket connections working (secconn.exempt_local).
label($node_a, DATABASE => 'postgres', 'ssl');
label($node_a, DATABASE => 'template1', 'ssl min_tls=TLSv1.2');

my $labels_a = $node_a->safe_psql('postgres', $labels_sql);
is( $labels_a, join("\n",
		'database|d_lab|ssl cipher=strong',
		'database|postgres|ssl',
		'database|template1|ssl min_tls=TLSv1.2',
		'role|grp|min_tls=TLSv1.3',
		'role|r_ssl|ssl'),
	'cluster A: the labels are set');
is( $node_a->safe_psql('postgres', $policies_sql),
	$node_a->safe_psql('postgres', $labels_sql),
	'cluster A: secconn_policies lists exactly pg_shseclabel\'s secconn labels');

# The policies of cluster A, checked on any node that has them (A, and the
# restored cluster B).  $with_pg_db: whether the label on database postgres
# is expected to be there.
sub enforces
{
	my ($node, $what, $with_pg_db) = @_;
	labels_enforced(
		$node, $what,
		role => [ 'r_ssl', 'd_lab', [qr/Demanded by [^\n]*the label on database "d_lab"/] ],
		group => [ 'r_member', 'grp', 'd_lab' ],
		database => [ 'r_plain', 'd_lab' ]);
	if ($with_pg_db)
	{
		reject_ok(
			$node,
			conn($node, user => 'r_plain', db => 'postgres'),
			"$what: label on database postgres: plain TCP rejected",
			req => 'ssl',
			had => $PLAIN_TCP,
			source => 'the label on database "postgres"');
	}
	else
	{
		accept_ok($node, conn($node, user => 'r_plain', db => 'postgres'),
			"$what: no label on database postgres: plain TCP accepted");
	}
	return;
}
enforces($node_a, 'cluster A', 1);

# CREATE DATABASE copies template1's contents and, with secconn
# preloaded, its secconn label (issue 9: a clone starts with the
# template's label), so the new database is held to template1's policy.
$node_a->safe_psql('postgres', 'CREATE DATABASE d_fresh');
is( $node_a->safe_psql(
		'postgres', q{
SELECT string_agg(l.label, ',') FROM pg_shseclabel l JOIN pg_database d ON d.oid = l.objoid
 WHERE l.classoid = 'pg_database'::regclass AND d.datname = 'd_fresh'}),
	'ssl min_tls=TLSv1.2',
	'a database created from the labelled template1 has its label');
reject_ok($node_a, conn($node_a, user => 'r_plain', db => 'd_fresh'),
	'... and plain TCP to it is rejected',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on database "d_fresh"');
$node_a->safe_psql('postgres', 'DROP DATABASE d_fresh');

# ---- labels survive a restart ----
$node_a->restart;
is($node_a->safe_psql('postgres', $labels_sql), $labels_a,
	'cluster A after restart: the same labels');
enforces($node_a, 'cluster A after restart', 1);

# ======================================================================
# Dump and restore
# ======================================================================
my $dumpdir = PostgreSQL::Test::Utils::tempdir('dumps');
$node_a->command_ok([ 'pg_dumpall', '-g', '-f', "$dumpdir/globals.sql" ],
	'pg_dumpall -g');
$node_a->command_ok(
	[ 'pg_dump', '--create', '-f', "$dumpdir/d_lab.sql", 'd_lab' ],
	'pg_dump --create d_lab');
$node_a->command_ok([ 'pg_dumpall', '-f', "$dumpdir/all.sql" ], 'pg_dumpall (everything)');

my $globals = slurp_file("$dumpdir/globals.sql");
my $d_lab_dump = slurp_file("$dumpdir/d_lab.sql");
my $all = slurp_file("$dumpdir/all.sql");
like($globals, qr/^SECURITY LABEL FOR secconn ON ROLE r_ssl IS 'ssl';$/m,
	'pg_dumpall -g dumps role labels');
like($globals, qr/^SECURITY LABEL FOR secconn ON ROLE grp IS 'min_tls=TLSv1\.3';$/m,
	'pg_dumpall -g dumps group labels');
like($d_lab_dump,
	qr/^SECURITY LABEL FOR secconn ON DATABASE d_lab IS 'ssl cipher=strong';$/m,
	'pg_dump --create dumps the database label');
# The caveat: the labels on postgres and template1 are in no dump that
# pg_dumpall writes (it dumps those two databases without --create, and the
# database-level properties come only with --create).
like($all, qr/^SECURITY LABEL FOR secconn ON DATABASE d_lab IS /m,
	'pg_dumpall dumps the label of an ordinary database');
unlike($all, qr/SECURITY LABEL FOR secconn ON DATABASE (postgres|template1) /,
	'pg_dumpall does not dump the labels on databases postgres and template1');

# psql -f FILE on $node as the bootstrap superuser; returns stderr's ERROR
# lines.  Errors do not stop it, as with a plain `psql -f` restore.
sub restore
{
	my ($node, $file, %opt) = @_;
	local $ENV{PGOPTIONS} = $opt{pgoptions} if defined $opt{pgoptions};
	my ($ret, $stdout, $stderr) = $node->psql('postgres', undef,
		extra_params => [ '-f', $file ], on_error_stop => 0);
	return grep { /ERROR:/ } split /\n/, $stderr;
}

# The only error a globals restore into a fresh cluster should give: the
# bootstrap superuser exists already (both clusters have the same one).
my $bootstrap = $node_a->safe_psql('postgres', 'SELECT current_user');
my $role_exists = qr/role "\Q$bootstrap\E" already exists/;

# ---- into a fresh, preloaded cluster ----
my $node_b = new_node('life_b');
my @errors = restore($node_b, "$dumpdir/globals.sql");
is_deeply([ grep { !/$role_exists/ } @errors ], [],
	'cluster B: globals restored without other errors')
  or diag join("\n", @errors);
@errors = restore($node_b, "$dumpdir/d_lab.sql");
is_deeply(\@errors, [], 'cluster B: d_lab restored without errors')
  or diag join("\n", @errors);

# Everything but the labels on postgres and template1.
(my $labels_a_dumpable = $labels_a) =~ s/^database\|(postgres|template1)\|.*\n//mg;
is($node_b->safe_psql('postgres', $labels_sql),
	$labels_a_dumpable,
	'cluster B: the same role and database labels, without postgres and template1');
is( $node_b->safe_psql('d_lab', $policies_sql),
	$node_a->safe_psql(
		'd_lab', q{
SELECT object_type, object_name, policy FROM secconn_policies
 WHERE object_name NOT IN ('postgres', 'template1') ORDER BY 1, 2}),
	'cluster B: secconn_policies (the extension came with d_lab) as on A, but those two');
enforces($node_b, 'cluster B (restored)', 0);

# The workaround (doc/lifecycle.md): carry those two labels by hand.
my $by_hand = $node_a->safe_psql(
	'postgres', q{
SELECT format('SECURITY LABEL FOR secconn ON DATABASE %I IS %L;', d.datname, l.label)
  FROM pg_shseclabel l JOIN pg_database d ON d.oid = l.objoid
 WHERE l.provider = 'secconn' AND l.classoid = 'pg_database'::regclass
   AND d.datname IN ('postgres', 'template1')
 ORDER BY d.datname});
$node_b->safe_psql('postgres', $by_hand);
is($node_b->safe_psql('postgres', $labels_sql),
	$labels_a, 'cluster B after the workaround: all labels as on A');
enforces($node_b, 'cluster B after the workaround', 1);

# ---- into a cluster that does not load secconn ----
# The restoring session needs the "secconn" label provider.  Without it
# every SECURITY LABEL FOR secconn fails (and the restore goes on without
# the labels); session_preload_libraries, set by the restoring superuser
# through PGOPTIONS, is enough.
my $node_c = new_node('life_noload', extra_conf => "shared_preload_libraries = ''\n");
@errors = restore($node_c, "$dumpdir/globals.sql");
is(scalar(grep { /security label provider "secconn" is not loaded/ } @errors),
	2, 'cluster C without secconn: both role labels fail to restore');
is($node_c->safe_psql('postgres', $labels_sql), '', 'cluster C: no labels');
@errors = restore($node_c, "$dumpdir/globals.sql",
	pgoptions => '-c session_preload_libraries=secconn');
is_deeply([ grep { !/already exists/ } @errors ], [],
	'cluster C: restored again with PGOPTIONS=-c session_preload_libraries=secconn: no other errors')
  or diag join("\n", @errors);
is( $node_c->safe_psql('postgres', $labels_sql),
	join("\n", 'role|grp|min_tls=TLSv1.3', 'role|r_ssl|ssl'),
	'cluster C: the role labels are there now');
# They wait for shared_preload_libraries, then apply.
$node_c->append_conf('postgresql.conf', "shared_preload_libraries = 'secconn'");
$node_c->restart;
reject_ok(
	$node_c,
	conn($node_c, user => 'r_ssl'),
	'cluster C once preloaded: the restored role label is enforced',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "r_ssl"');
$node_c->stop;

# ======================================================================
# DROP EXTENSION / CREATE EXTENSION with labels present (cluster A)
# ======================================================================
$node_a->safe_psql($_, 'DROP EXTENSION secconn') foreach qw(postgres d_lab);
is($node_a->safe_psql('postgres', q{SELECT count(*) FROM pg_extension WHERE extname = 'secconn'}),
	'0', 'cluster A: extension dropped in postgres');
is($node_a->safe_psql('postgres', $labels_sql),
	$labels_a, 'cluster A without the extension objects: labels untouched');
enforces($node_a, 'cluster A without the extension objects', 1);

# Labels can be set and removed without the extension objects: the provider
# comes with the library.
label($node_a, ROLE => 'r_plain', 'ssl');
reject_ok(
	$node_a,
	conn($node_a, user => 'r_plain', db => 'template1'),
	'without the extension objects: a new label is enforced',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "r_plain"');
label($node_a, ROLE => 'r_plain', undef);

$node_a->safe_psql('postgres', 'CREATE EXTENSION secconn');
is($node_a->safe_psql('postgres', $policies_sql),
	$labels_a, 'CREATE EXTENSION again: secconn_policies shows the labels');
$node_a->safe_psql('postgres', 'DROP EXTENSION secconn');
$node_a->safe_psql('postgres', 'CREATE EXTENSION secconn');
is($node_a->safe_psql('postgres', $policies_sql),
	$labels_a, 'a second DROP / CREATE: same');
enforces($node_a, 'cluster A with the extension re-created', 1);

# ======================================================================
# ALTER EXTENSION secconn UPDATE from every installed version
# ======================================================================
my $extdir = $node_a->config_data('--sharedir') . '/extension';
my @scripts = map { basename($_) } glob("$extdir/secconn--*.sql");
my (%install, %update);
foreach my $s (@scripts)
{
	if ($s =~ /^secconn--(.+)--(.+)\.sql$/)
	{
		$update{"$1 -> $2"} = 1;
	}
	elsif ($s =~ /^secconn--(.+)\.sql$/)
	{
		$install{$1} = 1;
	}
}
my %known = %install;
$known{$_} = 1 foreach map { split / -> / } keys %update;
my @versions = sort keys %known;

my ($default) = slurp_file("$extdir/secconn.control") =~ /^\s*default_version\s*=\s*'([^']+)'/m;
ok(defined $default, "secconn.control names a default_version ($default)");
# 1.0 was released: it must stay installable (its install script kept), or
# the update from it would go untested.
ok($install{'1.0'}, 'the first released version, 1.0, is still installable');
ok($install{$default}, "an install script for the default version: secconn--$default.sql");
is( $node_a->safe_psql('postgres',
		q{SELECT default_version FROM pg_available_extensions WHERE name = 'secconn'}),
	$default,
	'pg_available_extensions agrees on the default version');
note "scripts in $extdir: @scripts";
note 'versions: ' . join(', ', @versions) . "; default $default";

# Not an error, but worth a note: files left in share/extension by an
# earlier install that this tree no longer ships.
my %in_tree = map { basename($_) => 1 } glob("$FindBin::RealBin/../secconn--*.sql");
foreach my $s (grep { !$in_tree{$_} } @scripts)
{
	note "installed but not in this tree: $s";
}

# What an extension version consists of, as text lines: its member objects,
# each function's signature, result, volatility, strictness, parallel
# safety, C symbol, library and ACL; each relation's kind, ACL, columns and
# (normalised) view definition; comments; the extension's own settings.
my $fingerprint_sql = q{
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'secconn'),
m AS (SELECT d.classid, d.objid, d.objsubid
        FROM pg_depend d, ext
       WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid
         AND d.deptype = 'e')
SELECT 'member: ' || pg_describe_object(classid, objid, objsubid) FROM m
UNION ALL
SELECT format('function: %s returns %s volatile=%s strict=%s parallel=%s secdef=%s symbol=%s library=%s acl=%s',
              p.oid::regprocedure, pg_get_function_result(p.oid), p.provolatile,
              p.proisstrict, p.proparallel, p.prosecdef, p.prosrc, p.probin,
              coalesce(p.proacl::text, 'default'))
  FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
UNION ALL
SELECT format('relation: %s kind=%s acl=%s', c.relname, c.relkind,
              coalesce(c.relacl::text, 'default'))
  FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT format('column: %s.%s %s %s', c.relname, lpad(a.attnum::text, 3, '0'), a.attname,
              format_type(a.atttypid, a.atttypmod))
  FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT format('view: %s %s', c.relname,
              regexp_replace(pg_get_viewdef(c.oid, true), '\s+', ' ', 'g'))
  FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
 WHERE c.relkind = 'v'
UNION ALL
SELECT format('comment: %s: %s', pg_describe_object(m.classid, m.objid, m.objsubid),
              d.description)
  FROM m JOIN pg_description d
    ON d.classoid = m.classid AND d.objoid = m.objid AND d.objsubid = m.objsubid
UNION ALL
SELECT format('extension: version=%s relocatable=%s schema=%s config=%s condition=%s',
              extversion, extrelocatable, extnamespace::regnamespace, extconfig,
              extcondition)
  FROM pg_extension WHERE extname = 'secconn'
ORDER BY 1};

# The lines of $got missing from $want and the other way round: empty
# lists when they match.
sub fingerprint_is
{
	my ($got, $want, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my %g = map { $_ => 1 } split /\n/, $got;
	my %w = map { $_ => 1 } split /\n/, $want;
	my @missing = grep { !$g{$_} } sort keys %w;
	my @extra = grep { !$w{$_} } sort keys %g;
	my $ok = ok(!@missing && !@extra, $name);
	diag join("\n", (map { "missing: $_" } @missing), (map { "extra:   $_" } @extra))
	  unless $ok;
	return $ok;
}

$node_a->safe_psql('postgres', 'CREATE DATABASE d_upgrade');
$node_a->safe_psql('d_upgrade', 'CREATE EXTENSION secconn');
my $fresh = $node_a->safe_psql('d_upgrade', $fingerprint_sql);
like($fresh, qr/^extension: version=\Q$default\E /m, "fresh install is version $default");
like($fresh, qr/^column: secconn_stats\.\d+ rejected_clientcert bigint$/m,
	'the fingerprint covers view columns');
like($fresh, qr/^function: secconn_stats_reset\(\) returns void .* acl=\{/m,
	'the fingerprint covers function privileges');

# Updating the current version is a no-op.
my ($ret, $stdout, $stderr) =
  $node_a->psql('d_upgrade', 'ALTER EXTENSION secconn UPDATE');
is($ret, 0, "ALTER EXTENSION secconn UPDATE on $default succeeds");
like($stderr, qr/version "\Q$default\E" of extension "secconn" is already installed/,
	'... and says it is already installed');
fingerprint_is($node_a->safe_psql('d_upgrade', $fingerprint_sql), $fresh,
	'... and changes nothing');

# The fingerprint is stable across a DROP / CREATE (so a difference below
# means the update scripts, not noise).
$node_a->safe_psql('d_upgrade', 'DROP EXTENSION secconn; CREATE EXTENSION secconn');
fingerprint_is($node_a->safe_psql('d_upgrade', $fingerprint_sql), $fresh,
	'a second fresh install has the same fingerprint');

my @older = grep { $_ ne $default } @versions;
my $paths = $node_a->safe_psql('d_upgrade',
	qq{SELECT source, path FROM pg_extension_update_paths('secconn')
	    WHERE target = '$default' AND source <> target ORDER BY 1});
my %path = map { split /\|/, $_, 2 } grep { /\S/ } split /\n/, $paths;
foreach my $v (@older)
{
	ok(defined $path{$v} && $path{$v} ne '',
		"an update path from $v to $default exists" . (defined $path{$v} ? " ($path{$v})" : ''));
	$node_a->safe_psql('d_upgrade', 'DROP EXTENSION secconn');
	my ($r, $o, $e) =
	  $node_a->psql('d_upgrade', "CREATE EXTENSION secconn VERSION '$v'");
	is($r, 0, "CREATE EXTENSION secconn VERSION '$v'") or diag $e;
	($r, $o, $e) = $node_a->psql('d_upgrade', 'ALTER EXTENSION secconn UPDATE');
	is($r, 0, "ALTER EXTENSION secconn UPDATE from $v") or diag $e;
	fingerprint_is($node_a->safe_psql('d_upgrade', $fingerprint_sql),
		$fresh, "updated from $v: the same objects as a fresh $default");
}

# 1.0 -> 1.1 in particular, on this running preloaded cluster: the 1.0
# objects work with the new library until the update, and the update
# leaves labels and counters alone.
is($default, '1.1', 'the default version is 1.1');
ok((grep { $_ eq '1.0' } @older), '1.0 is among the versions updated from');
$node_a->safe_psql('d_upgrade', "DROP EXTENSION secconn; CREATE EXTENSION secconn VERSION '1.0'");
is( $node_a->safe_psql('d_upgrade',
		q{SELECT count(*) > 0, bool_and(client_dn IS NULL) FROM secconn_connections
		   WHERE pid = pg_backend_pid()}),
	't|t', '1.0 objects with the 1.1 library: secconn_connections works');
my $stats_before = $node_a->safe_psql('d_upgrade',
	'SELECT stats_reset, checked FROM secconn_stats');
like($stats_before, qr/^\S.*\|\d+$/, '... and so does secconn_stats');
my $labels_before = $node_a->safe_psql('postgres', $labels_sql);
$node_a->safe_psql('d_upgrade', q{ALTER EXTENSION secconn UPDATE TO '1.1'});
is($node_a->safe_psql('postgres', $labels_sql), $labels_before,
	'ALTER EXTENSION secconn UPDATE TO 1.1 leaves the labels alone');
my ($reset_before, $checked_before) = split /\|/, $stats_before;
my ($reset_after, $checked_after, $expiring) = split /\|/,
  $node_a->safe_psql('d_upgrade',
	'SELECT stats_reset, checked, client_certs_expiring FROM secconn_stats');
is($reset_after, $reset_before, '... and the counters (same stats_reset)');
ok($checked_after >= $checked_before, "... which keep counting ($checked_before, then $checked_after)");
is( $node_a->safe_psql('d_upgrade',
		q{SELECT count(*) FROM secconn_connections
		   WHERE pid = pg_backend_pid() AND client_issuer_dn IS NULL}),
	'1', 'after the update: the 1.1 columns are there');
fingerprint_is($node_a->safe_psql('d_upgrade', $fingerprint_sql),
	$fresh, 'after the update on the running cluster: the same objects as a fresh 1.1');

my $checked = scalar(@versions);
note "checked $checked version(s) of secconn: "
  . join(', ', map { $_ eq $default ? "$_ (default, fresh install)" : "$_ (updated to $default)" } @versions);
ok($checked >= 1,
	"checked $checked version(s) from share/extension, "
	  . scalar(@older) . " of them updated to $default");

check_no_crash($node_a);
check_no_crash($node_b);
$node_b->stop;

# ======================================================================
# pg_upgrade (15 to 15 here): all labels, postgres and template1 included,
# provided that the new cluster preloads secconn
# ======================================================================
# d_upgrade, created from template1 above, carries template1's label now.
$labels_a = $node_a->safe_psql('postgres', $labels_sql);
$node_a->stop;
my $bindir = $node_a->config_data('--bindir');
my $upgrade_dir = PostgreSQL::Test::Utils::tempdir('upgrade');

# pg_upgrade from cluster A into $new; it writes its own files in the
# current directory and the new data directory.
sub pg_upgrade
{
	my ($new) = @_;
	my $cwd = Cwd::getcwd();
	chdir $upgrade_dir or die "chdir $upgrade_dir: $!";
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[
			'pg_upgrade', '--no-sync',
			'-b' => $bindir, '-B' => $bindir,
			'-d' => $node_a->data_dir, '-D' => $new->data_dir,
			'-p' => $node_a->port, '-P' => $new->port,
			'-s' => $new->host
		],
		'<', \undef, '>', \$out, '2>', \$err);
	chdir $cwd or die "chdir $cwd: $!";
	return ($ok, "$out$err");
}

# Into a cluster without secconn: it stops while restoring the globals.
my $node_e = new_node('upgrade_noload', no_start => 1,
	extra_conf => "shared_preload_libraries = ''\n");
my ($upgraded, $output) = pg_upgrade($node_e);
ok(!$upgraded, 'pg_upgrade into a cluster without secconn preloaded fails');
like($output, qr/Restoring global objects in the new cluster/,
	'... while restoring the global objects');
my ($utility_log) =
  glob($node_e->data_dir . '/pg_upgrade_output.d/*/log/pg_upgrade_utility.log');
like(defined $utility_log ? slurp_file($utility_log) : '',
	qr/security label provider "secconn" is not loaded/,
	'... because the label provider is not loaded');

# Into a cluster that preloads it.
my $node_d = new_node('upgraded', no_start => 1);
($upgraded, $output) = pg_upgrade($node_d);
ok($upgraded, 'pg_upgrade into a cluster with secconn preloaded') or diag $output;
$node_d->start;
is($node_d->safe_psql('postgres', $labels_sql),
	$labels_a, 'after pg_upgrade: all labels as on A, postgres and template1 included');
enforces($node_d, 'after pg_upgrade', 1);
is( $node_d->safe_psql(
		'd_upgrade', q{SELECT extversion FROM pg_extension WHERE extname = 'secconn'}),
	$default,
	'after pg_upgrade: the extension is there, same version');
check_no_crash($node_d);
$node_d->stop;
done_testing();
