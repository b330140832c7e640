#!/usr/bin/env bash
# Builds and runs a libFuzzer target (Fuzz/*.swift) for a bounded time.
#
#   Scripts/fuzz.sh TARGET [SECONDS]      # TARGET: scenario, commands or engines; default 60 s
#   Scripts/fuzz.sh all [SECONDS]         # each target in turn (what .ci/run does, 60 s each)
#   Scripts/fuzz.sh TARGET 14400          # four hours
#
# The library modules are built with -sanitize=fuzzer,address into .build/fuzz (so that the
# fuzzer sees their branches and AddressSanitizer their memory), and the harness is linked
# against their object files with swiftc. Nothing of this touches Package.swift. Each target
# starts from its committed corpus, Fuzz/Corpus/TARGET, and new inputs that reach new code are
# kept in .build/fuzz/corpus/TARGET. A finding stops the run with a non-zero exit and leaves the
# input as .build/fuzz/crash-… (or leak-…, timeout-…); replay it with
#   .build/fuzz/fuzz-TARGET .build/fuzz/crash-…
# and, once fixed, add it to Fuzz/Corpus/TARGET so that it stays fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Scripts/fuzz.sh scenario|commands|engines|all [SECONDS]}
seconds=${2:-60}
if [ "$target" = all ]; then
    for each in scenario commands engines; do "$0" "$each" "$seconds"; done
    exit 0
fi
case "$target" in
    scenario) source=Fuzz/Scenario.swift ;;
    commands) source=Fuzz/Commands.swift ;;
    engines) source=Fuzz/Engines.swift ;;
    *) echo "fuzz.sh: unknown target '$target': scenario, commands, engines or all" >&2; exit 64 ;;
esac
build=.build/fuzz
swift build -c release --target Experiments -Xswiftc -sanitize=fuzzer,address --build-path "$build" >&2
release="$build/release"
objects=()
for module in MailpathBase SimKernel SimNetwork MailCore MailDialects MailAgent MailSimulation Reports Experiments; do
    objects+=("$release/$module.build"/*.o)
done
swiftc -O -parse-as-library -sanitize=fuzzer,address -I "$release/Modules" "$source" "${objects[@]}" -o "$build/fuzz-$target" 2> "$build/link-$target.log" \
    || { cat "$build/link-$target.log" >&2; exit 1; }
mkdir -p "$build/corpus/$target" "Fuzz/Corpus/$target"
echo "fuzz.sh: $target for $seconds s" >&2
cd "$build"
"./fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    "corpus/$target" "../../Fuzz/Corpus/$target"
