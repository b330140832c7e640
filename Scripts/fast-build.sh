#!/usr/bin/env bash
# The fast release build of `mailpath`, the one the benchmark figures are measured with.
#
#   Scripts/fast-build.sh            # builds .build/release/mailpath and prints its path
#   "$(Scripts/fast-build.sh)" bench --messages 1000000
#
# Package.swift asks for nothing unusual (a package with unsafe flags cannot be depended on,
# and a binary built for one processor's instructions dies on another), so the options that
# make the benchmark fast are given here, on the command line:
# - --experimental-lto-mode=full: LLVM optimises the modules as one program at link time
#   (about 6% fewer instructions a message on the reference workload);
# - --static-swift-stdlib: the Swift runtime and Foundation linked in, so the billions of
#   calls into the runtime (retain, release, allocation) are direct calls, not calls through
#   the dynamic linker's tables (about 11% faster);
# - -cross-module-optimization: the engines inlined and specialised into the simulation (1.8%);
# - -enforce-exclusivity=unchecked: no run-time checks that two accesses to a class's stored
#   property overlap (a simulation run and each server loop are single-threaded; debug builds,
#   and so the tests, keep checking).
# The binary runs on any x86-64 (or arm64) processor: no -target-cpu.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product mailpath --experimental-lto-mode=full --static-swift-stdlib \
    -Xswiftc -cross-module-optimization -Xswiftc -enforce-exclusivity=unchecked >&2
echo "$(swift build -c release --show-bin-path)/mailpath"
