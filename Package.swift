// swift-tools-version:6.0
// Mailpath: a deterministic simulator of e-mail transfer from RFC 780 MTP to RFC 2821 SMTP.
//
// The target graph below *is* the layering of Docs/architecture.md: a module can only import
// what it depends on here (CI builds with `--explicit-target-dependency-import-check error`),
// and ArchitectureTests checks the toolchain imports (Foundation, Glibc, Dispatch) that
// target dependencies cannot express.
import PackageDescription

// Release builds link the Swift runtime and Foundation statically. Calls into the runtime (retain,
// release, allocation: a benchmark run makes billions) are then direct calls instead of calls
// through the dynamic linker's tables; measured on the reference workload, 11% faster. Every
// module is compiled for it, since a module importing Foundation names different libraries to
// link when linked statically. Debug builds, and so the tests, link dynamically as usual.
// `-cross-module-optimization` lets the optimizer inline and specialize across modules (the engines
// in MailDialects called from MailSimulation, IDMap and the byte helpers of MailCore): 1.8% fewer
// instructions a message on the reference workload. `-enforce-exclusivity=unchecked` leaves out
// the run-time checks that no two accesses to a class's stored property overlap: a simulation
// run, and each server loop of the live mode, is single-threaded and its accesses never
// overlap, which debug builds, and so the tests, keep checking. `-target-cpu native` compiles for the
// processor of the machine that builds (a release binary is built where it runs: `swift run`); with
// link-time optimisation, 3% fewer instructions on the reference workload (AVX2 and the like). The
// benchmark's command adds link-time optimisation, which is an option of SwiftPM, not of a
// package: `swift run -c release --experimental-lto-mode=full mailpath bench` (5.6% fewer
// instructions again; BenchCommand.command). `-enable-lexical-lifetimes=false` lets the optimizer
// end a value's life at its last use rather than at the end of its scope, as Swift did before 5.7
// (nothing here depends on when a class instance is freed; 1% fewer instructions).
let releaseLinksStatically: [SwiftSetting] = [
    .unsafeFlags(
        [
            "-static-stdlib", "-cross-module-optimization", "-enforce-exclusivity=unchecked", "-target-cpu", "native",
            "-Xfrontend", "-enable-lexical-lifetimes=false",
        ],
        .when(configuration: .release))
]

let package = Package(
    name: "Mailpath",
    products: [
        .executable(name: "mailpath", targets: ["mailpath"]),
        .library(name: "MailpathKit", targets: ["MailpathCLI"]),
    ],
    targets: [
        // Simulation substrate.
        .target(name: "SimKernel", swiftSettings: releaseLinksStatically),
        .target(name: "SimNetwork", dependencies: ["SimKernel"], swiftSettings: releaseLinksStatically),

        // Mail protocols, free of I/O, clocks and the simulator.
        .target(name: "MailCore", swiftSettings: releaseLinksStatically),
        .target(name: "MailDialects", dependencies: ["MailCore"], swiftSettings: releaseLinksStatically),
        .target(name: "MailAgent", dependencies: ["MailCore", "MailDialects"], swiftSettings: releaseLinksStatically),

        // Drivers of the protocol engines.
        .target(
            name: "MailSimulation",
            dependencies: ["SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent"],
            swiftSettings: releaseLinksStatically
        ),
        .target(name: "MailSockets", dependencies: ["MailCore", "MailDialects", "MailAgent"], swiftSettings: releaseLinksStatically),

        // Presentation and experiments.
        .target(name: "Reports", swiftSettings: releaseLinksStatically),
        .target(
            name: "Experiments",
            dependencies: ["SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "Reports"],
            swiftSettings: releaseLinksStatically
        ),
        .target(
            name: "MailpathCLI",
            dependencies: [
                "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation",
                "MailSockets", "Reports", "Experiments",
            ],
            swiftSettings: releaseLinksStatically
        ),
        .executableTarget(
            name: "mailpath", dependencies: ["MailpathCLI"], swiftSettings: releaseLinksStatically,
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
        ),

        // Tests.
        .target(name: "TestSupport", dependencies: ["MailCore"], path: "Tests/TestSupport"),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "SimNetworkTests", dependencies: ["SimKernel", "SimNetwork"]),
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore", "TestSupport"]),
        .testTarget(name: "MailDialectsTests", dependencies: ["MailCore", "MailDialects", "TestSupport"]),
        .testTarget(name: "MailAgentTests", dependencies: ["MailCore", "MailDialects", "MailAgent", "TestSupport"]),
        .testTarget(
            name: "MailSimulationTests",
            dependencies: ["SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "TestSupport"]
        ),
        .testTarget(
            name: "MailSocketsTests",
            dependencies: ["MailCore", "MailDialects", "MailAgent", "MailSockets", "TestSupport"]
        ),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "TestSupport"], exclude: ["Golden"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["SimKernel", "MailSimulation", "Reports", "Experiments", "TestSupport"]
        ),
        .testTarget(name: "MailpathCLITests", dependencies: ["MailpathCLI", "Experiments", "MailAgent", "MailSockets", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "ArchitectureTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
