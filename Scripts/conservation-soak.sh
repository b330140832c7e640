#!/usr/bin/env bash
# The conservation property on many more random worlds than CI runs (issue 24): every recipient
# of every run has exactly one outcome, and every notice goes to its message's sender.
#
#   Scripts/conservation-soak.sh [WORLDS]     # default 100000; CI's swift test runs 1000
#
# Each world is a seeded random internet (2–4 domains, workstations, mixed dialects of one
# family, MX or source-route eras, crashes, link failures, DNS outages, injected replies, dropped
# replies after the final dot) with a random workload. A failure names its seed; the worlds are
# numbered from 0, so MAILPATH_RANDOM_WORLDS=SEED+1 with the filter below reaches it again.
set -euo pipefail
cd "$(dirname "$0")/.."
MAILPATH_RANDOM_WORLDS="${1:-100000}" exec swift test -c release -Xswiftc -enable-testing --filter 'ConservationTests/conservation'
