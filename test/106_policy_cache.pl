
# Copyright (c) secconn developers
#
# The policy cache (src/policycache.c) never serves a stale allow.  For each
# kind of change that can make a cached (role, database) stricter, a
# compliant connection first fills the cache and a second one is admitted
# by the fast path (policy_cache_hits grows: the test fails with the cache
# disabled), then the change is made and the very next violating
# connection, with no sleep, must be rejected; and, in reverse, a relaxed
# policy admits at once.  Changes: a label set on the role, a stricter
# label, a label on a group, GRANT into a labelled group (directly and
# through an intermediate group), REVOKE, a database label, DROP and
# CREATE of a role with the same name, ALTER ROLE RENAME, a new password
# of another type behind an md5 line, changes committed with COMMIT
# PREPARED, and a reload of the default policy.  A label the fast path
# cannot evaluate (cipher=LIST) is never served from the cache.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

# No autovacuum and no logical replication launcher: their transactions
# process the catalog invalidations at random moments, which empties the
# cache (harmless, but the hit counts below would be off).
my $node = new_node('policy_cache',
	extra_conf => "autovacuum = off\nmax_logical_replication_workers = 0\n"
	  . "max_prepared_transactions = 5\n");

sql_output($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE c_plain LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_a LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_b LOGIN PASSWORD '$PASSWORD';
CREATE ROLE grp_m NOLOGIN;
CREATE ROLE c_m LOGIN PASSWORD '$PASSWORD' IN ROLE grp_m;
CREATE ROLE grp_s NOLOGIN;
CREATE ROLE grp_mid NOLOGIN;
CREATE ROLE c_g LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_g2 LOGIN PASSWORD '$PASSWORD' IN ROLE grp_mid;
CREATE ROLE c_r LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_r2 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_x LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_y LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_pw LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_p LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_p2 LOGIN PASSWORD '$PASSWORD';
CREATE ROLE c_l LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE c_db;
});
label($node, ROLE => 'c_b', 'ssl');
label($node, ROLE => 'grp_s', 'ssl');
label($node, ROLE => 'c_y', 'ssl');
label($node, ROLE => 'c_pw', 'auth=scram-sha-256');
label($node, ROLE => 'c_l', 'cipher=ECDHE+AESGCM');

my $tls12 = 'ssl_max_protocol_version=TLSv1.2';

# One session that stays open, so that reading the counters makes no
# connection of its own.
my $mon = $node->background_psql('postgres');

sub hits
{
	return bg_query($mon, 'SELECT policy_cache_hits FROM secconn_stats');
}

# Two compliant connections: the first fills the cache, the second must be
# admitted by the fast path.  The monitoring session is read first, so that
# the invalidations it still has to process are behind us.
sub warm
{
	my ($connstr, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $before = hits();
	accept_ok($node, $connstr, "$name: admitted (fills the cache)");
	accept_ok($node, $connstr, "$name: admitted again");
	is(hits() - $before, 1, "$name: the second connection took the fast path");
	return;
}

# ---- a label set on a role that is cached ----
warm(conn($node, user => 'c_a'), 'unlabelled role');
label($node, ROLE => 'c_a', 'ssl');
reject_ok($node, conn($node, user => 'c_a'),
	'label set on a cached role: plain TCP rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "c_a"');
warm(conn($node, user => 'c_a', sslmode => 'require'), 'labelled role over TLS');
label($node, ROLE => 'c_a', undef);
accept_ok($node, conn($node, user => 'c_a'),
	'label removed: plain TCP admitted at once');

# ---- a label made stricter ----
warm(conn($node, user => 'c_b', sslmode => 'require', extra => $tls12),
	'ssl label, TLSv1.2 client');
label($node, ROLE => 'c_b', 'ssl min_tls=TLSv1.3');
reject_ok($node, conn($node, user => 'c_b', sslmode => 'require', extra => $tls12),
	'label made stricter: TLSv1.2 rejected at once',
	req => 'min_tls=TLSv1.3', had => qr/the connection uses TLSv1\.2 with /,
	source => 'the label on role "c_b"');
accept_ok($node, conn($node, user => 'c_b', sslmode => 'require'),
	'stricter label: TLSv1.3 admitted');

# ---- a label on a group the role belongs to ----
warm(conn($node, user => 'c_m'), 'member of an unlabelled group');
label($node, ROLE => 'grp_m', 'ssl');
reject_ok($node, conn($node, user => 'c_m'),
	'label set on a group: member rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_m"');
warm(conn($node, user => 'c_m', sslmode => 'require'), 'member of a labelled group over TLS');
label($node, ROLE => 'grp_m', undef);
accept_ok($node, conn($node, user => 'c_m'),
	'group label removed: member admitted over plain TCP at once');

# ---- GRANT into a labelled group, REVOKE ----
warm(conn($node, user => 'c_g'), 'role outside the labelled group');
sql_output($node, 'GRANT grp_s TO c_g');
reject_ok($node, conn($node, user => 'c_g'),
	'GRANT into a labelled group: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_s"');
warm(conn($node, user => 'c_g', sslmode => 'require'), 'granted role over TLS');
sql_output($node, 'REVOKE grp_s FROM c_g');
accept_ok($node, conn($node, user => 'c_g'),
	'REVOKE from the labelled group: plain TCP admitted at once');

# the group granted to an intermediate group the role is a member of
warm(conn($node, user => 'c_g2'), 'member of an unlabelled intermediate group');
sql_output($node, 'GRANT grp_s TO grp_mid');
reject_ok($node, conn($node, user => 'c_g2'),
	'labelled group granted to an intermediate group: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_s"');

# a role that is a member of the labelled group, over TLS: cached, then
# the membership it had is revoked and a stricter one is granted
label($node, ROLE => 'grp_mid', 'min_tls=TLSv1.3');
sql_output($node, 'GRANT grp_s TO c_g');
warm(conn($node, user => 'c_g', sslmode => 'require', extra => $tls12),
	'member of a labelled group, TLSv1.2');
sql_output($node, 'REVOKE grp_s FROM c_g; GRANT grp_mid TO c_g');
reject_ok($node, conn($node, user => 'c_g', sslmode => 'require', extra => $tls12),
	'REVOKE and GRANT of a stricter group in one transaction: rejected at once',
	req => 'min_tls=TLSv1.3', had => qr/the connection uses TLSv1\.2 with /,
	source => 'the label on role "grp_mid"');

# ---- a database label ----
warm(conn($node, user => 'c_plain', db => 'c_db'), 'unlabelled database');
label($node, DATABASE => 'c_db', 'ssl');
reject_ok($node, conn($node, user => 'c_plain', db => 'c_db'),
	'database label set: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on database "c_db"');
accept_ok($node, conn($node, user => 'c_plain', db => 'postgres'),
	'database label: other databases unaffected');
label($node, DATABASE => 'c_db', undef);
accept_ok($node, conn($node, user => 'c_plain', db => 'c_db'),
	'database label removed: admitted at once');

# ---- a role dropped and created again under the same name ----
warm(conn($node, user => 'c_r'), 'role about to be dropped');
sql_output($node, qq{DROP ROLE c_r; CREATE ROLE c_r LOGIN PASSWORD '$PASSWORD';
SECURITY LABEL FOR secconn ON ROLE c_r IS 'ssl';});
reject_ok($node, conn($node, user => 'c_r'),
	'role dropped and re-created with a label: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "c_r"');

# the same without any SECURITY LABEL: only the role catalogs change
warm(conn($node, user => 'c_r2'), 'role about to be dropped (no label)');
sql_output($node, qq{DROP ROLE c_r2; CREATE ROLE c_r2 LOGIN PASSWORD '$PASSWORD' IN ROLE grp_s;});
reject_ok($node, conn($node, user => 'c_r2'),
	'role re-created as a member of a labelled group: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_s"');

# ---- ALTER ROLE RENAME: the name now belongs to a labelled role ----
warm(conn($node, user => 'c_x'), 'unlabelled role about to be renamed');
sql_output($node, 'ALTER ROLE c_x RENAME TO c_x_old; ALTER ROLE c_y RENAME TO c_x');
reject_ok($node, conn($node, user => 'c_x'),
	'name taken over by a labelled role through RENAME: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "c_x"');

# ---- default policy reload ----
warm(conn($node, user => 'c_plain'), 'unlabelled role, no default policy');
set_guc($node, 'secconn.default_policy', 'ssl');
reject_ok($node, conn($node, user => 'c_plain'),
	'default policy reloaded: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the default policy');
set_guc($node, 'secconn.default_policy', '');
accept_ok($node, conn($node, user => 'c_plain'),
	'default policy emptied: admitted at once');

# ---- the stored secret's type behind an md5 line ----
set_hba($node, 'local all all trust', 'host all all 127.0.0.1/32 md5');
warm(conn($node, user => 'c_pw'), 'md5 line, SCRAM secret (SCRAM runs)');
sql_output($node, qq{SET password_encryption = 'md5'; ALTER ROLE c_pw PASSWORD '$PASSWORD'});
reject_ok($node, conn($node, user => 'c_pw'),
	'new password is an MD5 secret: md5 runs, rejected at once',
	req => 'auth=scram-sha-256',
	had => 'the session authenticated with md5',
	source => 'the label on role "c_pw"');
set_hba($node, 'local all all trust', 'host all all 127.0.0.1/32 scram-sha-256');

# ---- changes committed by COMMIT PREPARED (from another session) ----
warm(conn($node, user => 'c_p'), 'role labelled in a prepared transaction');
sql_output($node, q{BEGIN; SECURITY LABEL FOR secconn ON ROLE c_p IS 'ssl';
PREPARE TRANSACTION 'label_c_p';});
accept_ok($node, conn($node, user => 'c_p'),
	'label only prepared: still admitted');
sql_output($node, q{COMMIT PREPARED 'label_c_p'});
reject_ok($node, conn($node, user => 'c_p'),
	'label committed by COMMIT PREPARED: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "c_p"');

warm(conn($node, user => 'c_p2'), 'role granted in a prepared transaction');
sql_output($node, q{BEGIN; GRANT grp_s TO c_p2; PREPARE TRANSACTION 'grant_c_p2';});
sql_output($node, q{COMMIT PREPARED 'grant_c_p2'});
reject_ok($node, conn($node, user => 'c_p2'),
	'GRANT committed by COMMIT PREPARED: rejected at once',
	req => 'ssl', had => $PLAIN_TCP, source => 'the label on role "grp_s"');

# ---- a label the fast path cannot evaluate is never served from it ----
{
	local $ENV{OPENSSL_CONF} = openssl_conf('ECDHE-RSA-AES256-GCM-SHA384', 'TLSv1.2');
	my $before = hits();
	accept_ok($node, conn($node, user => 'c_l', sslmode => 'require'),
		'cipher=LIST label: admitted');
	accept_ok($node, conn($node, user => 'c_l', sslmode => 'require'),
		'cipher=LIST label: admitted again');
	is(hits() - $before, 0, 'cipher=LIST label: always the full check');
}

# ---- a restart empties the cache and the counters ----
$mon->quit;
$node->restart;
$mon = $node->background_psql('postgres');
is(hits(), 0, 'after a restart: no hit counted yet');
warm(conn($node, user => 'c_plain'), 'after a restart');

$mon->quit;
check_no_crash($node);
$node->stop;
done_testing();
