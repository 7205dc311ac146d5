// swift-tools-version: 6.1
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Folio",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Folio", targets: ["Folio"]),
        .executable(name: "folio", targets: ["FolioCLI"]),
        .executable(name: "folio-bench", targets: ["folio-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Debian's libleveldb-dev ships no pkg-config file, so the module map links it by name.
        .systemLibrary(
            name: "CLevelDB",
            path: "Sources/CLevelDB",
            providers: [.apt(["libleveldb-dev"]), .brew(["leveldb"])]
        ),
        // The shipped models (word lists, weights, parameters) live as data in Models/ and are
        // compiled into the library by the EmbedModels plugin, so an embedding package or a
        // copied binary never has to find a resource bundle at run time.
        .executableTarget(
            name: "ModelEmbedder",
            path: "Sources/ModelEmbedder",
            swiftSettings: strictSwift
        ),
        .plugin(
            name: "EmbedModels",
            capability: .buildTool(),
            dependencies: ["ModelEmbedder"],
            path: "Plugins/EmbedModels"
        ),
        .target(
            name: "FolioModels",
            path: "Models",
            // The cards: what each model is and how it was made. Data files are read by the plugin.
            exclude: ["README.md", "stopwords-en.md", "ranking-default.md", "fsrs-6-default.md"],
            sources: ["BundledModels.swift"],
            swiftSettings: strictSwift,
            plugins: ["EmbedModels"]
        ),
        .target(
            name: "Folio",
            // OpenBLAS (the sentence encoder's matrix products) is opened at run time: see Embedding/OpenBLAS.swift.
            dependencies: ["CLevelDB", "FolioModels"],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "FolioCLI",
            dependencies: [
                "Folio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // An executable exports nothing, so its imports stay as they are.
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        // Speed and memory figures on synthetic corpora (BENCHMARKS.md).
        .executableTarget(
            name: "folio-bench",
            dependencies: ["Folio"],
            path: "Sources/FolioBench",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        // Fuzz targets for parsers and decoders (see the file for the libFuzzer command).
        .executableTarget(
            name: "folio-fuzz",
            dependencies: ["Folio"],
            path: "Sources/FolioFuzz",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        // Examples are executables that the tests run as processes.
        .executableTarget(
            name: "folio-embedding-example",
            dependencies: ["Folio"],
            path: "Examples/Embedding",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .testTarget(
            name: "FolioTests",
            dependencies: ["Folio", "FolioCLI", "folio-embedding-example", "folio-fuzz"],
            exclude: ["Fixtures"],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)
