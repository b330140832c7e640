#!/usr/bin/env bash
# Instructions a message of a `mailpath` build on the reference workload, counted by callgrind
# (valgrind): unlike wall time, the count does not drift, so it shows the effect of a change
# that the host's noise would hide.
#
#   Scripts/count-instructions.sh [BINARY=.build/release/mailpath] [MESSAGES=20000]
#
# Fewer messages weigh the setup more (at 5,000 the figure is about 7% higher than at 20,000).
# Keep the callgrind output for `callgrind_annotate` with OUT=file.
set -euo pipefail
binary=${1:-.build/release/mailpath} messages=${2:-20000} out=${OUT:-/dev/null}
command -v valgrind > /dev/null || { echo "$0: valgrind is not installed (apt-get install valgrind)" >&2; exit 69; }
[[ -x $binary ]] || { echo "$0: $binary is not an executable; build with Scripts/fast-build.sh" >&2; exit 66; }
valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" bench --messages "$messages" --quiet 2>&1 \
    | awk -v n="$messages" '/Collected/ { gsub(",", "", $4); printf "%.0f instructions a message (%s in all, %d messages)\n", $4 / n, $4, n }'
