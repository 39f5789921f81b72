# SPDX-License-Identifier: LGPL-3.0
#
# sshd.sh - run a throwaway sshd on 127.0.0.1 for sharness tests (as root)
#
#   sshd_start DIR [EXTRA]
#                    create DIR with throwaway keys and configs, start sshd on
#                    a free 127.0.0.1 port; exports SSHD_DIR, SSHD_PORT,
#                    SSHD_PID and FLUX_SSH (ssh wrapper using DIR/ssh_config);
#                    the lines of file EXTRA (e.g. Match blocks) end
#                    DIR/sshd_config
#   sshd_stop        stop that sshd (and its session children), wait for exit
#   sshd_uri URI     print ssh:// URI reaching the broker at local:// URI
#   sshd_pause       SIGSTOP the listening sshd
#   sshd_resume      SIGCONT the listening sshd

sshd_listening() {
	test -n "$(ss -Hltn "sport = :$1")"
}

sshd_start() {
	test $# -eq 1 -o $# -eq 2 ||
		{ echo "Usage: sshd_start DIR [EXTRA]" >&2; return 1; }
	_sshd_extra=${2:-/dev/null}
	mkdir -p "$1" && SSHD_DIR=$(cd "$1" && pwd) || return 1
	_sshd_d=$SSHD_DIR
	rm -f "$_sshd_d"/host_key* "$_sshd_d"/client_key* "$_sshd_d/sshd.pid"
	ssh-keygen -q -t ed25519 -N '' -f "$_sshd_d/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -f "$_sshd_d/client_key" &&
	cp "$_sshd_d/client_key.pub" "$_sshd_d/authorized_keys" &&
	mkdir -p /run/sshd || return 1

	# Try ports upward from a random base in 20000-39999, skipping ports
	# already listening.  sshd daemonizes before binding, so success is
	# the pid file appearing (written after listen) and bind failure is
	# "Cannot bind" in the log.  Wait at most ~10s for sshd.
	_sshd_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
	SSHD_PORT=
	for _sshd_try in 1 2 3 4 5 6 7 8 9 10; do
		_sshd_port=$((_sshd_port + 1))
		sshd_listening $_sshd_port && continue
		cat >"$_sshd_d/sshd_config" <<-EOT
		ListenAddress 127.0.0.1:$_sshd_port
		HostKey $_sshd_d/host_key
		PidFile $_sshd_d/sshd.pid
		AuthorizedKeysFile $_sshd_d/authorized_keys
		StrictModes no
		UsePAM no
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin yes
		SetEnv PATH=/usr/local/bin:/usr/bin:/bin
		EOT
		cat "$_sshd_extra" >>"$_sshd_d/sshd_config" || return 1
		rm -f "$_sshd_d/sshd.pid"
		: >"$_sshd_d/sshd.log"
		/usr/sbin/sshd -f "$_sshd_d/sshd_config" -E "$_sshd_d/sshd.log" ||
			break
		_sshd_n=0
		until test -s "$_sshd_d/sshd.pid" && sshd_listening $_sshd_port; do
			grep -q "Cannot bind" "$_sshd_d/sshd.log" && continue 2
			_sshd_n=$((_sshd_n + 1))
			test $_sshd_n -le 100 || break 2
			sleep 0.1
		done
		SSHD_PORT=$_sshd_port
		break
	done
	if test -z "$SSHD_PORT"; then
		echo "sshd_start: sshd failed, see $_sshd_d/sshd.log:" >&2
		cat "$_sshd_d/sshd.log" >&2
		return 1
	fi
	SSHD_PID=$(cat "$_sshd_d/sshd.pid")

	cat >"$_sshd_d/ssh_config" <<-EOT
	Host *
	    Port $SSHD_PORT
	    User $(id -un)
	    IdentityFile $_sshd_d/client_key
	    IdentitiesOnly yes
	    UserKnownHostsFile /dev/null
	    StrictHostKeyChecking no
	    LogLevel ERROR
	    BatchMode yes
	    ConnectTimeout 5
	EOT
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s/ssh_config "$@"\n' \
		"$_sshd_d" >"$_sshd_d/ssh" &&
	chmod +x "$_sshd_d/ssh" || return 1
	FLUX_SSH=$_sshd_d/ssh
	export SSHD_DIR SSHD_PORT SSHD_PID FLUX_SSH
}

sshd_stop() {
	test -n "$SSHD_PID" || return 0
	pkill -TERM -P "$SSHD_PID" 2>/dev/null
	kill -TERM "$SSHD_PID" 2>/dev/null
	kill -CONT "$SSHD_PID" 2>/dev/null   # in case it was paused
	_sshd_n=0
	while kill -0 "$SSHD_PID" 2>/dev/null; do
		_sshd_n=$((_sshd_n + 1))
		test $_sshd_n -le 100 || { kill -KILL "$SSHD_PID"; break; }
		sleep 0.1
	done
	unset SSHD_PID
}

sshd_uri() {
	echo "ssh://127.0.0.1:$SSHD_PORT/${1#local:///}"
}

sshd_pause() {
	kill -STOP "$SSHD_PID"
}

sshd_resume() {
	kill -CONT "$SSHD_PID"
}
