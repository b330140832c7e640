#!/usr/bin/env bash
# Durable throughput of `mailpath serve` beside Postfix's smtp-sink, measured in one run with
# Postfix's smtp-source as the client of both (Debian package postfix; see ../NOTES in the issue):
#
#   Scripts/live-vs-postfix.sh "$(Scripts/fast-build.sh)" [MESSAGES] [SESSIONS] [STORE]
#
# smtp-sink answers 250 and keeps nothing; serve flushes every text to disk (group commit) in
# each recipient's Maildir (STORE maildir, the default) or mbox file (STORE mbox) before its
# 250. Both run the same workload: MESSAGES messages (5,000) of 2,000 bytes to 2 recipients over
# SESSIONS parallel sessions (16), one message a session. Prints both rates and their ratio;
# exits 1 if serve stored fewer than MESSAGES.
set -euo pipefail
binary=${1:?usage: Scripts/live-vs-postfix.sh MAILPATH_BINARY [MESSAGES] [SESSIONS] [STORE]}
messages=${2:-5000}
sessions=${3:-16}
store=${4:-maildir}
for tool in /usr/sbin/smtp-sink /usr/sbin/smtp-source; do
    if [ ! -x "$tool" ]; then
        echo "live-vs-postfix: $tool not found; install Debian's postfix (\"No configuration\")" >&2
        exit 2
    fi
done
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.05; done; return 1; }
now() { date +%s.%N; }

# smtp-sink refuses to run as root without -u.
sink_port=$(free_port)
user_option=()
if [ "$(id -u)" = 0 ]; then user_option=(-u nobody); fi
/usr/sbin/smtp-sink "${user_option[@]}" "127.0.0.1:$sink_port" 1024 &
pids+=($!)
serve_port=$(free_port)
"$binary" serve --dialect esmtp --listen "127.0.0.1:$serve_port" --domain example.org --mailbox-dir "$work/mail" --store "$store" \
    --max-connections $((sessions + 16)) --max-per-address $((sessions + 16)) 2> "$work/serve.log" &
pids+=($!)
wait_for "$sink_port"
wait_for "$serve_port"

run() { # port -> seconds
    local start end
    start=$(now)
    /usr/sbin/smtp-source -s "$sessions" -m "$messages" -l 2000 -r 2 -f ann@a.org -t joe@example.org \
        -M client.example "127.0.0.1:$1"
    end=$(now)
    echo "$end - $start" | bc -l
}
sink_seconds=$(run "$sink_port")
serve_seconds=$(run "$serve_port")
if [ "$store" = mbox ]; then
    stored=$(cat "$work"/mail/* 2> /dev/null | grep -c '^From ' || true)
else
    stored=$(find "$work/mail" -path '*/new/*' -type f | wc -l)
fi
python3 - "$messages" "$sessions" "$sink_seconds" "$serve_seconds" "$stored" "$store" << 'EOF'
import sys
messages, sessions, sink, serve, stored = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print(f"{messages} messages of 2,000 bytes to 2 recipients, {sessions} parallel sessions (smtp-source)")
print(f"  smtp-sink (keeps nothing)      {messages / sink:8.0f} messages/s  ({sink:.2f} s)")
print(f"  mailpath serve (durable)       {messages / serve:8.0f} messages/s  ({serve:.2f} s), {stored} copies on disk ({sys.argv[6]})")
print(f"  serve / smtp-sink              {sink / serve:8.2f}")
EOF
[ "$stored" -ge "$messages" ] || { echo "live-vs-postfix: serve stored only $stored copies" >&2; exit 1; }
