#!/usr/bin/env bash
# The binary runs on any processor of its architecture: no AVX-512 instructions (zmm registers,
# opmask registers k0–k7, or the EVEX-only registers xmm16–31/ymm16–31), which a build for the
# builder's own processor (-target-cpu native on an AVX-512 machine) puts in and which die with
# SIGILL on most x86-64 processors. Nothing to check on other architectures.
#
#   Scripts/check-portable.sh BINARY...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: Scripts/check-portable.sh BINARY..." >&2; exit 64; }
for binary in "$@"; do
    if [ "$(uname -m)" != x86_64 ]; then
        echo "$binary: $(uname -m), not x86-64: no AVX-512 to look for"
        continue
    fi
    count=$(objdump -d --no-show-raw-insn "$binary" | grep -cE '%zmm|%k[0-7]\b|%[xy]mm(1[6-9]|2[0-9]|3[01])\b' || true)
    if [ "$count" -ne 0 ]; then
        echo "$binary: $count instructions use AVX-512 registers; it would die with SIGILL on most x86-64 processors" >&2
        objdump -d --no-show-raw-insn "$binary" | grep -E '%zmm|%k[0-7]\b|%[xy]mm(1[6-9]|2[0-9]|3[01])\b' | head -5 >&2
        exit 1
    fi
    echo "$binary: no AVX-512 instructions"
done
