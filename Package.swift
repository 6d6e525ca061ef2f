// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Bench executables (bench/planner) are built only when this is set, so normal builds and
/// scripts/test never build them.
let benchTargets: [Target] =
    Context.environment["MARKETPLACE_BENCH_TARGETS"] == nil
    ? []
    : [
        .executableTarget(
            name: "PlannerBench", dependencies: ["RoutePlanning"], path: "Sources/PlannerBench", swiftSettings: swiftSettings)
    ]

let package = Package(
    name: "marketplace",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "marketplace", targets: ["MarketplaceAPI"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CPostgres", "CivilTime", "PoolCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "CryptoSupport", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        // Pure cores: no C library, no database, testable alone.
        .target(name: "CivilTime", swiftSettings: swiftSettings),
        // The connection pool's decisions (lease, wait, hand over, retire): a state machine the
        // Postgres pool drives, unit-tested with a fake clock.
        .target(name: "PoolCore", swiftSettings: swiftSettings),
        .target(name: "CommerceCore", dependencies: ["CivilTime"], swiftSettings: swiftSettings),
        // The domains' state machines and models: values in, values out, no C library.
        .target(name: "OrderCore", dependencies: ["CommerceCore"], swiftSettings: swiftSettings),
        .target(name: "CustomerServiceCore", dependencies: ["CommerceCore"], swiftSettings: swiftSettings),
        .target(name: "BuyingCore", dependencies: ["CommerceCore", "OrderCore"], swiftSettings: swiftSettings),
        .target(name: "EventOutbox", dependencies: ["CommerceCore", "Postgres"], swiftSettings: swiftSettings),
        // The routing planner: values in, a plan out; no database, no C library.
        .target(name: "RoutePlanning", dependencies: ["CivilTime"], swiftSettings: swiftSettings),
        .target(
            name: "VendorRouting", dependencies: ["CommerceCore", "EventOutbox", "OrderCore", "Postgres", "RoutePlanning"],
            swiftSettings: swiftSettings),
        // Commission math and statement building: values in, statements and postings out.
        .target(name: "SettlementCore", dependencies: ["CommerceCore"], swiftSettings: swiftSettings),
        .target(
            name: "Settlement", dependencies: ["CommerceCore", "EventOutbox", "Postgres", "SettlementCore"],
            swiftSettings: swiftSettings),
        // Channels belong to the catalog (VendorRouting's CatalogStore), as they do for Buying.
        .target(
            name: "CustomerService",
            dependencies: ["CommerceCore", "CustomerServiceCore", "EventOutbox", "OrderCore", "Postgres", "VendorRouting"],
            swiftSettings: swiftSettings),
        .target(
            name: "Buying", dependencies: ["BuyingCore", "CommerceCore", "EventOutbox", "OrderCore", "Postgres", "VendorRouting"],
            swiftSettings: swiftSettings),
        .target(
            name: "Webhooks",
            dependencies: [
                "CommerceCore", "Postgres", "CryptoSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MarketplaceAPI",
            dependencies: [
                "Postgres", "CryptoSupport", "CommerceCore", "OrderCore", "VendorRouting", "Settlement", "SettlementCore", "Webhooks",
                "CustomerService", "CustomerServiceCore", "Buying", "BuyingCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "PoolCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebhooksTests",
            dependencies: ["Webhooks", "CryptoSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PoolCoreTests", dependencies: ["PoolCore"], swiftSettings: swiftSettings),
        .testTarget(name: "CommerceCoreTests", dependencies: ["CivilTime", "CommerceCore"], swiftSettings: swiftSettings),
        .testTarget(name: "SettlementCoreTests", dependencies: ["SettlementCore"], swiftSettings: swiftSettings),
        .testTarget(name: "CustomerServiceTests", dependencies: ["CustomerService", "CustomerServiceCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BuyingTests", dependencies: ["Buying", "BuyingCore", "CommerceCore", "OrderCore", "VendorRouting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "VendorRoutingTests",
            dependencies: ["OrderCore", "Postgres", "RoutePlanning", "VendorRouting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarketplaceAPITests",
            dependencies: [
                "MarketplaceAPI", "Postgres", "CryptoSupport", "Webhooks", "Buying", "OrderCore", "Settlement", "SettlementCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ] + benchTargets
)
