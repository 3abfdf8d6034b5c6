
# Copyright (c) secconn developers
#
# pg_upgrade from an older major (PostgreSQL 15, Debian's) to the major
# under test, with role and database labels set: every policy stays in
# force.  The old installation must have this secconn installed:
# test/run-all tests 15 first and then sets SECCONN_UPGRADE_FROM (the old
# installation's directory, holding bin/) for the newest major.  Without
# it the test says so and is skipped.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Cwd ();
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $old_path = $ENV{SECCONN_UPGRADE_FROM};
plan skip_all => 'cross-major pg_upgrade: SECCONN_UPGRADE_FROM is not set '
  . '(test/run-all sets it for the newest major, after testing 15)'
  unless $old_path;
my $old_pkglibdir = `$old_path/bin/pg_config --pkglibdir`;
chomp $old_pkglibdir;
plan skip_all => "cross-major pg_upgrade: no secconn installed in $old_path"
  unless -e "$old_pkglibdir/secconn.so";

my $old = new_node('old', install_path => $old_path);
my $new = new_node('new', no_start => 1, no_data_checksums => 1);
my $new_major = $new->pg_version->major;
my $old_major = $old->pg_version->major;
plan skip_all => "cross-major pg_upgrade: $old_path is PostgreSQL $old_major, "
  . "not older than $new_major"
  unless $old_major < $new_major;
note "pg_upgrade from PostgreSQL $old_major to $new_major";

my $labels_sql = q{
SELECT CASE l.classoid WHEN 'pg_authid'::regclass THEN 'role' ELSE 'database' END,
       coalesce(r.rolname, d.datname), l.label
  FROM pg_shseclabel l
  LEFT JOIN pg_authid r ON l.classoid = 'pg_authid'::regclass AND r.oid = l.objoid
  LEFT JOIN pg_database d ON l.classoid = 'pg_database'::regclass AND d.oid = l.objoid
 WHERE l.provider = 'secconn'
 ORDER BY 1, 2};

sql_output($old, qq{
CREATE ROLE r_ssl LOGIN PASSWORD '$PASSWORD';
CREATE ROLE grp NOLOGIN;
CREATE ROLE r_member LOGIN PASSWORD '$PASSWORD' IN ROLE grp;
CREATE ROLE r_plain LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE d_lab;
CREATE EXTENSION secconn;
});
$old->safe_psql('d_lab', 'CREATE EXTENSION secconn');
label($old, ROLE => 'r_ssl', 'ssl');
label($old, ROLE => 'grp', 'min_tls=TLSv1.3');
label($old, DATABASE => 'd_lab', 'ssl cipher=strong');
label($old, DATABASE => 'template1', 'ssl min_tls=TLSv1.2');
my $labels_old = $old->safe_psql('postgres', $labels_sql);
is( $labels_old, join("\n",
		'database|d_lab|ssl cipher=strong',
		'database|template1|ssl min_tls=TLSv1.2',
		'role|grp|min_tls=TLSv1.3',
		'role|r_ssl|ssl'),
	"PostgreSQL $old_major: the labels are set");

# The policies, both ways, on $node.
sub enforces
{
	my ($node, $what) = @_;
	labels_enforced(
		$node, $what,
		role => ['r_ssl'],
		group => [ 'r_member', 'grp' ],
		database => [ 'r_plain', 'd_lab' ]);
	return;
}
enforces($old, "PostgreSQL $old_major");
$old->stop;

my $upgrade_dir = PostgreSQL::Test::Utils::tempdir('upgrade');
my $cwd = Cwd::getcwd();
chdir $upgrade_dir or die "chdir $upgrade_dir: $!";
my ($out, $err) = ('', '');
my $ok = IPC::Run::run(
	[
		'pg_upgrade', '--no-sync',
		'-b' => "$old_path/bin", '-B' => $new->config_data('--bindir'),
		'-d' => $old->data_dir, '-D' => $new->data_dir,
		'-p' => $old->port, '-P' => $new->port,
		'-s' => $new->host
	],
	'<', \undef, '>', \$out, '2>', \$err);
chdir $cwd or die "chdir $cwd: $!";
ok($ok, "pg_upgrade from $old_major to $new_major") or diag "$out$err";

$new->start;
is($new->safe_psql('postgres', $labels_sql),
	$labels_old, "PostgreSQL $new_major: every label as before");
enforces($new, "after pg_upgrade to $new_major");
like($new->safe_psql('d_lab',
		q{SELECT extversion FROM pg_extension WHERE extname = 'secconn'}),
	qr/^\d+\.\d+$/, "PostgreSQL $new_major: the extension came along");
check_no_crash($new);
$new->stop;
done_testing();
