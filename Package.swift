// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tokentape",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tokentape", targets: ["tokentape"]),
        // What a Swift user imports to load tapes and feed them to a parser under test.
        .library(name: "TokenTape", targets: ["TapeCore", "TapeStore", "TapeAnalysis", "TapeReplay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // zlib, for tapes recorded with Content-Encoding gzip or deflate.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "TapeCore", dependencies: ["CZlib"]),
        .target(
            name: "TapeStore",
            dependencies: [
                "TapeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        .target(name: "TapeAnalysis", dependencies: ["TapeCore"]),
        .target(name: "TapeReplay", dependencies: ["TapeCore"]),
        // NIO glue for the replay server and the proxy.
        .target(name: "TapeNIO", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "TapeServer",
            dependencies: [
                "TapeCore", "TapeReplay", "TapeNIO", "TapeReport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(name: "TapeReport", dependencies: ["TapeCore", "TapeAnalysis"]),
        .target(
            name: "TapeCapture",
            dependencies: [
                "TapeCore", "TapeStore", "TapeNIO",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "tokentape",
            dependencies: [
                "TapeCore", "TapeStore", "TapeAnalysis", "TapeReplay", "TapeServer", "TapeCapture", "TapeReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(name: "CEpoll", path: "Benchmarks/CEpoll"),
        .executableTarget(
            name: "tokentape-bench",
            dependencies: [
                "TapeCore", "TapeStore", "TapeAnalysis", "TapeReplay", "CEpoll",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "Benchmarks/tokentape-bench"),
        .testTarget(name: "TapeCoreTests", dependencies: ["TapeCore"]),
        .testTarget(name: "TapeAnalysisTests", dependencies: ["TapeCore", "TapeAnalysis"]),
        .testTarget(name: "TapeReplayTests", dependencies: ["TapeCore", "TapeReplay"]),
        .testTarget(name: "TapeStoreTests", dependencies: ["TapeCore", "TapeStore"]),
        .testTarget(name: "TapeCaptureTests", dependencies: ["TapeCapture"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TapeCore", "TapeStore", "tokentape"]),
    ]
)
