// swift-tools-version:6.0
// Mailpath: a deterministic simulator of e-mail transfer from RFC 780 MTP to RFC 2821 SMTP.
//
// The target graph below *is* the layering of Docs/architecture.md: a module can only import
// what it depends on here (CI builds with `--explicit-target-dependency-import-check error`),
// and ArchitectureTests checks the toolchain imports (Foundation, Glibc, Dispatch) that
// target dependencies cannot express.
import PackageDescription

// No unsafe flags: other packages can depend on MailpathKit, and a release binary runs on any
// processor of its architecture. The options the benchmark is measured with (link-time
// optimisation, the runtime linked statically, cross-module optimisation) are given on the
// command line by Scripts/fast-build.sh.
let package = Package(
    name: "Mailpath",
    products: [
        .executable(name: "mailpath", targets: ["mailpath"]),
        .library(name: "MailpathKit", targets: ["MailpathCLI"]),
    ],
    targets: [
        // Beneath both: name case folding, the FNV-1a hash, moving arrays.
        .target(name: "MailpathBase"),

        // Simulation substrate.
        .target(name: "SimKernel", dependencies: ["MailpathBase"]),
        .target(name: "SimNetwork", dependencies: ["MailpathBase", "SimKernel"]),

        // Mail protocols, free of I/O, clocks and the simulator.
        .target(name: "MailCore", dependencies: ["MailpathBase"]),
        .target(name: "MailDialects", dependencies: ["MailpathBase", "MailCore"]),
        .target(name: "MailAgent", dependencies: ["MailpathBase", "MailCore", "MailDialects"]),

        // Drivers of the protocol engines.
        .target(
            name: "MailSimulation",
            dependencies: ["MailpathBase", "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent"]
        ),
        .target(name: "MailSockets", dependencies: ["MailpathBase", "MailCore", "MailDialects", "MailAgent"]),

        // Presentation and experiments.
        .target(name: "Reports"),
        .target(
            name: "Experiments",
            dependencies: [
                "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "Reports",
            ]
        ),
        .target(
            name: "MailpathCLI",
            dependencies: [
                "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation",
                "MailSockets", "Reports", "Experiments",
            ]
        ),
        .executableTarget(
            name: "mailpath", dependencies: ["MailpathCLI"]
        ),

        // Tests.
        .target(name: "TestSupport", dependencies: ["MailCore"], path: "Tests/TestSupport"),
        .testTarget(name: "MailpathBaseTests", dependencies: ["MailpathBase"]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "SimNetworkTests", dependencies: ["SimKernel", "SimNetwork"]),
        .testTarget(name: "MailCoreTests", dependencies: ["MailpathBase", "MailCore", "TestSupport"]),
        .testTarget(
            name: "MailDialectsTests", dependencies: ["MailpathBase", "MailCore", "MailDialects", "TestSupport"]),
        .testTarget(name: "MailAgentTests", dependencies: ["MailCore", "MailDialects", "MailAgent", "TestSupport"]),
        .testTarget(
            name: "MailSimulationTests",
            dependencies: [
                "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "TestSupport",
            ]
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
        .testTarget(
            name: "MailpathCLITests",
            dependencies: [
                "MailpathCLI", "Experiments", "MailAgent", "MailDialects", "MailSockets", "SimNetwork", "TestSupport",
            ], exclude: ["Golden"]),
        .testTarget(name: "ArchitectureTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
