#!/usr/bin/env bash
# Compares the wall time of two builds of `mailpath` on the reference workload.
#
#   Scripts/compare-bench.sh BASE NEW [MESSAGES] [ROUNDS] [CPU]
#
# BASE and NEW are two `mailpath` binaries (copy the binary Scripts/fast-build.sh names aside after
# each build). Each round runs BASE, then NEW, pinned
# to one processor (default 0): the machines here drift by a tenth or more from minute to minute,
# and their two processors are not equal, so runs one after the other on one processor are the
# fairest comparison. Prints each build's times, best and median, and the geometric mean of the
# per-round ratios NEW/BASE (below 1: NEW is faster).
set -euo pipefail
if [[ $# -lt 2 ]]; then
    echo "usage: $0 BASE NEW [MESSAGES=100000] [ROUNDS=5] [CPU=0]" >&2
    exit 64
fi
base=$1 new=$2 messages=${3:-100000} rounds=${4:-5} cpu=${5:-0}
for binary in "$base" "$new"; do
    [[ -x $binary ]] || { echo "$0: $binary is not an executable" >&2; exit 66; }
done
wall() { taskset -c "$cpu" "$1" bench --messages "$messages" --quiet | awk '/wall time/ && !seen { print $3; seen = 1 }'; }
results=""
for round in $(seq "$rounds"); do
    a=$(wall "$base")
    b=$(wall "$new")
    echo "round $round: base ${a} s, new ${b} s" >&2
    results+="$a $b"$'\n'
done
printf '%s' "$results" | awk '
    { a[NR] = $1; b[NR] = $2; logs += log($2 / $1) }
    function report(name, v, n,    i, j, t, s) {
        for (i = 1; i <= n; i++) s[i] = v[i]
        for (i = 2; i <= n; i++) { t = s[i]; for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
        printf "%s: best %.3f s, median %.3f s\n", name, s[1], (n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2)
    }
    END {
        report("base", a, NR); report("new ", b, NR)
        printf "new/base, geometric mean of %d rounds: %.4f\n", NR, exp(logs / NR)
    }'
