#!/usr/bin/env bash
# Cache misses a message of a `mailpath` build on the reference workload, as cachegrind
# (valgrind) simulates them: instructions, first-level instruction-cache misses, first-level
# data-cache misses and last-level data-cache misses, each divided by the messages.
#
#   Scripts/count-misses.sh [BINARY=.build/release/mailpath] [MESSAGES=5000]
#
# Instructions alone mislead: the benchmark's hot code is larger than the instruction cache, so a
# change can run fewer instructions and miss more, and take as long. Compare both builds' lines.
# A simulated run is some 50 times slower than a real one, hence the smaller default; setup
# weighs more at 5,000 messages, the same for both builds. Keep cachegrind's output for
# `cg_annotate --sort=I1mr` with OUT=file.
set -euo pipefail
binary=${1:-.build/release/mailpath} messages=${2:-5000} out=${OUT:-/dev/null}
command -v valgrind > /dev/null || { echo "$0: valgrind is not installed (apt-get install valgrind)" >&2; exit 69; }
[[ -x $binary ]] || { echo "$0: $binary is not an executable; build with Scripts/fast-build.sh" >&2; exit 66; }
valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file="$out" "$binary" bench --messages "$messages" --quiet 2>&1 \
    | awk -v n="$messages" '
        { gsub(",", "") }
        /I +refs:/ { ir = $4 }
        /I1 +misses:/ { i1 = $4 }
        /D1 +misses:/ { d1 = $4 }
        /LLd +misses:/ { lld = $4 }
        END {
            if (ir == "") { print "cachegrind printed no counts" > "/dev/stderr"; exit 1 }
            printf "a message (%d messages): %.0f instructions, %.0f I1 misses, %.0f D1 misses, %.1f LLd misses\n", n, ir / n, i1 / n, d1 / n, lld / n
        }'
