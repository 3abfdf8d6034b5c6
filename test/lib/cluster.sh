# shellcheck shell=bash
# test/lib/cluster.sh: throwaway clusters and certificates for the shell
# scripts (test/demo, test/storm, bench/run, bench/scale).  Source it;
# every function returns non-zero (with a message on stderr) rather than
# exit, so that each script keeps its own way of failing.  The TAP tests
# have the same things in Perl (test/SecconnTest.pm).
#
#   sc_handover WORK SCRIPT ARGS...   run SCRIPT as user postgres (initdb
#                                     and postgres refuse root), from a copy
#                                     in WORK along with this library
#   sc_free_port [N]                  a free TCP port on 127.0.0.1 (and the
#                                     N-1 after it)
#   sc_self_signed BASE CN [DAYS]     BASE.key and BASE.crt, for localhost
#   sc_ca BASE SUBJECT [DAYS]         a CA: BASE.key, BASE.crt
#   sc_cert BASE CN CA [DAYS] [SAN]   a certificate signed by CA.crt/CA.key
#   sc_initdb DATA                    initdb (trust, UTF8, C locale, user
#                                     postgres)
#   sc_conf DATA SOCKDIR CERT KEY [CA]  the settings every script wants:
#                                     127.0.0.1 and a Unix socket in SOCKDIR,
#                                     TLS on, SCRAM passwords
#   sc_start DATA LOG                 pick a free port, start, retry if the
#                                     port was taken meanwhile; sets SC_PORT
#   sc_stop DATA                      fast shutdown, immediate if that hangs
#
# The environment that could redirect a libpq connection is cleared on
# sourcing: nothing of the caller's may reach the throwaway cluster.

unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSSLMODE PGPASSWORD PGSERVICE \
	PGOPTIONS PGSSLCERT PGSSLKEY PGSSLROOTCERT PGCONNECT_TIMEOUT PGAPPNAME \
	PGSSLMAXPROTOCOLVERSION PGSSLMINPROTOCOLVERSION PGREQUIRESSL

SC_LIB=${SC_LIB:-$(readlink -f "${BASH_SOURCE[0]}")}

# sc_handover WORK SCRIPT ARGS...: copy SCRIPT and this library into WORK,
# give WORK to postgres, run the copy there as postgres (as the caller when
# not root) with SC_LIB naming the copied library.  Environment variables
# to pass go in the array SC_ENV (runuser does not promise to keep the
# environment).  Returns the script's exit status.
sc_handover() {
	local work=$1 script=$2 base
	shift 2
	base=$(basename "$script")
	cp "$script" "$work/$base" && cp "$SC_LIB" "$work/cluster.sh" || return 1
	local -a env_args=(SC_LIB="$work/cluster.sh" ${SC_ENV[@]+"${SC_ENV[@]}"})
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || { echo "as root this needs a 'postgres' user" >&2; return 1; }
		chown -R postgres: "$work" || return 1
		runuser -u postgres -- env "${env_args[@]}" bash "$work/$base" "$@"
	else
		env "${env_args[@]}" bash "$work/$base" "$@"
	fi
}

# sc_free_port [N]: a port P on 127.0.0.1 such that P .. P+N-1 accept no
# connection now; bounded random tries.  A later start can still lose a
# race for it: sc_start retries.
sc_free_port() {
	local n=${1:-1} p _ k taken
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		taken=0
		for k in $(seq 0 $((n - 1))); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$((p + k))") 2>/dev/null; then
				taken=1
				break
			fi
		done
		if [ "$taken" = 0 ]; then
			echo "$p"
			return 0
		fi
	done
	echo "no free TCP port found on 127.0.0.1" >&2
	return 1
}

# sc_self_signed BASE CN [DAYS]: a self-signed server certificate for
# localhost and 127.0.0.1 (enough for sslmode=require, which does not
# verify the server).
sc_self_signed() {
	local base=$1 cn=$2 days=${3:-2}
	openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=$cn" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$base.key" -out "$base.crt" >/dev/null 2>&1 ||
		{ echo "openssl could not make $base.crt" >&2; return 1; }
	chmod 600 "$base.key"
}

# sc_ca BASE SUBJECT [DAYS]: a CA; SUBJECT in openssl's /K=V form.
sc_ca() {
	local base=$1 subj=$2 days=${3:-2}
	openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "$subj" \
		-keyout "$base.key" -out "$base.crt" >/dev/null 2>&1 ||
		{ echo "openssl could not make the CA $base.crt" >&2; return 1; }
	chmod 600 "$base.key"
}

# sc_cert BASE CN CA [DAYS] [SAN]: a certificate for CN signed by CA
# (CA.crt, CA.key); SAN e.g. "IP:127.0.0.1,DNS:localhost" for a server.
sc_cert() {
	local base=$1 cn=$2 ca=$3 days=${4:-2} san=${5:-}
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" \
		-keyout "$base.key" -out "$base.csr" >/dev/null 2>&1 ||
		{ echo "openssl could not make $base.csr" >&2; return 1; }
	if [ -n "$san" ]; then
		printf 'subjectAltName=%s\n' "$san" >"$base.ext"
	fi
	openssl x509 -req -in "$base.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
		-days "$days" ${san:+-extfile "$base.ext"} -out "$base.crt" >/dev/null 2>&1 ||
		{ echo "openssl could not sign $base.crt" >&2; return 1; }
	rm -f "$base.csr" "$base.ext"
	chmod 600 "$base.key"
}

# sc_initdb DATA: a cluster whose superuser is postgres; the output goes to
# DATA.initdb.log.
sc_initdb() {
	local data=$1
	initdb -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$data.initdb.log" 2>&1 ||
		{ echo "initdb failed, see $data.initdb.log" >&2; return 1; }
}

# sc_conf DATA SOCKDIR CERT KEY [CA]: append the common settings.  No port
# (sc_start picks it) and no shared_preload_libraries (a benchmark baseline
# runs without secconn): the caller appends what differs.
sc_conf() {
	local data=$1 sockdir=$2 cert=$3 key=$4 ca_line=''
	[ -n "${5:-}" ] && ca_line="ssl_ca_file = '$5'"
	cat >>"$data/postgresql.conf" <<EOF
# ---- test/lib/cluster.sh ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
ssl = on
ssl_cert_file = '$cert'
ssl_key_file = '$key'
$ca_line
password_encryption = 'scram-sha-256'
log_line_prefix = '%m [%p] %e %q%u@%d '
EOF
}

# sc_start DATA LOG: start on a free port; up to 5 tries when another
# process took the port first.  Sets SC_PORT.
sc_start() {
	local data=$1 log=$2 _
	for _ in 1 2 3 4 5; do
		SC_PORT=$(sc_free_port 1) || return 1
		echo "port = $SC_PORT" >>"$data/postgresql.conf"
		if pg_ctl -D "$data" -l "$log" -w -t 60 start >/dev/null 2>&1; then
			return 0
		fi
		grep -q 'could not bind\|could not create listen socket' "$log" 2>/dev/null ||
			{ echo "the server did not start, see $log" >&2; return 1; }
	done
	echo "the server did not start (ports taken?), see $log" >&2
	return 1
}

# sc_stop DATA: stop the cluster if it runs.
sc_stop() {
	local data=$1
	[ -f "$data/postmaster.pid" ] || return 0
	pg_ctl -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
		pg_ctl -D "$data" -m immediate stop >/dev/null 2>&1 || true
}
