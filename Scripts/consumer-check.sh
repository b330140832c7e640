#!/usr/bin/env bash
# Another package can depend on Mailpath: a tiny consumer that depends on it as a versioned
# package (a clone of this repository's HEAD, tagged 0.0.1, reached by a file:// URL) builds,
# links and runs in debug and in release. SwiftPM refuses a versioned dependency whose manifest
# has unsafe flags, and a release link that needs options of our own fails here.
#
#   Scripts/consumer-check.sh          # prints what it does; exits non-zero on any failure
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mailpath-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

git clone -q "$root" "$work/mailpath"
git -C "$work/mailpath" -c user.name=check -c user.email=check@localhost tag 0.0.1

mkdir -p "$work/consumer/Sources/consumer"
cat > "$work/consumer/Package.swift" <<MANIFEST
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "consumer",
    dependencies: [.package(url: "file://$work/mailpath", from: "0.0.1")],
    targets: [
        .executableTarget(name: "consumer", dependencies: [.product(name: "MailpathKit", package: "mailpath")])
    ]
)
MANIFEST
cat > "$work/consumer/Sources/consumer/main.swift" <<'SWIFT'
import Foundation
import MailpathCLI

// The library's front door: the command line as a function, its output captured.
let captured = CapturedConsole()
let listed = CLI.run(arguments: ["dialects"], console: captured.console)
let benched = CLI.run(arguments: ["bench", "--messages", "300", "--quiet"], console: captured.console)
guard listed == .success, benched == .success, captured.out.contains("smtp821") else {
    print("consumer: Mailpath did not run as expected:\n\(captured.out)\(captured.err)")
    exit(1)
}
print("consumer: Mailpath listed its dialects and ran its benchmark")
SWIFT

for configuration in debug release; do
    echo "== a package depending on Mailpath 0.0.1 by URL: $configuration build and run"
    (cd "$work/consumer" && swift build -c "$configuration" > "$work/build-$configuration.log" 2>&1) || {
        tail -30 "$work/build-$configuration.log"
        exit 1
    }
    "$(cd "$work/consumer" && swift build -c "$configuration" --show-bin-path)/consumer"
done
