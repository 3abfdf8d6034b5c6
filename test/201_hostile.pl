
# Copyright (c) secconn developers
#
# Hostile input at connection time (sql/hostile.sql covers SECURITY LABEL
# itself): policies at the length limit and separated by tabs and newlines;
# role and database names with quotes, spaces, a newline and printf
# directives, named correctly in the rejection and the log; a label on a
# role that is dropped; SECURITY LABEL and DROP ROLE racing from two
# sessions; labels in the catalog that do not parse (an older grammar,
# over the length cap, out of line, not UTF-8), which must fail closed in
# enforce mode, be admitted with a log line in warn mode and silently in
# off mode, also on the first connection after a restart; a long chain of
# labelled groups; and invalid secconn.* values in postgresql.conf at
# server start.  Each must end in a clear error or the right behaviour,
# never a crash.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $UNEVALUABLE_FATAL =
  'FATAL:  connection rejected: secconn could not evaluate its policy';
my $UNEVALUABLE_WARN =
  'LOG:  secconn could not evaluate its policy, connection admitted in warn mode';

# A libpq connection-string value in single quotes.
sub cq
{
	my ($s) = @_;
	$s =~ s/([\\'])/\\$1/g;
	return "'$s'";
}

# An SQL identifier in double quotes.
sub qi
{
	my ($s) = @_;
	$s =~ s/"/""/g;
	return qq{"$s"};
}

# Signs of a crash or of a sanitizer report in the server log.
sub check_log_clean
{
	my ($node) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	check_no_crash($node);
	unlike(slurp_file($node->logfile),
		qr/TRAP:|Sanitizer|runtime error:|server process .* exited with exit code [^01]/,
		'server log of ' . $node->name . ' has no TRAP or sanitizer report');
	return;
}

# The connection fails closed: the client gets secconn's FATAL and nothing
# of the label, the log has it with SQLSTATE 28000, why, and who tried.
sub unevaluable_ok
{
	my ($node, $connstr, $name, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @log_like = (qr/ 28000 .*\Q$UNEVALUABLE_FATAL\E/);
	push @log_like, $o{why} if $o{why};
	push @log_like, qr/Connection of role "\Q$o{role}\E"/ if $o{role};
	connect_fails_ok($node,
		$connstr, $name,
		expected_stderr => qr/\Q$UNEVALUABLE_FATAL\E(?!.*(?:Invalid requirement|Demanded by))/s,
		log_like => \@log_like,
		log_unlike => [qr/terminated by signal/]);
	return;
}

my $node = new_node('hostile');

# ---------------------------------------------------------------------
# Policies at the length limit, and white space as separators
# ---------------------------------------------------------------------
sql_output($node, qq{
CREATE ROLE h_long LOGIN PASSWORD '$PASSWORD';
CREATE ROLE h_spaces LOGIN PASSWORD '$PASSWORD';
CREATE ROLE h_newline LOGIN PASSWORD '$PASSWORD';
CREATE ROLE h_tabs LOGIN PASSWORD '$PASSWORD';
});
my $ssl_1024 = 'ssl' . (' ' x 1021);
label($node, ROLE => 'h_long', $ssl_1024);
is(sql_output($node, q{SELECT octet_length(label) FROM pg_shseclabel l
  JOIN pg_authid r ON r.oid = l.objoid WHERE r.rolname = 'h_long'}),
	'1024', 'a 1024-byte label is stored whole');
reject_ok(
	$node,
	conn($node, user => 'h_long'),
	'1024-byte label: its requirement is enforced',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "h_long"');
accept_ok($node, conn($node, user => 'h_long', sslmode => 'require'),
	'1024-byte label: TLS accepted');
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SECURITY LABEL FOR secconn ON ROLE h_long IS '$ssl_1024 '");
	like($err, qr/ERROR:  secconn policy is too long/,
		'1025-byte label refused: "secconn policy is too long"');
}

label($node, ROLE => 'h_spaces', ' ' x 1024);
accept_ok($node, conn($node, user => 'h_spaces'),
	'1024 spaces: the empty policy, plain TCP accepted');

# A newline and a tab separate requirements: were they part of a word, the
# label would not parse and the connection would fail closed instead.
sql_output($node, q{SECURITY LABEL FOR secconn ON ROLE h_newline IS E'auth=scram-sha-256\nssl'});
reject_ok(
	$node,
	conn($node, user => 'h_newline'),
	'newline-separated label: "ssl" enforced on its own',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "h_newline"');
accept_ok($node, conn($node, user => 'h_newline', sslmode => 'require'),
	'newline-separated label: TLS with SCRAM accepted');
sql_output($node, q{SECURITY LABEL FOR secconn ON ROLE h_tabs IS E'\t\tmin_tls=TLSv1.3\t\r\n\x0bclientcert\f'});
reject_ok(
	$node,
	conn($node, user => 'h_tabs', sslmode => 'require'),
	'tab/CR/LF/VT/FF-separated label: both requirements enforced',
	req => 'clientcert',
	had => 'the client presented no certificate');

# ---------------------------------------------------------------------
# Role and database names with quotes, spaces, a newline and % signs
# ---------------------------------------------------------------------
my @odd_roles = (
	q{h "quoted" role},
	q{h_o'brien},
	q{h_%s%n%x},
	q{h back\\slash});
my $nl_role = "h_new\nline";
my $odd_db = q{h db "x"; 'y'};
# PostgreSQL 19 refuses a newline in a role name.
my $nl_roles_exist = $node->pg_version->major < 19;
sql_output($node, join('', map { 'CREATE ROLE ' . qi($_) . " LOGIN PASSWORD '$PASSWORD';\n" }
		@odd_roles, $nl_roles_exist ? ($nl_role) : ())
	  . 'CREATE DATABASE ' . qi($odd_db) . ";\n");
foreach my $role (@odd_roles)
{
	sql_output($node, 'SECURITY LABEL FOR secconn ON ROLE ' . qi($role) . q{ IS 'ssl'});
	reject_ok(
		$node,
		conn($node, user => cq($role)),
		"role named <$role>: rejected",
		req => 'ssl',
		had => $PLAIN_TCP,
		source => qq{the label on role "$role"},
		role => $role,
		db => 'postgres',
		from => '127.0.0.1');
	accept_ok($node, conn($node, user => cq($role), sslmode => 'require'),
		"role named <$role>: TLS accepted");
}
# A newline in a role name: the server log, like every multi-line message
# of PostgreSQL's stderr log, continues the line with a tab, so the name
# cannot start a line of its own in secconn's messages.  (Core's own
# log_line_prefix %u writes it raw.)
SKIP:
{
	if (!$nl_roles_exist)
	{
		diag 'not tested on PostgreSQL ' . $node->pg_version->major
		  . ': it refuses a newline in a role name';
		skip 'PostgreSQL 19 refuses a newline in a role name', 1;
	}
sql_output($node, 'SECURITY LABEL FOR secconn ON ROLE ' . qi($nl_role) . q{ IS 'ssl'});
connect_fails_ok($node,
	conn($node, user => cq($nl_role)),
	'role named <h_new\nline>: rejected',
	expected_stderr => qr/\Q$REJECT_FATAL\E.*^DETAIL:  Requirement "ssl" is not met: the connection uses plain TCP\./ms,
	log_like => [
		qr/ 28000 h_new\nline\@postgres FATAL:  connection rejected by secconn policy/,
		qr/Demanded by the label on role "h_new\n\tline"\.\n\tConnection of role "h_new\n\tline" to database "postgres" from 127\.0\.0\.1\./
	],
	log_unlike => [qr/terminated by signal/]);
accept_ok($node, conn($node, user => cq($nl_role), sslmode => 'require'),
	'role named <h_new\nline>: TLS accepted');
}

sql_output($node, 'SECURITY LABEL FOR secconn ON DATABASE ' . qi($odd_db) . q{ IS 'min_tls=TLSv1.3'});
{
	local $ENV{OPENSSL_CONF} = openssl_conf(undef, 'TLSv1.2');
	reject_ok(
		$node,
		conn($node, user => cq($odd_roles[0]), db => $odd_db, sslmode => 'require'),
		'database with quotes in its name: rejected, and named',
		req => 'min_tls=TLSv1.3',
		had => qr/the connection uses TLSv1\.2 /,
		source => qq{the label on database "$odd_db"},
		role => $odd_roles[0],
		db => $odd_db);
}
accept_ok($node, conn($node, user => cq($odd_roles[0]), db => $odd_db, sslmode => 'require'),
	'database with quotes in its name: TLS 1.3 accepted');

# warn mode names them the same way
set_guc($node, 'secconn.mode', 'warn');
warn_ok(
	$node,
	conn($node, user => cq($odd_roles[2])),
	'role named <h_%s%n%x> in warn mode: logged with its name',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => qq{the label on role "$odd_roles[2]"},
	role => $odd_roles[2]);
set_guc($node, 'secconn.mode', 'enforce');

# ---------------------------------------------------------------------
# A label on a role that is then dropped
# ---------------------------------------------------------------------
sql_output($node, qq{CREATE ROLE h_doomed LOGIN PASSWORD '$PASSWORD';
SECURITY LABEL FOR secconn ON ROLE h_doomed IS 'ssl';});
my $doomed_oid = sql_output($node, q{SELECT oid FROM pg_authid WHERE rolname = 'h_doomed'});
reject_ok($node, conn($node, user => 'h_doomed'), 'labelled role before DROP: rejected',
	req => 'ssl', had => $PLAIN_TCP);
sql_output($node, 'DROP ROLE h_doomed');
is(sql_output($node, "SELECT count(*) FROM pg_shseclabel WHERE objoid = $doomed_oid"),
	'0', 'DROP ROLE removed its label');
connect_fails_ok($node,
	conn($node, user => 'h_doomed', via => 'unix'),
	'dropped role: core refuses it (role does not exist)',
	expected_stderr => qr/FATAL:  role "h_doomed" does not exist/,
	log_unlike => [qr/secconn could not evaluate|terminated by signal/]);
accept_ok($node, conn($node, user => 'h_spaces'),
	'after the DROP ROLE: other roles unaffected');

# ---------------------------------------------------------------------
# SECURITY LABEL and DROP ROLE from two sessions
# ---------------------------------------------------------------------
sub wait_for_lock
{
	my ($what) = @_;
	return $node->poll_query_until('postgres', qq{
		SELECT count(*) > 0 FROM pg_stat_activity
		 WHERE wait_event_type = 'Lock' AND query LIKE '$what%'});
}

{
	sql_output($node, "CREATE ROLE h_victim LOGIN PASSWORD '$PASSWORD'");
	my $s1 = $node->background_psql('postgres', on_error_stop => 0);
	my $s2 = $node->background_psql('postgres', on_error_stop => 0);

	# DROP first: SECURITY LABEL waits for it, then finds no role.
	bg_query($s1, 'BEGIN; DROP ROLE h_victim;');
	$s2->query_until(qr/label_sent/,
		"\\echo label_sent\nSECURITY LABEL FOR secconn ON ROLE h_victim IS 'ssl';\n");
	ok(wait_for_lock('SECURITY LABEL'), 'SECURITY LABEL waits for the uncommitted DROP ROLE');
	bg_query($s1, 'COMMIT');
	$s2->query('SELECT 1');
	like($s2->{stderr}, qr/ERROR:  role "h_victim" does not exist/,
		'SECURITY LABEL after a concurrent DROP ROLE: "role does not exist"');
	$s2->{stderr} = '';

	# SECURITY LABEL first: DROP ROLE waits for it, then drops role and label.
	sql_output($node, "CREATE ROLE h_victim LOGIN PASSWORD '$PASSWORD'");
	my $oid = sql_output($node, q{SELECT oid FROM pg_authid WHERE rolname = 'h_victim'});
	bg_query($s1, q{BEGIN; SECURITY LABEL FOR secconn ON ROLE h_victim IS 'ssl';});
	$s2->query_until(qr/drop_sent/, "\\echo drop_sent\nDROP ROLE h_victim;\n");
	ok(wait_for_lock('DROP ROLE'), 'DROP ROLE waits for the uncommitted SECURITY LABEL');
	bg_query($s1, 'COMMIT');
	$s2->query('SELECT 1');
	is($s2->{stderr}, '', 'DROP ROLE after a concurrent SECURITY LABEL: succeeds');
	$s2->{stderr} = '';
	is(sql_output($node, "SELECT count(*) FROM pg_shseclabel WHERE objoid = $oid"),
		'0', 'no label outlives the role dropped concurrently');

	$s1->quit;
	$s2->quit;
}

# Many rounds of both at once, from two pgbench processes with one client
# each (so that CREATE ROLE never races CREATE ROLE): the only error
# allowed is "role does not exist", caught in the scripts; pgbench fails on
# any other.  No label may be left without its role.
{
	my %scripts = (
		drop => q{
DO $$ BEGIN CREATE ROLE h_racer; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN DROP ROLE h_racer; EXCEPTION WHEN undefined_object THEN NULL; END $$;
},
		label => q{
DO $$ BEGIN SECURITY LABEL FOR secconn ON ROLE h_racer IS 'ssl'; INSERT INTO h_race VALUES ('labelled');
  EXCEPTION WHEN undefined_object THEN INSERT INTO h_race VALUES ('no role'); END $$;
DO $$ BEGIN SECURITY LABEL FOR secconn ON ROLE h_racer IS NULL; EXCEPTION WHEN undefined_object THEN NULL; END $$;
});
	sql_output($node, 'CREATE TABLE h_race (outcome text)');
	my %runs;
	foreach my $name (sort keys %scripts)
	{
		my $file = $node->basedir . "/race_$name.sql";
		append_to_file($file, $scripts{$name});
		my ($out, $err) = ('', '');
		my $h = IPC::Run::start(
			[
				'pgbench', '-n', '-c', '1', '-t', '1000',
				'-h', $node->host, '-p', $node->port, '-f', $file, 'postgres'
			],
			'>', \$out, '2>', \$err);
		$runs{$name} = [ $h, \$out, \$err ];
	}
	foreach my $name (sort keys %runs)
	{
		my ($h, $out, $err) = @{ $runs{$name} };
		ok($h->finish, "race, pgbench $name: exit status 0")
		  or diag("stdout: $$out\nstderr: $$err");
		like($$out, qr{processed: 1000/1000}, "race, pgbench $name: all 1000 transactions done");
	}
	# Both outcomes seen: the two really ran interleaved.
	is( sql_output($node, q{SELECT string_agg(DISTINCT outcome, ',' ORDER BY outcome) FROM h_race}),
		'labelled,no role',
		'race: SECURITY LABEL both found and missed the role');
}
is( sql_output($node, q{
SELECT count(*) FROM pg_shseclabel l
 WHERE provider = 'secconn' AND classoid = 'pg_authid'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_authid r WHERE r.oid = l.objoid)}),
	'0', 'after the race: no secconn label without its role');

# ---------------------------------------------------------------------
# Labels that do not parse: fail closed (enforce), log (warn), nothing (off)
# ---------------------------------------------------------------------
# Written straight into the catalog, as an older secconn or a restored
# dump from a newer one would leave them.
sub set_raw_label
{
	my ($kind, $name, $expr, $dbname) = @_;
	my ($class, $cat, $col) =
	  $kind eq 'ROLE'
	  ? ('pg_authid', 'pg_authid', 'rolname')
	  : ('pg_database', 'pg_database', 'datname');
	$node->safe_psql($dbname // 'postgres', qq{
SET allow_system_table_mods = on;
DELETE FROM pg_shseclabel WHERE provider = 'secconn'
   AND objoid = (SELECT oid FROM $cat WHERE $col = '$name');
INSERT INTO pg_shseclabel (objoid, classoid, provider, label)
SELECT oid, '$class'::regclass, 'secconn', $expr FROM $cat WHERE $col = '$name';});
	return;
}

sql_output($node, qq{
CREATE ROLE h_legacy LOGIN PASSWORD '$PASSWORD';
CREATE ROLE h_legacy_group NOLOGIN;
CREATE ROLE h_member LOGIN PASSWORD '$PASSWORD' IN ROLE h_legacy_group;
CREATE ROLE h_bystander LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE h_legacy_db;
});
set_raw_label('ROLE', 'h_legacy', q{'ssl require_tls13'});

unevaluable_ok(
	$node,
	conn($node, user => 'h_legacy', sslmode => 'require'),
	'old-grammar label, enforce: rejected even with TLS',
	why => qr/Invalid requirement "require_tls13"/,
	role => 'h_legacy');
unevaluable_ok(
	$node,
	conn($node, user => 'h_legacy', via => 'unix'),
	'old-grammar label, enforce: rejected on the Unix socket too (exempt_local does not help)',
	role => 'h_legacy');
accept_ok($node, conn($node, user => 'h_bystander'),
	'old-grammar label on another role: bystander accepted');

set_guc($node, 'secconn.mode', 'warn');
{
	my $offset = -s $node->logfile;
	$node->connect_ok(
		conn($node, user => 'h_legacy'),
		'old-grammar label, warn: admitted',
		log_like => [
			qr/\Q$UNEVALUABLE_WARN\E/,
			qr/Invalid requirement "require_tls13"/,
			qr/Connection of role "h_legacy"/
		],
		log_unlike => [qr/connection rejected/]);
	is(count_matches(log_since($node, $offset), qr/\Q$UNEVALUABLE_WARN\E/),
		1, 'old-grammar label, warn: exactly one log line');
}
set_guc($node, 'secconn.mode', 'off');
{
	my $offset = -s $node->logfile;
	accept_ok($node, conn($node, user => 'h_legacy'), 'old-grammar label, off: admitted');
	unlike(log_since($node, $offset), qr/secconn (?:could|policy)|Invalid requirement|Requirement "/,
		'old-grammar label, off: nothing logged');
}
set_guc($node, 'secconn.mode', 'enforce');

# on a group the role belongs to, and on the database
set_raw_label('ROLE', 'h_legacy_group', q{'ssl min_tls=TLSv1.4'});
unevaluable_ok(
	$node,
	conn($node, user => 'h_member', sslmode => 'require'),
	'old-grammar label on a group: member rejected',
	why => qr/The policy in the label on role "h_legacy_group" cannot be evaluated/,
	role => 'h_member');
set_raw_label('DATABASE', 'h_legacy_db', q{'ssl=on'});
unevaluable_ok(
	$node,
	conn($node, user => 'h_bystander', db => 'h_legacy_db', sslmode => 'require'),
	'old-grammar label on a database: connection to it rejected',
	why => qr/The policy in the label on database "h_legacy_db" cannot be evaluated/);
accept_ok($node, conn($node, user => 'h_bystander', db => 'postgres'),
	'old-grammar label on a database: other databases unaffected');

# over the length cap (inline), and out of line (TOAST, which cannot be read
# before a database is selected)
set_raw_label('ROLE', 'h_legacy', q{repeat('ssl ', 300)});
unevaluable_ok(
	$node,
	conn($node, user => 'h_legacy', sslmode => 'require'),
	'label over 1024 bytes in the catalog: rejected',
	why => qr/at most 1024 bytes/,
	role => 'h_legacy');
set_raw_label('ROLE', 'h_legacy',
	q{(SELECT string_agg(md5(i::text), ' ') FROM generate_series(1, 400) i)});
is( sql_output($node, q{SELECT octet_length(label) FROM pg_shseclabel l
  JOIN pg_authid r ON r.oid = l.objoid WHERE r.rolname = 'h_legacy'}),
	'13199', 'a 13 kB label of random hex is in the catalog');
unevaluable_ok(
	$node,
	conn($node, user => 'h_legacy', sslmode => 'require'),
	'13 kB label in the catalog (TOASTed): rejected',
	why => qr/secconn label of object \d+ is stored out of line/,
	role => 'h_legacy');
accept_ok($node, conn($node, user => 'h_bystander'),
	'13 kB label on another role: bystander accepted');

# not UTF-8: written from a SQL_ASCII database, where nothing checks it
sql_output($node, q{CREATE DATABASE h_ascii TEMPLATE template0 ENCODING 'SQL_ASCII'
  LC_COLLATE 'C' LC_CTYPE 'C'});
set_raw_label('ROLE', 'h_legacy', q{E'ssl \\xff\\xfe'}, 'h_ascii');
unevaluable_ok(
	$node,
	conn($node, user => 'h_legacy', sslmode => 'require'),
	'label with bytes that are not UTF-8: rejected',
	role => 'h_legacy');

# the first connection after a restart reads the catalogs without indexes
set_raw_label('ROLE', 'h_legacy', q{'ssl require_tls13'});
$node->restart;
unevaluable_ok(
	$node,
	conn($node, user => 'h_legacy', sslmode => 'require'),
	'first connection after a restart, old-grammar label: rejected',
	why => qr/Invalid requirement "require_tls13"/,
	role => 'h_legacy');
accept_ok($node, conn($node, user => 'h_bystander'),
	'second connection after a restart: bystander accepted (no lockout)');

# repaired through SECURITY LABEL
label($node, ROLE => 'h_legacy', 'ssl');
accept_ok($node, conn($node, user => 'h_legacy', sslmode => 'require'),
	'label replaced by SECURITY LABEL: accepted again');

# ---------------------------------------------------------------------
# A chain of 100 nested groups, each labelled
# ---------------------------------------------------------------------
sql_output($node, qq{
DO \$\$
BEGIN
  CREATE ROLE h_chain_0 NOLOGIN;
  FOR i IN 1..100 LOOP
    EXECUTE format('CREATE ROLE h_chain_%s NOLOGIN IN ROLE h_chain_%s', i, i - 1);
    EXECUTE format('SECURITY LABEL FOR secconn ON ROLE h_chain_%s IS %L', i - 1,
                   'auth=scram-sha-256');
  END LOOP;
END
\$\$;
CREATE ROLE h_chain_leaf LOGIN PASSWORD '$PASSWORD' IN ROLE h_chain_100;
SECURITY LABEL FOR secconn ON ROLE h_chain_0 IS 'ssl auth=scram-sha-256';
});
reject_ok(
	$node,
	conn($node, user => 'h_chain_leaf'),
	'100 nested labelled groups: the outermost label is enforced',
	req => 'ssl',
	had => $PLAIN_TCP,
	source => 'the label on role "h_chain_0"',
	role => 'h_chain_leaf');
accept_ok($node, conn($node, user => 'h_chain_leaf', sslmode => 'require'),
	'100 nested labelled groups: TLS with SCRAM accepted');

check_log_clean($node);
$node->stop;

# ---------------------------------------------------------------------
# An invalid secconn.default_policy in postgresql.conf at server start
# ---------------------------------------------------------------------
# secconn refuses to start rather than run without the default policy
# (PostgreSQL itself would only WARN and use the built-in empty default).
my $bad = new_node('bad_default',
	extra_conf => "secconn.default_policy = 'ssl require_tls13'\n",
	no_start => 1);
my $started = $bad->start(fail_ok => 1);
ok(!$started, 'invalid default_policy at startup: the server refuses to start');
my $log = slurp_file($bad->logfile);
like($log, qr/invalid value for parameter "secconn\.default_policy"/,
	'invalid default_policy at startup: the log names the parameter');
like($log, qr/Invalid requirement "require_tls13"/,
	'invalid default_policy at startup: the log names the bad word');
unlike($log, qr/terminated by signal|TRAP:|Sanitizer/,
	'invalid default_policy at startup: no crash');
$bad->stop if $started;

# Corrected: it starts and enforces the policy.
$bad->append_conf('postgresql.conf', "secconn.default_policy = 'ssl'\n");
$bad->start;
is($bad->safe_psql('postgres', 'SHOW secconn.default_policy'), 'ssl',
	'corrected default_policy: the server starts with it');
$bad->safe_psql('postgres', "CREATE ROLE h_plain LOGIN PASSWORD '$PASSWORD'");
reject_ok($bad, conn($bad, user => 'h_plain'),
	'corrected default_policy: enforced',
	req => 'ssl', had => $PLAIN_TCP, source => 'the default policy');

# An invalid value on reload keeps the running policy; the same value then
# stops a restart, and the server comes back once it is corrected.
{
	my $offset = -s $bad->logfile;
	set_guc_raw($bad, 'secconn.default_policy', 'ssl ssl');
	like(log_since($bad, $offset), qr/secconn\.default_policy/,
		'invalid default_policy on reload: refused in the log');
	is($bad->safe_psql('postgres', 'SHOW secconn.default_policy'), 'ssl',
		'invalid default_policy on reload: the old value stays');
	$bad->stop;
	ok(!$bad->start(fail_ok => 1),
		'invalid default_policy left in postgresql.conf: the restart is refused');
	$bad->append_conf('postgresql.conf', "secconn.default_policy = ''\n");
	$bad->start;
	accept_ok($bad, conn($bad, user => 'h_plain'),
		'default_policy corrected to empty: plain TCP accepted');
}
check_log_clean($bad);
$bad->stop;

# The other settings fail closed too (issue 9): PostgreSQL alone would
# WARN and keep the built-in default, which for secconn.exempt_local is
# the laxer one (on); secconn refuses to start instead.  Every setting is
# covered by test/204_attack_startup_gucs.pl.
my $typo = new_node('bad_enum',
	extra_conf => "secconn.mode = 'enforcing'\nsecconn.exempt_local = 'flase'\n",
	no_start => 1);
ok(!$typo->start(fail_ok => 1), 'invalid mode and exempt_local at startup: the server refuses to start');
$log = slurp_file($typo->logfile);
like($log, qr/FATAL:  invalid value for parameter "secconn\.mode": "enforcing"/,
	'invalid mode at startup: the FATAL names the setting and the value');
unlike($log, qr/terminated by signal|TRAP:|Sanitizer/,
	'invalid mode and exempt_local at startup: no crash');

done_testing();
