#!/usr/bin/env bash
# The relay story on real sockets: five `mailpath serve` processes play the hosts of
# Docs/examples/relay-hosts.txt, Ann on A writes to Joe on Z, and the message crosses
# A -> D -> P -> U -> Z over TCP, each relay rewriting the paths as its dialect does.
#
#   Docs/examples/relay-live.sh [DIALECT] [MAILPATH]     # smtp821 (default), smtp788 or mtp780
#
# MAILPATH defaults to the package's debug build (built here if need be). Prints each server's
# transcript of the relay and the message as Z stored it.
set -euo pipefail
dialect=${1:-smtp821}
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${2:-}" ]; then
    mailpath=$2
else
    (cd "$here/../.." && swift build --product mailpath > /dev/null)
    mailpath="$(cd "$here/../.." && swift build --show-bin-path)/mailpath"
fi
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null || true; wait 2> /dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
port=2601
for host in A D P U Z; do
    "$mailpath" serve --dialect "$dialect" --hosts "$here/relay-hosts.txt" --host-name "$host" \
        --listen "127.0.0.1:$port" --mailbox-dir "$work/$host" --transcript 2> "$work/$host.log" &
    pids+=($!)
    port=$((port + 1))
done
for port in 2601 2602 2603 2604 2605; do
    for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.05; done
done
printf 'Subject: the relay story\r\nFrom: ann@A\r\nTo: joe@Z\r\n\r\nHello Joe, by way of D, P and U.\r\n' > "$work/message.txt"
"$mailpath" send --dialect "$dialect" --server 127.0.0.1:2601 --helo A --from ann@A --to joe@Z "$work/message.txt"
for _ in $(seq 100); do
    [ -n "$(ls -A "$work/Z/joe/new" 2> /dev/null)" ] && break
    sleep 0.1
done
for host in A D P U Z; do
    echo "== $host"
    grep -E '(agent|MAIL|RCPT|MRCP|250 )' "$work/$host.log" | head -12 || true
done
echo "== the message in Z's Maildir (Z/joe/new)"
cat "$work"/Z/joe/new/*
