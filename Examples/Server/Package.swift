// swift-tools-version: 6.1
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "FolioServer",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FolioServer", targets: ["FolioServer"]),
        .executable(name: "folio-server", targets: ["folio-server"]),
    ],
    dependencies: [
        .package(name: "Folio", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0" ..< "5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        // The HTTP service: routes, authentication, error mapping. Everything but the process.
        .target(
            name: "FolioServer",
            dependencies: [
                .product(name: "Folio", package: "Folio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        // The process: flags, opening the store, running until SIGINT/SIGTERM.
        .executableTarget(
            name: "folio-server",
            dependencies: [
                "FolioServer",
                .product(name: "Folio", package: "Folio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // An executable exports nothing, so its imports stay as they are.
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .testTarget(
            name: "FolioServerTests",
            dependencies: [
                "FolioServer",
                .product(name: "Folio", package: "Folio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)
