#!/usr/bin/env bash
# Where a `mailpath` build's wall time goes on the reference workload, function by function,
# beside where its instructions go: perf samples the clock (the processor's event counters are
# not available on these machines), callgrind (valgrind) counts the instructions. A function
# whose share of the time is well above its share of the instructions is waiting on memory
# (data it reads cold, or code that is not in the instruction cache): fewer instructions there
# may buy nothing, and less memory touched may buy much. Functions are matched by symbol.
#
#   Scripts/profile-wall.sh [BINARY=.build/release/mailpath] [MESSAGES=100000] [TOP=40]
#
# The timed run is pinned to processor 0 (`taskset -c 0`); the instruction count runs 20,000
# messages under callgrind (about a minute).
set -euo pipefail
binary=${1:-.build/release/mailpath} messages=${2:-100000} top=${3:-40}
for tool in perf valgrind python3; do
    command -v "$tool" > /dev/null || { echo "$0: $tool is not installed" >&2; exit 69; }
done
[[ -x $binary ]] || { echo "$0: $binary is not an executable; build with Scripts/fast-build.sh" >&2; exit 66; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
perf record -q -e cpu-clock -F 4000 -o "$work/perf.data" taskset -c 0 "$binary" bench --messages "$messages" --quiet > /dev/null 2>&1
perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2> /dev/null \
    | awk '/%/ && !/^#/ { share = $1; sub("%", "", share); print share, $3 }' > "$work/wall.txt"
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$binary" bench --messages 20000 --quiet > /dev/null 2>&1
callgrind_annotate --inclusive=no --threshold=100 "$work/callgrind.out" 2> /dev/null > "$work/instructions.txt"
python3 - "$work/wall.txt" "$work/instructions.txt" "$top" << 'EOF'
import re, sys
wall_path, instructions_path, top = sys.argv[1], sys.argv[2], int(sys.argv[3])
instructions = {}
for line in open(instructions_path):
    match = re.match(r'\s*([\d,]+) \(.*?\)\s+\S+?:(\S+)', line)
    if match:
        name = match.group(2)
        instructions[name] = instructions.get(name, 0) + int(match.group(1).replace(',', ''))
total = sum(instructions.values()) or 1
print(f"{'time %':>7} {'instr %':>8} {'ratio':>6}  function")
for line in list(open(wall_path))[:top]:
    share, name = line.split(maxsplit=1)
    name = name.strip()
    counted = instructions.get(name, 0) / total * 100
    ratio = f"{float(share) / counted:6.2f}" if counted > 0 else "     -"
    print(f"{float(share):7.2f} {counted:8.2f} {ratio}  {name[:120]}")
EOF
