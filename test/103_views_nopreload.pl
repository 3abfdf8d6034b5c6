
# Copyright (c) secconn developers
#
# A server WITHOUT secconn in shared_preload_libraries: the session
# functions and secconn_cipher_info() work (the TLS ones from the live
# connection; the mechanism is NULL with a NOTICE), secconn_roles and
# secconn_policies work (catalogs only), and everything that needs shared
# memory raises SQLSTATE 55000 with a hint, never empty rows.
#
# And secconn_cipher_info() against the openssl command line: every cipher
# "openssl ciphers -v" lists, field by field, plus the strength verdict on a
# table of well-known ciphers.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use SecconnTest;

my $node = new_node('views_nopreload', no_start => 1);
$node->append_conf('postgresql.conf', "shared_preload_libraries = ''\n");
$node->start;

sql_output($node, qq{
CREATE EXTENSION secconn;
CREATE ROLE r_tls LOGIN PASSWORD '$PASSWORD';
});
is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'', 'secconn is not preloaded');

# psql as r_tls over TCP; returns (stdout, stderr).
sub tcp_psql
{
	my ($sql, %o) = @_;
	local $ENV{OPENSSL_CONF} = $o{openssl_conf} if defined $o{openssl_conf};
	my ($ret, $out, $err) = $node->psql(
		'postgres', $sql,
		connstr => conn(
			$node,
			user => 'r_tls',
			sslmode => $o{sslmode} // 'require'));
	return ($out, $err);
}

my $session_sql = q{SELECT concat_ws('|', coalesce(secconn_tls_version(), '-'),
  coalesce(secconn_cipher(), '-'), coalesce(secconn_cipher_bits()::text, '-'),
  coalesce(secconn_cipher_strong()::text, '-'),
  coalesce(secconn_auth_mechanism(), '-'))};
my $notice = qr/NOTICE:  secconn is not loaded via "shared_preload_libraries"/;

my ($out, $err) =
  tcp_psql($session_sql, openssl_conf => openssl_conf('AES128-SHA', 'TLSv1.2'));
is($out, 'TLSv1.2|AES128-SHA|128|false|-',
	'TLS 1.2 session: version, cipher, bits, strength; no mechanism');
like($err, $notice, 'secconn_auth_mechanism() says why it is NULL');

($out, $err) = tcp_psql($session_sql);
is($out, 'TLSv1.3|TLS_AES_256_GCM_SHA384|256|true|-', 'TLS 1.3 session');

($out, $err) = tcp_psql($session_sql, sslmode => 'disable');
is($out, '-|-|-|-|-', 'plain TCP session: all NULL');
like($err, $notice, 'plain TCP session: NOTICE');

# Everything that needs shared memory.
foreach my $sql (
	'SELECT * FROM secconn_connections',
	'SELECT * FROM secconn_connection_slots()',
	'SELECT * FROM secconn_rejections',
	'SELECT * FROM secconn_stats',
	'SELECT secconn_stats_reset()',
	"SELECT * FROM secconn_test_policy('ssl')")
{
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	isnt($ret, 0, "$sql: fails");
	is($stdout, '', "$sql: no rows");
	like(
		$stderr,
		qr/ERROR:  55000: secconn must be loaded via "shared_preload_libraries"\n.*HINT:  Add secconn to shared_preload_libraries in postgresql.conf and restart the server\./s,
		"$sql: SQLSTATE 55000 with a hint");
}

# Catalogs only: these work.
# (the label provider exists only in sessions that loaded the library)
sql_output($node, q{LOAD 'secconn'; SECURITY LABEL FOR secconn ON ROLE r_tls IS 'ssl'});
is( $node->safe_psql(
		'postgres',
		"SELECT policy || ' ' || effective_policy FROM secconn_roles WHERE rolname = 'r_tls'"),
	'ssl role r_tls: ssl',
	'secconn_roles works without preloading');
is( $node->safe_psql(
		'postgres',
		"SELECT object_type || ' ' || object_name || ' ' || policy FROM secconn_policies"),
	'role r_tls ssl',
	'secconn_policies works without preloading');

# ------------------------------------------------------------------
# secconn_cipher_info() and "openssl ciphers -v"
# ------------------------------------------------------------------

my $suites = join(':',
	qw(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384
	  TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_CCM_SHA256
	  TLS_AES_128_CCM_8_SHA256));
my ($cli, $cli_err) = ('', '');
IPC::Run::run(
	[ 'openssl', 'ciphers', '-v', '-ciphersuites', $suites, 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' ],
	'>', \$cli, '2>', \$cli_err)
  or die "openssl ciphers failed: $cli_err";

# AES128-SHA  SSLv3 Kx=RSA  Au=RSA  Enc=AES(128)  Mac=SHA1
my %cli;
foreach my $line (split /\n/, $cli)
{
	my ($name, $proto, $kx, $au, $enc, $mac) =
	  $line =~ /^(\S+)\s+(\S+)\s+Kx=(\S+)\s+Au=(\S+)\s+Enc=(\S+)\s+Mac=(\S+)/
	  or next;
	$cli{$name} = join(' ', $proto, $kx, $au, $enc, $mac);
}
cmp_ok(scalar(keys %cli), '>', 50, 'openssl lists many ciphers');

my $values = join(', ', map { "('$_')" } sort keys %cli);
my %sql = map { split /\|/, $_, 2 } split /\n/, $node->safe_psql(
	'postgres', qq{
SELECT c.n, concat_ws(' ', i.protocol, i.key_exchange, i.authentication,
                      i.encryption, i.mac)
  FROM (VALUES $values) AS c(n), LATERAL secconn_cipher_info(c.n) i});
is_deeply(\%sql, \%cli,
	'secconn_cipher_info agrees with openssl ciphers -v on every cipher it lists');

# The derived columns follow from those fields.
my %derived = map { split /\|/, $_, 2 } split /\n/, $node->safe_psql(
	'postgres', qq{
SELECT c.n, concat_ws(' ', i.aead, i.forward_secrecy, i.bits, i.strong)
  FROM (VALUES $values) AS c(n), LATERAL secconn_cipher_info(c.n) i});
my @wrong;
foreach my $name (sort keys %cli)
{
	my ($proto, $kx, $au, $enc, $mac) = split / /, $cli{$name};
	my $aead = $mac eq 'AEAD';
	my $fs = $kx =~ /^(ECDH|DH|ECDHEPSK|DHEPSK|any)$/;
	my ($bits) = $enc =~ /\((\d+)\)$/;
	$bits //= 0;
	my $strong =
		 $proto =~ /^TLSv1\.[23]$/
	  && $aead
	  && $enc !~ /CCM8/
	  && $fs
	  && $au ne 'None'    # anonymous (aNULL): no server authentication
	  && $bits >= 128;
	my $want = join(' ',
		$aead ? 't' : 'f',
		$fs ? 't' : 'f',
		$bits, $strong ? 't' : 'f');
	push @wrong, "$name: got $derived{$name}, want $want"
	  if ($derived{$name} // '') ne $want;
}
is("@wrong", '', 'aead, forward_secrecy, bits and strong follow from the cipher');

# The known table.
my %known = (
	'AES128-SHA' => 'f f 128 f',
	'DHE-RSA-AES256-SHA' => 'f t 256 f',
	'ECDHE-RSA-AES256-GCM-SHA384' => 't t 256 t',
	'ECDHE-ECDSA-CHACHA20-POLY1305' => 't t 256 t',
	'TLS_AES_128_CCM_8_SHA256' => 't t 128 f',
	'TLS_AES_256_GCM_SHA384' => 't t 256 t',
);
foreach my $name (sort keys %known)
{
	is( $node->safe_psql(
			'postgres',
			"SELECT concat_ws(' ', aead, forward_secrecy, bits, strong) FROM secconn_cipher_info('$name')"
		),
		$known{$name},
		"secconn_cipher_info('$name')");
	like($cli{$name} // '', qr/\S/, "openssl knows $name");
}

is( $node->safe_psql(
		'postgres',
		"SELECT secconn_cipher_info('NOT-A-CIPHER') IS NULL AND secconn_cipher_info('') IS NULL"
	),
	't',
	'unknown names: NULL');

check_no_crash($node);
$node->stop;
done_testing();
