// swift-tools-version:6.0
// MedSearch: searching medical images that stay encrypted.
// Layers (imports point downward only): see docs/architecture.md and README.md.

import CompilerPluginSupport
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let httpClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let postgres: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let x509: Target.Dependency = .product(name: "X509", package: "swift-certificates")
let asn1: Target.Dependency = .product(name: "SwiftASN1", package: "swift-asn1")
let hummingbirdCore: Target.Dependency = .product(name: "HummingbirdCore", package: "hummingbird")
let nioHTTPTypes: Target.Dependency = .product(name: "NIOHTTPTypes", package: "swift-nio-extras")
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")

/// A library target of ours with the package-wide settings.
func library(_ name: String, _ dependencies: [Target.Dependency] = [], exclude: [String] = [],
             resources: [Resource]? = nil) -> Target {
    .target(name: name, dependencies: dependencies, exclude: exclude, resources: resources,
            swiftSettings: swiftSettings)
}

/// The test target of a library target, with the shared test support unless `support` is false.
func tests(_ name: String, _ extra: [Target.Dependency] = [], support: Bool = true, exclude: [String] = [],
           resources: [Resource]? = nil) -> Target {
    .testTarget(name: "\(name)Tests",
                dependencies: [.byName(name: name)] + (support ? ["_MedSearchTestSupport"] : []) + extra,
                exclude: exclude,
                resources: resources,
                swiftSettings: swiftSettings)
}

var package = Package(
    name: "MedSearch",
    // Linux (Debian 12, x86-64) is the only platform built and tested; no Apple platform is declared (README,
    // "Platforms": macOS would need at least 15 for Synchronization.Mutex, and is not built here).
    products: [
        .executable(name: "medsearch", targets: ["medsearch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", "5.0.0"..<"7.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // Only for the compiler plugin MedSearchMacros (built for the host at compile time, linked into nothing).
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.0"),
    ],
    targets: [
        // C libraries from Debian packages, wrapped thinly.
        .systemLibrary(name: "CGMP", providers: [.apt(["libgmp-dev"])]),
        .systemLibrary(name: "CJPEG", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .target(name: "CMedSearchShims"),
        .target(name: "CJPEGShim", dependencies: ["CJPEG"], linkerSettings: [.linkedLibrary("jpeg")]),

        // Vocabulary shared by every layer.
        // Compile-time code generation (`@MemberwiseInit`): a compiler plugin, declared in MedSearchCore.
        .macro(name: "MedSearchMacros",
               dependencies: [.product(name: "SwiftSyntax", package: "swift-syntax"),
                              .product(name: "SwiftSyntaxBuilder", package: "swift-syntax"),
                              .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                              .product(name: "SwiftCompilerPlugin", package: "swift-syntax")],
               swiftSettings: swiftSettings),
        library("MedSearchCore", ["CMedSearchShims", "MedSearchMacros"]),

        // Imaging and features (no cryptography of ours).
        library("MedSearchImaging", ["MedSearchCore", "CJPEG", "CJPEGShim", "CZlib", crypto]),
        library("MedSearchFeatures", ["MedSearchCore", "MedSearchImaging"], resources: [.copy("Resources")]),
        library("MedSearchIndex", ["MedSearchCore", "MedSearchFeatures"]),
        // DICOMweb building blocks (DICOM JSON, QIDO-RS, multipart/related, STOW-RS, pseudonym map), no HTTP.
        library("MedSearchDICOMweb", ["MedSearchCore", "MedSearchImaging", crypto]),

        // Cryptography.
        library("MedSearchBigInt", ["MedSearchCore", "CGMP", "CMedSearchShims"]),
        library("MedSearchPaillier", ["MedSearchCore", "MedSearchBigInt", "COpenSSL"]),
        library("MedSearchModular"),
        library("MedSearchBFV", ["MedSearchCore", "MedSearchModular", crypto]),
        library("MedSearchHESearch", ["MedSearchCore", "MedSearchBFV"]),
        library("MedSearchSealing", ["MedSearchCore", "COpenSSL", crypto]),
        library("MedSearchSharing", ["MedSearchCore", "MedSearchSealing", "CMedSearchShims", crypto]),
        library("MedSearchSecureKNN", ["MedSearchCore"]),

        // Engines: protocol logic as message-in/message-out state machines.
        library("MedSearchFNN", ["MedSearchCore", "MedSearchPaillier", "MedSearchBigInt", crypto]),
        library("MedSearchSEI", ["MedSearchCore", "MedSearchIndex", "MedSearchFeatures", "MedSearchSecureKNN",
                                 "MedSearchSealing"]),
        library("MedSearchTrustMed", ["MedSearchCore", "MedSearchBFV", "MedSearchHESearch", "MedSearchSharing",
                                      "MedSearchSealing", crypto]),

        // Storage, servers, web application, CLI.
        library("MedSearchStore", ["MedSearchCore", grdb, postgres, logging, crypto]),
        // The contract between processes: routes, control messages, HTTP client, tokens.
        library("MedSearchTransport", ["MedSearchCore", httpClient, nioCore, nioHTTP1, nioSSL, x509, asn1, crypto]),
        library("MedSearchServer", ["MedSearchCore", "MedSearchTransport", "MedSearchStore", "MedSearchFNN",
                                    "MedSearchSEI", "MedSearchTrustMed", hummingbird, hummingbirdCore, nioCore, nioSSL,
                                    nioHTTPTypes, httpTypes, x509, unixSignals, logging, prometheus,
                                    .product(name: "NIOTLS", package: "swift-nio"),
                                    .product(name: "CoreMetrics", package: "swift-metrics")]),
        // Typed launchers for every role: child processes or in process.
        library("MedSearchDeployment", ["MedSearchCore", "MedSearchTransport", "MedSearchServer", yams, unixSignals]),
        library("MedSearchWeb", ["MedSearchCore", "MedSearchTransport", "MedSearchServer", "MedSearchDeployment", "MedSearchClient", "MedSearchStore", "MedSearchImaging",
                                 "MedSearchDICOMweb",
                                 "MedSearchFeatures", "MedSearchFNN", "MedSearchSEI", "MedSearchTrustMed",
                                 "MedSearchSecureKNN", "CZlib", crypto, hummingbird, hummingbirdCore, nioCore, logging,
                                 .product(name: "HummingbirdTLS", package: "hummingbird"),
                                 .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                                 .product(name: "Mustache", package: "swift-mustache")],
                resources: [.copy("Templates"), .copy("Static")]),
        // The trusted client side's flows over the network (CLI, demo, web application).
        library("MedSearchClient", ["MedSearchCore", "MedSearchImaging", "MedSearchFeatures", "MedSearchIndex",
                                    "MedSearchFNN", "MedSearchSEI", "MedSearchSecureKNN", "MedSearchTrustMed", "MedSearchTransport",
                                    "MedSearchDICOMweb", httpClient, nioCore, nioHTTP1]),
        // `medsearch demo` as a library flow.
        library("MedSearchDemo", ["MedSearchCore", "MedSearchImaging", "MedSearchFeatures", "MedSearchIndex",
                                  "MedSearchFNN", "MedSearchSEI", "MedSearchSecureKNN", "MedSearchTrustMed",
                                  "MedSearchTransport", "MedSearchDeployment", "MedSearchClient"]),
        // Benchmarks and evaluation runs (harness, reference runner, reports); imported only by the CLI.
        library("MedSearchBenchmarks", ["MedSearchCore", "MedSearchImaging", "MedSearchFeatures", "MedSearchIndex",
                                        "MedSearchBigInt", "MedSearchPaillier", "MedSearchBFV", "MedSearchHESearch",
                                        "MedSearchSealing", "MedSearchSharing", "MedSearchSecureKNN", "MedSearchFNN",
                                        "MedSearchSEI", "MedSearchTrustMed", "MedSearchTransport", "MedSearchDeployment",
                                        "MedSearchClient", "MedSearchStore", "MedSearchServer", crypto, httpClient, nioCore,
                                        nioHTTP1]),
        .executableTarget(
            name: "medsearch",
            dependencies: [
                "MedSearchCore", "MedSearchImaging", "MedSearchFeatures", "MedSearchFNN", "MedSearchSEI",
                "MedSearchTrustMed", "MedSearchStore", "MedSearchTransport", "MedSearchServer", "MedSearchDeployment",
                "MedSearchClient", "MedSearchDemo", "MedSearchWeb", "MedSearchBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), logging,
            ],
            swiftSettings: swiftSettings + [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
        ),

        // Test support: seeded randomness, data paths, fixtures. Imported only by tests.
        library("_MedSearchTestSupport", ["MedSearchCore", "CZlib", "CMedSearchShims"]),
        // What each fuzz target does with one input (Fuzz/Harness): run by libFuzzer and by the tests.
        .target(name: "_MedSearchFuzzHarness", dependencies: ["MedSearchImaging"], path: "Fuzz/Harness",
                swiftSettings: swiftSettings),
        // The `Wire` fuzz target's harness: the first input byte picks one of the binary decoders (docs/formats.md).
        .target(name: "_MedSearchWireFuzzHarness",
                dependencies: ["MedSearchCore", "MedSearchFeatures", "MedSearchIndex", "MedSearchPaillier",
                               "MedSearchSealing", "MedSearchSharing", "MedSearchSecureKNN", "MedSearchSEI",
                               "MedSearchFNN", "MedSearchBFV", "MedSearchHESearch", "MedSearchTrustMed",
                               "MedSearchDICOMweb"],
                path: "Fuzz/WireHarness", swiftSettings: swiftSettings),

        tests("MedSearchCore"),
        .testTarget(name: "MedSearchMacrosTests",
                    dependencies: ["MedSearchMacros", .product(name: "SwiftSyntax", package: "swift-syntax"),
                                   .product(name: "SwiftParser", package: "swift-syntax"),
                                   .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                                   .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax")],
                    swiftSettings: swiftSettings),
        tests("MedSearchImaging", ["MedSearchCore", "_MedSearchFuzzHarness"], resources: [.copy("Fixtures")]),
        tests("MedSearchFeatures", ["MedSearchCore", "MedSearchImaging"], exclude: ["CNNReference.json", "Golden"]),
        tests("MedSearchIndex", ["MedSearchCore", "MedSearchFeatures"], exclude: ["Golden"]),
        tests("MedSearchDICOMweb", ["MedSearchCore", "MedSearchImaging", crypto], exclude: ["Golden"]),
        tests("MedSearchBigInt", ["MedSearchCore"]),
        tests("MedSearchPaillier", ["MedSearchCore", "MedSearchBigInt"], exclude: ["Golden"], resources: [.copy("Vectors")]),
        tests("MedSearchModular"),
        tests("MedSearchBFV", ["MedSearchCore", "MedSearchModular"], exclude: ["Golden"]),
        tests("MedSearchHESearch", ["MedSearchCore", "MedSearchBFV"], exclude: ["Golden"]),
        tests("MedSearchSharing", ["MedSearchCore", crypto], exclude: ["Golden"]),
        tests("MedSearchSealing", ["MedSearchCore", crypto], exclude: ["Golden"], resources: [.copy("Vectors")]),
        tests("MedSearchSecureKNN", ["MedSearchCore"], exclude: ["Golden"]),
        tests("MedSearchFNN", ["MedSearchCore", "MedSearchFeatures", "MedSearchImaging", "MedSearchPaillier", "MedSearchBigInt"],
              exclude: ["Golden"]),
        tests("MedSearchSEI", ["MedSearchCore", "MedSearchFeatures", "MedSearchIndex", "MedSearchSecureKNN"], exclude: ["Golden"]),
        tests("MedSearchTrustMed", ["MedSearchCore"], exclude: ["Golden"]),
        tests("MedSearchStore", [grdb]),
        tests("MedSearchTransport", ["MedSearchCore", x509, nioCore], support: false),
        tests("MedSearchServer", ["MedSearchCore", "MedSearchTransport", "MedSearchTrustMed", "MedSearchSEI", "MedSearchSecureKNN",
                                   "MedSearchFNN", "MedSearchStore", "MedSearchClient", "MedSearchDeployment", hummingbird,
                                   logging, httpClient, nioCore, nioSSL]),
        tests("MedSearchDeployment", ["MedSearchCore", "MedSearchTransport", "MedSearchServer", "MedSearchTrustMed"]),
        tests("MedSearchClient", ["MedSearchFNN", "MedSearchImaging", "MedSearchTransport", "MedSearchSEI",
                                  "MedSearchSecureKNN", "MedSearchDeployment"]),
        tests("MedSearchWeb", ["MedSearchCore", "MedSearchImaging", "MedSearchStore", "MedSearchDeployment", "MedSearchDICOMweb",
                               "MedSearchTransport", "MedSearchClient", httpClient, nioCore, nioHTTP1, hummingbird, logging,
                               .product(name: "HummingbirdTesting", package: "hummingbird")], exclude: ["Golden"]),
        tests("MedSearchBenchmarks", ["MedSearchCore", "MedSearchImaging", "MedSearchFeatures", "MedSearchIndex", "MedSearchTrustMed", "MedSearchClient"]),
        // The wire fuzz target's seed corpus (made from every golden fixture) and reproducers, replayed.
        .testTarget(name: "MedSearchWireFuzzTests", dependencies: ["_MedSearchWireFuzzHarness", "_MedSearchTestSupport", "MedSearchCore"],
                    exclude: ["Reproducers"], swiftSettings: swiftSettings),
        // Not imported: `medsearch` is listed so that the executable these tests run is built with them.
        .testTarget(name: "medsearchTests", dependencies: ["_MedSearchTestSupport", "MedSearchCore", "medsearch"],
                    swiftSettings: swiftSettings),
    ]
)

// Fuzz targets (Fuzz/, libFuzzer). The harnesses are an ordinary target, so the imaging tests replay every
// reproducer through them; the libFuzzer executables exist only with MEDSEARCH_FUZZ=1 and are built by
// scripts/fuzz.sh into .build-fuzz, so ordinary builds never see them. The sanitizer flags are set here, on our
// own Swift targets, and not with `-Xswiftc`: SwiftPM passes `-Xswiftc` to host tools as well, and the compiler
// plugin MedSearchMacros linked with `-sanitize=fuzzer` gets libFuzzer's `main` (undefined
// LLVMFuzzerTestOneInput). Dependencies are therefore not instrumented: coverage and AddressSanitizer checks are
// of MedSearch's code, which is what the fuzz targets are for.
if ProcessInfo.processInfo.environment["MEDSEARCH_FUZZ"] == "1" {
    package.targets += [
        .target(name: "CFuzzDriver", path: "Fuzz/Driver"),
        .target(name: "MedSearchFuzzEntry", dependencies: ["CFuzzDriver", "_MedSearchFuzzHarness"], path: "Fuzz/Entry",
                swiftSettings: swiftSettings),
        .executableTarget(name: "FuzzWire", dependencies: ["MedSearchFuzzEntry", "_MedSearchWireFuzzHarness"],
                          path: "Fuzz/Targets/Wire", swiftSettings: swiftSettings),
    ]
    for format in ["DICOM", "PNG", "JPEG", "NPZ"] {
        package.targets.append(.executableTarget(name: "Fuzz\(format)", dependencies: ["MedSearchFuzzEntry"],
                                                 path: "Fuzz/Targets/\(format)", swiftSettings: swiftSettings))
    }
    // Every Swift target of ours carries the package's `swiftSettings`; C targets carry none.
    let sanitizers = ["-sanitize=fuzzer,address"]
    for target in package.targets where [.regular, .executable].contains(target.type) && target.swiftSettings != nil {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers)]
        if target.type == .executable {
            target.linkerSettings = (target.linkerSettings ?? []) + [.unsafeFlags(sanitizers)]
        }
    }
}
