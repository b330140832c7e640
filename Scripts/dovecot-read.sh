#!/usr/bin/env bash
# Reads a Maildir (or an mbox file) written by `mailpath serve` with Dovecot's IMAP server
# (Debian: dovecot-imapd), software we did not write: a preauthenticated IMAP session on standard
# input selects it and fetches every message's Subject and Return-Path, as Dovecot parses them.
#
#   Scripts/dovecot-read.sh mailbox/joe      # a Maildir (serve's default store) or an mbox file
#
# Dovecot refuses to serve mail as root, so as root a copy is read as `nobody`.
set -euo pipefail
maildir=${1:?usage: Scripts/dovecot-read.sh MAILDIR_OR_MBOX}
imap=/usr/lib/dovecot/imap
if [ ! -x "$imap" ]; then
    echo "dovecot-read: $imap not found; install Debian's dovecot-imapd (.ci/run does)" >&2
    exit 2
fi
# As root the copy is read as `nobody`, who must reach it: under /tmp, not a private $TMPDIR.
if [ "$(id -u)" = 0 ]; then work=$(mktemp -d -p /tmp); else work=$(mktemp -d); fi
trap 'rm -rf "$work"' EXIT
cp -r "$maildir" "$work/box"
if [ "$(id -u)" = 0 ]; then
    uid=65534 gid=65534
    chown -R "$uid:$gid" "$work"
else
    uid=$(id -u) gid=$(id -g)
fi
cat > "$work/dovecot.conf" << EOF
ssl = no
log_path = /dev/null
first_valid_uid = $uid
first_valid_gid = $gid
mail_uid = $uid
mail_gid = $gid
EOF
if [ -f "$maildir" ]; then
    echo "mail_location = mbox:$work/mail:INBOX=$work/box" >> "$work/dovecot.conf"
    mkdir "$work/mail"
    chown "$uid:$gid" "$work/mail"
else
    echo "mail_location = maildir:$work/box" >> "$work/dovecot.conf"
fi
printf 'a SELECT INBOX\r\nb FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT RETURN-PATH)])\r\nc LOGOUT\r\n' \
    | env -i USER=reader HOME="$work" "$imap" -c "$work/dovecot.conf"
