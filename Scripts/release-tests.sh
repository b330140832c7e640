#!/usr/bin/env bash
# The engine and simulation tests in release, built as the benchmark is (optimised, with the
# run-time exclusivity checks off: -enforce-exclusivity=unchecked, as Scripts/fast-build.sh),
# so code that only goes wrong under optimisation is caught. `swift test` (debug) runs them all
# with the checks on. A scratch directory of its own keeps .build/release as fast-build.sh left it.
#
#   Scripts/release-tests.sh [extra swift test options]
set -euo pipefail
cd "$(dirname "$0")/.."
swift test -c release --scratch-path .build/release-tests -Xswiftc -enforce-exclusivity=unchecked \
    --filter 'MailpathBaseTests|SimKernelTests|SimNetworkTests|MailCoreTests|MailDialectsTests|MailAgentTests|MailSimulationTests' "$@"
