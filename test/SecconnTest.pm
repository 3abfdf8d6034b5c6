
# Copyright (c) secconn developers
#
# SecconnTest: helpers shared by secconn's TAP tests (test/*.pl).
#
#  - certs(): a throwaway PKI made with the openssl CLI (a test CA, a server
#    certificate for localhost / 127.0.0.1, client certificates for CN=alice
#    and CN=bob, and a CN=alice certificate from a second, untrusted CA).
#  - new_node($name, %opts): a started PostgreSQL::Test::Cluster node with
#    TLS on, listening on 127.0.0.1 and a Unix socket, secconn preloaded and
#    the SQLSTATE (%e) in log_line_prefix.
#  - conn($node, %opts): a libpq connection string (TCP by default).
#  - openssl_conf(...): a client-side OPENSSL_CONF file forcing ciphers and
#    protocol versions, for `local $ENV{OPENSSL_CONF} = ...`.
#  - accept_ok / reject_ok / warn_ok: one connection attempt and its checks
#    (client stderr and server log); connect_fails_ok: Cluster's
#    connect_fails, the same on every major.
#  - set_guc / set_guc_raw / set_hba: change the configuration, reload, and
#    wait until new backends see it.
#  - labels_enforced($node, $what, ...): a role, a group and a database
#    label hold on $node, each both ways (the tests that move labels
#    around: replication, dump and restore, pg_upgrade).
#  - log_wait_ok($node, $re, $offset, $name): a test that the server log
#    gets a line, waiting for it a bounded time.
#  - sql_output($node, $sql): run SQL as the superuser, return its output.
#  - check_no_crash($node): no process died from a signal.
#  - bg_query($session, $sql): a background_psql query, alike on every major.

package SecconnTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(
  certs new_node conn openssl_conf
  accept_ok reject_ok warn_ok connect_fails_ok
  set_guc set_guc_raw set_hba reload_and_wait
  sql_output label check_no_crash log_since log_wait_ok count_matches
  bg_query labels_enforced
  $PASSWORD $REJECT_FATAL $PLAIN_TCP
);

# Password of every role the tests create (the roles are created by
# create_roles / the tests themselves with this password).
our $PASSWORD = 'secret-pw';

# The primary message of a secconn rejection.
our $REJECT_FATAL = 'FATAL:  connection rejected by secconn policy';

# What a rejection's DETAIL says a plain TCP connection had.
our $PLAIN_TCP = 'the connection uses plain TCP';

my $certs;
my $generation = 0;

# ------------------------------------------------------------------
# Certificates
# ------------------------------------------------------------------

sub _openssl
{
	my @args = @_;
	PostgreSQL::Test::Utils::system_or_bail('openssl', @args);
	return;
}

sub _write
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "could not write $path: $!";
	print $fh $text;
	close $fh or die "could not close $path: $!";
	return;
}

# A CA: self-signed, CA:TRUE.
sub _make_ca
{
	my ($dir, $base, $cn) = @_;
	_openssl(
		'req', '-x509', '-new', '-newkey', 'rsa:2048', '-nodes',
		'-config', "$dir/req.cnf", '-extensions', 'v3_ca',
		'-subj', "/CN=$cn", '-days', '3650', '-sha256',
		'-keyout', "$dir/$base.key", '-out', "$dir/$base.crt");
	chmod 0600, "$dir/$base.key";
	return;
}

# A leaf certificate signed by CA $ca with extension section $ext.
sub _make_leaf
{
	my ($dir, $base, $cn, $ca, $ext, $serial) = @_;
	_openssl(
		'req', '-new', '-newkey', 'rsa:2048', '-nodes',
		'-config', "$dir/req.cnf", '-subj', "/CN=$cn",
		'-keyout', "$dir/$base.key", '-out', "$dir/$base.csr");
	_openssl(
		'x509', '-req', '-in', "$dir/$base.csr",
		'-CA', "$dir/$ca.crt", '-CAkey', "$dir/$ca.key",
		'-set_serial', $serial, '-days', '3650', '-sha256',
		'-extfile', "$dir/ext.cnf", '-extensions', $ext,
		'-out', "$dir/$base.crt");
	chmod 0600, "$dir/$base.key";
	unlink "$dir/$base.csr";
	return;
}

# Generate (once per test script) the test PKI; returns a hash of paths:
# dir, ca_crt, server_crt, server_key, alice_crt, alice_key, bob_crt,
# bob_key, rogue_crt, rogue_key (CN=alice signed by the untrusted CA).
sub certs
{
	return $certs if $certs;

	my $dir = PostgreSQL::Test::Utils::tempdir('certs');

	# Our own minimal configuration, so that the system openssl.cnf (and any
	# OPENSSL_CONF of the caller) plays no part.
	local $ENV{OPENSSL_CONF} = "$dir/req.cnf";
	_write("$dir/req.cnf", <<'EOF');
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
	_write("$dir/ext.cnf", <<'EOF');
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF

	_make_ca($dir, 'ca', 'secconn test CA');
	_make_ca($dir, 'rogue_ca', 'untrusted test CA');
	_make_leaf($dir, 'server', 'localhost', 'ca', 'server_ext', 1001);
	_make_leaf($dir, 'alice', 'alice', 'ca', 'client_ext', 1002);
	_make_leaf($dir, 'bob', 'bob', 'ca', 'client_ext', 1003);
	_make_leaf($dir, 'rogue', 'alice', 'rogue_ca', 'client_ext', 1004);

	$certs = { dir => $dir, ca_crt => "$dir/ca.crt" };
	foreach my $b (qw(server alice bob rogue))
	{
		$certs->{"${b}_crt"} = "$dir/$b.crt";
		$certs->{"${b}_key"} = "$dir/$b.key";
	}
	return $certs;
}

# ------------------------------------------------------------------
# Nodes
# ------------------------------------------------------------------

# The pg_hba.conf every node starts with: trust on the Unix socket (the
# superuser sets things up there), SCRAM over TCP with or without TLS.
my @default_hba = (
	'local all all trust',
	'host all all 127.0.0.1/32 scram-sha-256',
);

# new_node($name, %opts)
#   allows_streaming => 1   wal_level replica and max_wal_senders
#   extra_conf => "..."     more postgresql.conf lines
#   hba => [ lines ]        pg_hba.conf instead of the default
#   no_start => 1           do not start the node
#   no_data_checksums => 1  initdb --no-data-checksums (18+ defaults to
#                           checksums; pg_upgrade from 15 needs them off)
#   install_path => dir     another PostgreSQL installation (its bin/ has
#                           initdb and postgres), e.g. an older major
sub new_node
{
	my ($name, %opts) = @_;
	my $c = certs();

	my $node = PostgreSQL::Test::Cluster->new($name,
		defined $opts{install_path}
		? (install_path => $opts{install_path})
		: ());
	$node->init(
		allows_streaming => $opts{allows_streaming} // 0,
		no_data_checksums => $opts{no_data_checksums} // 0);
	$node->append_conf('postgresql.conf', <<"EOF");
# Added by SecconnTest.pm
listen_addresses = '127.0.0.1'
ssl = on
ssl_cert_file = '$c->{server_crt}'
ssl_key_file = '$c->{server_key}'
ssl_ca_file = '$c->{ca_crt}'
shared_preload_libraries = 'secconn'
log_line_prefix = '%m [%p] %e %q%u\@%d '
password_encryption = 'scram-sha-256'
log_connections = on
EOF
	# 18 and later warn of MD5 passwords (19: to the client, at login):
	# core's deprecation notice, not what these tests look at.
	$node->append_conf('postgresql.conf', "md5_password_warnings = off\n")
	  if $node->pg_version->major >= 18;
	$node->append_conf('postgresql.conf', $opts{extra_conf})
	  if defined $opts{extra_conf};
	_write_hba($node, @{ $opts{hba} // \@default_hba });
	$node->start unless $opts{no_start};
	return $node;
}

sub _write_hba
{
	my ($node, @lines) = @_;
	my $path = $node->data_dir . '/pg_hba.conf';
	_write($path, join("\n", '# written by SecconnTest.pm', @lines) . "\n");
	chmod 0600, $path;
	return;
}

# Replace pg_hba.conf by these lines, reload, wait until it is in force.
sub set_hba
{
	my ($node, @lines) = @_;
	_write_hba($node, @lines);
	reload_and_wait($node);
	return;
}

# Reload and wait until a new backend sees the reloaded configuration.
# The postmaster re-reads postgresql.conf and pg_hba.conf in one go on
# SIGHUP, so a marker placeholder setting ("sctest.generation") that a new
# backend reports tells that the whole reload is done.  Polls over the Unix
# socket as the bootstrap superuser.
sub reload_and_wait
{
	my ($node) = @_;
	$generation++;
	$node->append_conf('postgresql.conf', "sctest.generation = $generation");
	$node->reload;
	$node->poll_query_until('postgres',
		"SELECT current_setting('sctest.generation', true) = '$generation'")
	  or BAIL_OUT("reload of node " . $node->name . " not seen in time");
	return;
}

# set_guc($node, 'secconn.mode', 'warn'): append, reload, wait, and check
# that SHOW reports the new value.
sub set_guc
{
	my ($node, $name, $value) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	set_guc_raw($node, $name, $value);
	is($node->safe_psql('postgres', "SHOW $name"),
		$value, "$name is now '$value'");
	return;
}

# Same, without checking the result (for values the server must refuse).
sub set_guc_raw
{
	my ($node, $name, $value) = @_;
	(my $quoted = $value) =~ s/'/''/g;
	$node->append_conf('postgresql.conf', "$name = '$quoted'");
	reload_and_wait($node);
	return;
}

# Run SQL as the bootstrap superuser over the Unix socket; returns its
# output (safe_psql: a failing statement ends the test script).
sub sql_output
{
	my ($node, $sql) = @_;
	return $node->safe_psql('postgres', $sql);
}

# bg_query($session, $sql): query_safe on a background_psql session, with
# the same result on every major: 16beta2's BackgroundPsql ends the result
# with a newline, later ones do not; 17beta2's returns its own separator
# line for an empty result.
sub bg_query
{
	my ($session, $sql) = @_;
	my $out = $session->query_safe($sql);
	$out =~ s/^background_psql: QUERY_SEPARATOR[^\n]*\n?//mg;
	chomp $out;
	return $out;
}

# label($node, 'ROLE', 'alice', 'ssl') / label($node, 'DATABASE', 'd', undef)
sub label
{
	my ($node, $kind, $name, $policy) = @_;
	my $value = defined $policy ? "'$policy'" : 'NULL';
	$node->safe_psql('postgres',
		"SECURITY LABEL FOR secconn ON $kind $name IS $value");
	return;
}

# ------------------------------------------------------------------
# Connection strings and client TLS configuration
# ------------------------------------------------------------------

# conn($node, %opts)
#   user => role (default: the bootstrap superuser)
#   db => database (default postgres)
#   via => 'tcp' (default) or 'unix'
#   sslmode => disable (default) | require | ...   (TCP only)
#   cert => alice | bob | rogue: client certificate and key (TLS only)
#   password => ... (default $PASSWORD; TCP only)
#   extra => more keyword=value pairs
sub conn
{
	my ($node, %o) = @_;
	my $c = certs();
	my $s = $node->connstr($o{db} // 'postgres');
	$s .= " user=$o{user}" if defined $o{user};
	if (($o{via} // 'tcp') eq 'tcp')
	{
		my $sslmode = $o{sslmode} // 'disable';
		$s .= " host=127.0.0.1 password=" . ($o{password} // $PASSWORD);
		$s .= " sslmode=$sslmode";
		if ($sslmode ne 'disable')
		{
			# Name every file, so that nothing in ~/.postgresql counts.
			$s .= " sslrootcert=$c->{ca_crt}";
			if (defined $o{cert})
			{
				$s .= " sslcert=$c->{\"$o{cert}_crt\"}"
				  . " sslkey=$c->{\"$o{cert}_key\"}";
			}
			else
			{
				$s .= " sslcert=$c->{dir}/no-such-cert.crt"
				  . " sslkey=$c->{dir}/no-such-cert.key";
			}
		}
	}
	$s .= " $o{extra}" if defined $o{extra};
	return $s;
}

# openssl_conf($cipherstring, $maxproto [, $ciphersuites]): a client
# OPENSSL_CONF file whose system_default section forces the TLS <= 1.2
# cipher string, the highest protocol version and, optionally, the TLS 1.3
# suites.  Use as: local $ENV{OPENSSL_CONF} = openssl_conf(...);
my $conf_count = 0;

sub openssl_conf
{
	my ($cipherstring, $maxproto, $ciphersuites) = @_;
	my $c = certs();
	$conf_count++;
	my $path = "$c->{dir}/client-openssl-$conf_count.cnf";
	my $text = <<"EOF";
openssl_conf = openssl_init

[openssl_init]
ssl_conf = ssl_sect

[ssl_sect]
system_default = sd

[sd]
EOF
	$text .= "CipherString = $cipherstring\n" if defined $cipherstring;
	$text .= "MaxProtocol = $maxproto\n"      if defined $maxproto;
	$text .= "Ciphersuites = $ciphersuites\n" if defined $ciphersuites;
	_write($path, $text);
	return $path;
}

# ------------------------------------------------------------------
# Connection attempts
# ------------------------------------------------------------------

sub log_since
{
	my ($node, $offset) = @_;
	return PostgreSQL::Test::Utils::slurp_file($node->logfile, $offset);
}

# log_wait_ok($node, $re, $offset, $name): the server log, from byte
# $offset on, comes to match $re within the suite's timeout (polled).  One
# test, which fails (showing the log's tail) rather than dies when the
# line never comes.  Returns the offset just past the match, or the log's
# size when there was none.
sub log_wait_ok
{
	my ($node, $re, $offset, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	my $log;
	while (1)
	{
		$log = log_since($node, $offset);
		last if $log =~ $re || time() > $deadline;
		select(undef, undef, undef, 0.1);
	}
	if ($log =~ $re)
	{
		pass($name);
		return $offset + $+[0];
	}
	fail($name);
	diag("no match for $re in the log after $PostgreSQL::Test::Utils::timeout_default s; its end:\n"
		  . substr($log, -2000));
	return $offset + length($log);
}

sub count_matches
{
	my ($text, $re) = @_;
	my $n = () = $text =~ /$re/g;
	return $n;
}

# connect_fails_ok($node, $connstr, $name, %params): the connection fails;
# %params as for Cluster's connect_fails (expected_stderr, log_like,
# log_unlike).  Cluster.pm's own connect_fails, from 18 on, waits for DEBUG2
# lines in one version's wording before it reads the log.  Not needed here:
# a backend writes its error report to the server log before it sends it to
# the client, in one write, so once psql has failed, the report that refused
# it is in the log.  (What the postmaster logs after the backend has exited,
# a crash, is check_no_crash's to find.)
sub connect_fails_ok
{
	my ($node, $connstr, $name, %params) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	my $offset = -s $node->logfile;
	my ($ret, $stdout, $stderr) = $node->psql(
		'postgres', undef,
		extra_params => ['-w'],
		connstr => $connstr);
	isnt($ret, 0, $name);
	like($stderr, $params{expected_stderr}, "$name: matches")
	  if defined $params{expected_stderr};
	my $log = log_since($node, $offset);
	like($log, $_, "$name: log matches") foreach @{ $params{log_like} // [] };
	unlike($log, $_, "$name: log does not match")
	  foreach @{ $params{log_unlike} // [] };
	return;
}

# accept_ok($node, $connstr, $name, %params): the connection works (psql
# exits 0 with no stderr) and secconn logged no rejection for it.  %params
# go to connect_ok (sql, expected_stdout, log_like, log_unlike).
sub accept_ok
{
	my ($node, $connstr, $name, %params) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	push @{ $params{log_unlike} }, qr/connection rejected/;
	$node->connect_ok($connstr, $name, %params);
	return;
}

# The regex of one violated requirement: Requirement "<req>" is not met:
# <had>.  $had is a plain string (matched literally, with the final dot) or
# a qr//.
sub _requirement_re
{
	my ($req, $had) = @_;
	my $had_re = ref($had) ? $had : qr/\Q$had\E\./;
	return qr/Requirement "\Q$req\E" is not met: $had_re/;
}

# "Demanded by <source>." in the server log.  When several policies demand
# the same requirement they are listed in one sentence ("Demanded by the
# default policy, the label on role "r"."), and a mode=warn label is marked
# " (mode=warn)": $source must be one of the list.
sub _source_re
{
	my ($source) = @_;
	return qr/Demanded by (?:[^\n]*, )?\Q$source\E(?: \(mode=warn\))?[,.]/;
}

# reject_ok($node, $connstr, $name, %o): secconn rejects the connection.
#   req => 'ssl'              the violated requirement as written
#   had => 'the connection uses plain TCP'   (string: literal, or qr//)
#   more => [ [req, had], ... ]   further violations expected in the DETAIL
#   source => 'the label on role "r"' | 'the default policy' | ...
#   role, db, from => for the server's "Connection of role ..." sentence
#   log_like, log_unlike => more server log checks
# Checks: the client gets the FATAL, a DETAIL naming the requirement and
# what the connection had, and a HINT, and it does NOT see the server-only
# facts ("Demanded by", "Connection of role"); the server log has the FATAL
# with SQLSTATE 28000, the requirement, where it came from and who tried.
sub reject_ok
{
	my ($node, $connstr, $name, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	my @reqs = ([ $o{req}, $o{had} ], @{ $o{more} // [] });
	my @req_res = map { _requirement_re(@$_) } @reqs;

	my $client_re = join('',
		'\A(?!.*Demanded by)(?!.*[Cc]onnection of role)',
		'.*' . quotemeta($REJECT_FATAL),
		'.*^DETAIL:  ',
		(map { "(?=.*$_)" } @req_res),
		'.*^HINT:  To comply');
	$client_re = qr/$client_re/sm;

	my @log_like = (qr/ 28000 .*\Q$REJECT_FATAL\E/, @req_res);
	push @log_like, _source_re($o{source}) if defined $o{source};
	if (defined $o{role})
	{
		my $who = qr/Connection of role "\Q$o{role}\E"/;
		$who = qr/$who to database "\Q$o{db}\E"/ if defined $o{db};
		$who = qr/$who.* from \Q$o{from}\E\./ if defined $o{from};
		push @log_like, $who;
	}
	push @log_like, @{ $o{log_like} } if $o{log_like};

	connect_fails_ok(
		$node, $connstr, $name,
		expected_stderr => $client_re,
		log_like => \@log_like,
		log_unlike => [ qr/terminated by signal/, @{ $o{log_unlike} // [] } ]);
	return;
}

# warn_ok($node, $connstr, $name, %o): the violating connection is
# admitted, and the log has exactly one "admitted in warn mode" line whose
# DETAIL names the requirement (and source) as reject_ok's would.
sub warn_ok
{
	my ($node, $connstr, $name, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	my $offset = -s $node->logfile;
	my $req_re = _requirement_re($o{req}, $o{had});
	my @log_like = (
		qr/LOG:  secconn policy violated, connection admitted in warn mode\n.*DETAIL:  .*$req_re/
	);
	push @log_like, _source_re($o{source}) if defined $o{source};
	push @log_like, qr/Connection of role "\Q$o{role}\E"/ if defined $o{role};
	$node->connect_ok($connstr, $name,
		log_like => \@log_like,
		log_unlike => [qr/connection rejected/]);
	is( count_matches(
			log_since($node, $offset),
			qr/secconn policy violated, connection admitted in warn mode/),
		1,
		"$name: exactly one warn-mode log line");
	return;
}

# labels_enforced($node, $what, %o): on $node, each label given holds, both
# ways.  Each element names roles and databases that the caller labelled:
#   role => [ $role, $db, \@log_like ]   $role has 'ssl'; connects to $db
#                                        (default postgres); @log_like:
#                                        more server log checks
#   group => [ $member, $group, $db ]    $group has 'min_tls=TLSv1.3'
#   database => [ $role, $db ]           $db's label requires 'ssl'
# Without TLS (or with TLS 1.2 for the group) the connection is rejected,
# naming the label that demanded it; with TLS 1.3 it is admitted.
sub labels_enforced
{
	my ($node, $what, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	if (my $r = $o{role})
	{
		my ($role, $db, $log_like) = @$r;
		reject_ok(
			$node,
			conn($node, user => $role, db => $db),
			"$what: role label: plain TCP rejected",
			req => 'ssl',
			had => $PLAIN_TCP,
			source => "the label on role \"$role\"",
			role => $role,
			log_like => $log_like // [],
			log_unlike => [qr/could not evaluate/]);
		accept_ok($node, conn($node, user => $role, db => $db, sslmode => 'require'),
			"$what: role label: TLS accepted");
	}
	if (my $g = $o{group})
	{
		my ($member, $group, $db) = @$g;
		reject_ok(
			$node,
			conn(
				$node,
				user => $member,
				db => $db,
				sslmode => 'require',
				extra => 'ssl_max_protocol_version=TLSv1.2'),
			"$what: group label: TLS 1.2 rejected",
			req => 'min_tls=TLSv1.3',
			had => qr/the connection uses TLSv1\.2 with \S+\./,
			source => "the label on role \"$group\"");
		accept_ok($node, conn($node, user => $member, db => $db, sslmode => 'require'),
			"$what: group label: TLS 1.3 accepted");
	}
	if (my $d = $o{database})
	{
		my ($role, $db) = @$d;
		reject_ok(
			$node,
			conn($node, user => $role, db => $db),
			"$what: database label: plain TCP rejected",
			req => 'ssl',
			had => $PLAIN_TCP,
			source => "the label on database \"$db\"");
		accept_ok($node, conn($node, user => $role, db => $db, sslmode => 'require'),
			"$what: database label: TLS accepted");
	}
	return;
}

# No process of this node was killed by a signal (a crash in the hook
# makes the postmaster log "terminated by signal").
sub check_no_crash
{
	my ($node) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	unlike(PostgreSQL::Test::Utils::slurp_file($node->logfile),
		qr/terminated by signal/,
		'server log of ' . $node->name . ' has no "terminated by signal"');
	return;
}

1;
