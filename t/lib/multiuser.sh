# SPDX-License-Identifier: LGPL-3.0
#
# multiuser.sh - multi-user Flux instances with real Unix users, for
# sharness tests that run as root (a guest's job run as the guest by the
# setuid flux-imp)
#
# Source it after delegate.sh (wait_run) and sshd.sh (mu_sshd_start), and
# before sharness; the test script itself runs as root and is not under
# flux start (test_under_flux does not fit: these instances are started
# as the owner user, not as jobs):
#
#   . "$DELEGATE_TEST_LIB/delegate.sh"
#   . "$DELEGATE_TEST_LIB/sshd.sh"
#   . "$DELEGATE_TEST_LIB/multiuser.sh"
#   . /usr/share/sharness/sharness.sh
#   mu_trap_cleanup              # sharness's final cleanup runs when all
#                                # tests passed; this on any exit
#
#   mu_setup                     root only, idempotent: install what the
#                                tests need and say what it did (users
#                                fdowner, fdguest, fdguest2; a running
#                                munged; flux-imp setuid root; the IMP
#                                config delegate-test.toml; a sign config
#                                only if none allows munge)
#   mu_imp_max_ttl SECS|default  the max-ttl of job signatures the IMP
#                                checks at each exec (it is read from the
#                                sign config, security/conf.d, not from the
#                                IMP's: a file there overrides [sign] with
#                                munge and SECS); default: the installed
#                                sign config again (mu_setup and mu_cleanup
#                                do that too)
#   mu_start NAME [EXTRA_TOML]   start a multi-user instance owned by
#                                fdowner (IMP, guests allowed, root may act
#                                as owner), EXTRA_TOML's content appended
#                                to its config; sets NAME (its local://
#                                URI, reachable by every user) and NAME_PID
#                                (its broker) once it is in state run
#   mu_stop NAME                 stop that instance, wait until it is gone
#   mu_cleanup                   stop every instance and the sshd, remove
#                                MU_DIR and a max-ttl override (users, munge
#                                and the IMP stay installed)
#   mu_trap_cleanup              run mu_cleanup at the script's exit, before
#                                sharness's EXIT trap (die)
#   as_user USER CMD...          run CMD as USER (environment kept, FLUX_URI
#                                too; HOME, USER, LOGNAME of USER; in /tmp
#                                if USER cannot enter the current directory)
#   as_owner CMD...              as_user fdowner
#   as_guest CMD...              as_user fdguest
#   as_guest2 CMD...             as_user fdguest2
#   mu_uid USER                  print USER's uid
#   mu_sshd_start [DIR]          throwaway sshd on 127.0.0.1 (sshd.sh) that
#                                lets fdowner log in as fdowner, only, with
#                                a throwaway key; exports FLUX_SSH (an ssh
#                                for fdowner) which mu_start passes on to
#                                the brokers: start it before them; DIR
#                                (default MU_DIR/sshd; no spaces, fdowner
#                                must reach it) holds keys and configs
#   mu_sshd_stop                 stop it
#   mu_ssh_uri URI               print the ssh:// URI of the broker at
#                                local:// URI, through that sshd
#   mu_plugin_path               print a copy of $DELEGATE_SO that fdowner
#                                can load (in MU_DIR)
#   mu_load_plugin URI [KEY=VAL] fdowner loads it into instance URI
#
# MU_DIR (one per test script, mode 0755, under /tmp) holds the instances'
# configs, rundirs and broker logs (MU_DIR/NAME/broker.log), the sshd and
# the plugin copy.

MU_OWNER=fdowner
MU_GUEST=fdguest
MU_GUEST2=fdguest2
MU_USERS="$MU_OWNER $MU_GUEST $MU_GUEST2"
: "${MU_IMP:=/usr/local/libexec/flux/flux-imp}"
MU_SHELL=$(flux config builtin shell_path 2>/dev/null) ||
	MU_SHELL=/usr/local/libexec/flux/flux-shell
# The IMP reads its config from a pattern compiled into it; the signing
# library (flux submit, job-ingest and the IMP) reads [sign] from another,
# compiled into libflux-security.  Both are read from the binaries, with
# flux-security's defaults under /usr/local as fallback.
_mu_compiled_dir () {
	local dir
	dir=$(grep -ao "/[[:alnum:]/._-]*/flux/$2/conf\\.d/\\*\\.toml" "$1" \
		2>/dev/null | head -n1)
	echo "${dir%/\*.toml}"
}
MU_IMP_CONFDIR=$(_mu_compiled_dir "$MU_IMP" imp)
: "${MU_IMP_CONFDIR:=/usr/local/etc/flux/imp/conf.d}"
MU_SIGN_CONFDIR=$(_mu_compiled_dir \
	"$(ldd "$MU_IMP" 2>/dev/null | awk '/libflux-security/ {print $3}')" \
	security)
: "${MU_SIGN_CONFDIR:=/usr/local/etc/flux/security/conf.d}"
MU_IMP_CONF=$MU_IMP_CONFDIR/delegate-test.toml
# Sorts after the installed sign.toml: a later file's [sign] table
# replaces an earlier one whole (flux-security merges files by top-level
# table), so this one is complete.
MU_SIGN_TTL_CONF=$MU_SIGN_CONFDIR/zz-delegate-test-max-ttl.toml
MU_SIGN_CONF=$MU_SIGN_CONFDIR/delegate-test.toml
MU_INSTANCES=

mu_uid () {
	id -u "$1"
}

_mu_dir () {
	if test -z "$MU_DIR" || ! test -d "$MU_DIR"; then
		MU_DIR=$(mktemp -d /tmp/delegate-mu.XXXXXX) &&
		chmod 0755 "$MU_DIR" || return 1
	fi
}

# Run CMD... with no file descriptor above 2 open: a daemon or a
# background broker must not hold sharness's or the test driver's pipes.
_mu_closefds () {
	local fd
	for fd in $(ls /proc/$BASHPID/fd); do
		test "$fd" -gt 2 && eval "exec $fd>&-"
	done
	exec "$@"
}

as_user () {
	local user=$1 home gid
	shift
	home=$(getent passwd "$user" | cut -d: -f6) &&
	gid=$(id -g "$user") || { echo "as_user: no user $user" >&2; return 1; }
	(
		setpriv --reuid="$user" --regid="$gid" --init-groups \
			test -x . -a -r . 2>/dev/null || cd /tmp || exit 1
		exec setpriv --reuid="$user" --regid="$gid" --init-groups \
			env HOME="$home" USER="$user" LOGNAME="$user" "$@"
	)
}

as_owner () {
	as_user "$MU_OWNER" "$@"
}

as_guest () {
	as_user "$MU_GUEST" "$@"
}

as_guest2 () {
	as_user "$MU_GUEST2" "$@"
}

_mu_munge_works () {
	munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1
}

# Install the Debian package munge if munged is missing, create a key only
# if there is none (an existing key is never replaced), start munged as
# user munge if none answers.
_mu_setup_munge () {
	if ! test -x /usr/sbin/munged; then
		echo "mu_setup: installing the Debian package munge"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq munge >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq munge >/dev/null; } ||
			{ echo "mu_setup: apt-get install munge failed" >&2; return 1; }
	fi
	if ! test -e /etc/munge/munge.key; then
		echo "mu_setup: creating /etc/munge/munge.key (there was none)"
		install -d -o munge -g munge -m 0700 /etc/munge &&
		(umask 077 && dd if=/dev/urandom of=/etc/munge/munge.key \
			bs=1024 count=1 2>/dev/null) &&
		chown munge:munge /etc/munge/munge.key &&
		chmod 0400 /etc/munge/munge.key || return 1
	fi
	if _mu_munge_works; then
		echo "mu_setup: munged runs"
		return 0
	fi
	echo "mu_setup: starting munged (as user munge)"
	install -d -o munge -g munge -m 0755 /run/munge || return 1
	(_mu_closefds runuser -u munge -- /usr/sbin/munged \
		</dev/null >/dev/null 2>&1) || {
		echo "mu_setup: munged failed to start:" >&2
		tail -n5 /var/log/munge/munged.log >&2
		return 1
	}
	wait_until 10 _mu_munge_works
}

# Write stdin to FILE (root's, 0644) unless FILE has that content; print
# "wrote" or "kept"
_mu_write_root_file () {
	local file=$1 tmp
	tmp=$(mktemp "$file.XXXXXX") && cat >"$tmp" || return 1
	if cmp -s "$tmp" "$file" &&
	   test "$(stat -c %U:%G:%a "$file")" = root:root:644; then
		rm -f "$tmp"
		echo kept
	else
		chown root:root "$tmp" && chmod 0644 "$tmp" &&
		mv -f "$tmp" "$file" && echo wrote
	fi
}

_mu_imp_toml () {
	cat <<-EOT
	# Written by flux-multi-cluster-utilities t/lib/multiuser.sh (mu_setup)
	# for its multi-user tests: $MU_OWNER may run job shells as guests.
	#
	# The IMP checks a job's signature against the [sign] table of the
	# signing library's config ($MU_SIGN_CONFDIR/*.toml), not of
	# this directory: allowed types (munge) and max-ttl live there.
	[exec]
	allowed-users = [ "$MU_OWNER" ]
	allowed-shells = [ "$MU_SHELL" ]
	EOT
}

mu_setup () {
	local u
	test "$(id -u)" = 0 || { echo "mu_setup: needs root" >&2; return 1; }
	_mu_dir || return 1
	for u in $MU_USERS; do
		if id "$u" >/dev/null 2>&1; then
			echo "mu_setup: user $u exists (uid $(id -u "$u"))"
		else
			# -p '*': no password, and not locked (sshd with
			# UsePAM no refuses a key to a locked account)
			useradd -m -s /bin/bash -p '*' "$u" || return 1
			echo "mu_setup: created user $u (uid $(id -u "$u"))"
		fi
	done
	# fdowner logs in by ssh: unlock it if an earlier useradd locked it
	if getent shadow "$MU_OWNER" | cut -d: -f2 | grep -q '^!'; then
		usermod -p '*' "$MU_OWNER" &&
		echo "mu_setup: $MU_OWNER unlocked (password '*': none)" ||
			return 1
	fi

	_mu_setup_munge || return 1

	test -x "$MU_IMP" ||
		{ echo "mu_setup: no IMP at $MU_IMP (flux-security)" >&2; return 1; }
	if test "$(stat -c %U:%G:%a "$MU_IMP")" = root:root:4755; then
		echo "mu_setup: $MU_IMP is setuid root"
	else
		chown root:root "$MU_IMP" && chmod 4755 "$MU_IMP" || return 1
		echo "mu_setup: $MU_IMP made setuid root (chown root, chmod 4755)"
	fi

	install -d -o root -g root -m 0755 "$MU_IMP_CONFDIR" || return 1
	u=$(_mu_imp_toml | _mu_write_root_file "$MU_IMP_CONF") || return 1
	echo "mu_setup: $u $MU_IMP_CONF (allowed-users $MU_OWNER, allowed-shells $MU_SHELL)"
	for u in "$MU_IMP_CONFDIR"/*.toml; do
		test "$u" = "$MU_IMP_CONF" && continue
		grep -q '^\[exec\]' "$u" &&
			echo "mu_setup: warning: $u has an [exec] table too: the last file's wins" >&2
	done

	# A sign config: the installed one if it allows munge (flux-security's
	# make install puts sign.toml there), else ours if there is none.
	mu_imp_max_ttl default || return 1
	if grep -qs '^ *allowed-types.*"munge"' "$MU_SIGN_CONFDIR"/*.toml; then
		echo "mu_setup: sign config allows munge:" \
			$(grep -ls '^ *allowed-types.*"munge"' "$MU_SIGN_CONFDIR"/*.toml)
	elif ls "$MU_SIGN_CONFDIR"/*.toml >/dev/null 2>&1; then
		echo "mu_setup: $MU_SIGN_CONFDIR has a sign config that does not allow munge; not overriding it" >&2
		return 1
	else
		install -d -o root -g root -m 0755 "$MU_SIGN_CONFDIR" &&
		_mu_sign_toml 1209600 | _mu_write_root_file "$MU_SIGN_CONF" \
			>/dev/null || return 1
		echo "mu_setup: wrote $MU_SIGN_CONF (munge, max-ttl 2 weeks)"
	fi
}

_mu_sign_toml () {
	cat <<-EOT
	# Written by flux-multi-cluster-utilities t/lib/multiuser.sh
	[sign]
	max-ttl = $1
	default-type = "munge"
	allowed-types = [ "munge" ]
	EOT
}

mu_imp_max_ttl () {
	case $1 in
	default)
		rm -f "$MU_SIGN_TTL_CONF" ;;
	'' | 0* | *[!0-9]*)
		echo "Usage: mu_imp_max_ttl SECONDS|default" >&2
		return 1 ;;
	*)
		_mu_sign_toml "$1" |
			_mu_write_root_file "$MU_SIGN_TTL_CONF" >/dev/null ;;
	esac
}

mu_plugin_path () {
	# (usually in a command substitution: MU_DIR must exist already)
	test -n "$MU_DIR" && test -d "$MU_DIR" ||
		{ echo "mu_plugin_path: no MU_DIR (mu_setup first)" >&2; return 1; }
	if ! cmp -s "$DELEGATE_SO" "$MU_DIR/delegate.so"; then
		install -m 0644 "$DELEGATE_SO" "$MU_DIR/delegate.so" || return 1
	fi
	echo "$MU_DIR/delegate.so"
}

mu_load_plugin () {
	local uri=$1 so
	shift
	so=$(mu_plugin_path) &&
	FLUX_URI=$uri as_owner flux jobtap load "$so" "$@"
}

_mu_alive () {
	local state
	state=$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) &&
	test "$state" != Z
}

mu_start () {
	local name=$1 extra=$2 d pid i
	test -n "$name" || { echo "Usage: mu_start NAME [EXTRA_TOML]" >&2; return 1; }
	eval "pid=\${${name}_PID}"
	if test -n "$pid" && _mu_alive "$pid"; then
		echo "mu_start: $name runs already (pid $pid)" >&2
		return 1
	fi
	_mu_dir || return 1
	d=$MU_DIR/$name
	rm -rf "$d" && mkdir -p "$d/conf" "$d/run" || return 1
	cat >"$d/conf/instance.toml" <<-EOT || return 1
	[exec]
	imp = "$MU_IMP"

	[access]
	allow-guest-user = true
	allow-root-owner = true
	EOT
	if test -n "$extra"; then
		cat "$extra" >>"$d/conf/instance.toml" || return 1
	fi
	# A rundir that exists is used as is (not removed at exit): 0755
	# so that guests reach the socket (a new one would be 0700)
	chown "$MU_OWNER:" "$d/run" && chmod 0755 "$d" "$d/conf" "$d/run" &&
	chmod 0644 "$d/conf/instance.toml" || return 1
	(cd / && _mu_closefds setpriv --reuid="$MU_OWNER" \
		--regid="$(id -g "$MU_OWNER")" --init-groups \
		env -u FLUX_URI -u FLUX_JOB_ID -u FLUX_KVS_NAMESPACE \
		-u FLUX_PMI_LIBRARY_PATH -u PMI_FD -u PMI_RANK -u PMI_SIZE \
		HOME="$(getent passwd "$MU_OWNER" | cut -d: -f6)" \
		USER="$MU_OWNER" LOGNAME="$MU_OWNER" \
		flux start -o,--config-path="$d/conf" -Srundir="$d/run" \
		sleep inf) </dev/null >"$d/broker.log" 2>&1 &
	pid=$!
	# setpriv, env and flux start exec: $! is the broker
	echo "$pid" >"$d/pid"
	MU_INSTANCES="$MU_INSTANCES $name"
	eval "${name}_PID=\$pid"
	for i in $(seq 1 300); do
		test -S "$d/run/local-0" && break
		_mu_alive "$pid" || break
		sleep 0.1
	done
	if ! _mu_alive "$pid"; then
		echo "mu_start: the broker of $name exited; $d/broker.log:" >&2
		cat "$d/broker.log" >&2
		return 1
	fi
	wait_run "local://$d/run/local-0" || return 1
	eval "$name=local://\$d/run/local-0"
}

mu_stop () {
	local name=$1 pid i
	eval "pid=\${${name}_PID}"
	test -n "$pid" || return 0
	if _mu_alive "$pid"; then
		# SIGTERM: the broker ends its initial program, runs rc3, exits
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 300); do
			_mu_alive "$pid" || break
			sleep 0.1
		done
		if _mu_alive "$pid"; then
			echo "mu_stop: $name (pid $pid) not gone after 30s: SIGKILL" >&2
			kill -KILL "$pid"
		fi
	fi
	wait "$pid" 2>/dev/null
	eval "unset $name ${name}_PID"
	MU_INSTANCES=$(echo "$MU_INSTANCES" | tr ' ' '\n' | grep -vx "$name" |
		tr '\n' ' ')
	return 0
}

mu_sshd_start () {
	local d
	_mu_dir || return 1
	d=${1:-$MU_DIR/sshd}
	mkdir -p "$d" && chmod 0755 "$d" && d=$(cd "$d" && pwd) || return 1
	rm -f "$d/owner_key" "$d/owner_key.pub"
	ssh-keygen -q -t ed25519 -N '' -f "$d/owner_key" &&
	chown "$MU_OWNER:" "$d/owner_key" || return 1
	cp "$d/owner_key.pub" "$d/owner_authorized_keys" || return 1
	# The key of fdowner opens fdowner's account only
	cat >"$d/sshd_config.extra" <<-EOT
	Match User $MU_OWNER
	    AuthorizedKeysFile $d/owner_authorized_keys
	EOT
	sshd_start "$d" "$d/sshd_config.extra" || return 1
	sed -e "s|^\\( *User \\).*|\\1$MU_OWNER|" \
		-e "s|^\\( *IdentityFile \\).*|\\1$d/owner_key|" \
		"$d/ssh_config" >"$d/ssh_config.owner" &&
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s/ssh_config.owner "$@"\n' \
		"$d" >"$d/ssh-owner" &&
	chmod 0644 "$d/ssh_config.owner" && chmod 0755 "$d/ssh-owner" ||
		return 1
	FLUX_SSH=$d/ssh-owner
	export FLUX_SSH
}

mu_sshd_stop () {
	sshd_stop
}

mu_ssh_uri () {
	sshd_uri "$1"
}

mu_cleanup () {
	local name
	for name in $MU_INSTANCES; do
		mu_stop "$name"
	done
	mu_sshd_stop
	rm -f "$MU_SIGN_TTL_CONF"
	if test -n "$MU_DIR"; then
		rm -rf "$MU_DIR"
	fi
	return 0
}

mu_trap_cleanup () {
	trap '_mu_rc=$?; mu_cleanup; (exit $_mu_rc); die' EXIT
}
