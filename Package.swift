// swift-tools-version:6.0
import CompilerPluginSupport
import PackageDescription

// Hot CPU kernels are compiled twice: once for baseline x86-64 / arm64, once for
// AVX2+FMA (x86-64 only). The AVX2 module's sources are symlinks to the portable
// ones; Suanli picks a variant at run time from CPUID.
// A third build targets AVX-512 F/BW/DQ/VL (skylake-avx512, the common subset of Intel
// Xeon Scalable and AMD Zen 4/5); SUANLI_AVX512 switches its GEMM to a 512-bit micro-kernel.
#if arch(x86_64)
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-Ounchecked"])]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512", "-Ounchecked"]), .define("SUANLI_AVX512")]
#else
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
#endif

let package = Package(
    name: "Suanli",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "suanli", targets: ["suanli"]),
        .library(name: "OpenCLKit", targets: ["OpenCLKit"]),
        .library(name: "SuanliSchema", targets: ["SuanliSchema"]),
        .library(name: "SuanliCore", targets: ["SuanliCore"]),
        .library(name: "SuanliSizing", targets: ["SuanliSizing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/ordo-one/TextTable", from: "0.0.2"),
        // Build-time only: the schema records' memberwise initialisers and coding keys (macros).
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
    ],
    targets: [
        // Debian's OpenCL headers (apt: opencl-headers). Nothing is linked.
        .systemLibrary(
            name: "COpenCL",
            providers: [.apt(["opencl-headers", "ocl-icd-opencl-dev"])]
        ),
        // A safe Swift wrapper over the OpenCL C API, usable on its own.
        .target(name: "OpenCLKit", dependencies: ["COpenCL"]),

        // Native CPU kernels: portable, AVX2+FMA and AVX-512 builds of the same sources, each
        // behind the one interface (CPUKernelSet) the benchmark calls.
        .target(name: "CPUKernelInterface"),
        .target(name: "CPUKernelsPortable", dependencies: ["CPUKernelInterface"], swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "CPUKernelsAVX2", dependencies: ["CPUKernelInterface"], swiftSettings: avx2Flags),
        .target(name: "CPUKernelsAVX512", dependencies: ["CPUKernelInterface"], swiftSettings: avx512Flags),

        // The running CPU clock, from a timed chain of dependent integer additions (assembly).
        .target(name: "CPUClock"),

        // The result schema: the versioned result document and every record it holds (devices,
        // measurements, statistics, cluster, burn, comparison), the precision table, reading and
        // writing result files. Links nothing, so that readers (sizing, reports) need no
        // OpenCL; its records' public initialisers and coding keys are expanded at build time.
        .target(name: "SuanliSchema", dependencies: ["SuanliMacros"]),
        // The compiler plugin behind @MemberwiseInit and @SnakeCaseCodingKeys (SuanliSchema).
        .macro(
            name: "SuanliMacros",
            dependencies: [
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ]
        ),

        // Benchmark core: suites, statistics, verification, results, backends.
        .target(
            name: "SuanliCore",
            dependencies: ["SuanliSchema", "OpenCLKit", "CPUKernelInterface", "CPUKernelsPortable", "CPUKernelsAVX2", "CPUKernelsAVX512", "CPUClock"],
            plugins: ["EmbedResourcesPlugin"]
        ),
        // Sizing model: pure functions and the accelerator catalog.
        // It reads result files (calibration) through the schema alone: no OpenCL. Its commands'
        // option groups are declared here (swift-argument-parser) and passed in as parsed.
        .target(
            name: "SuanliSizing",
            dependencies: ["SuanliSchema", "SuanliText", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            plugins: ["EmbedResourcesPlugin"]
        ),

        // Text output for people: column tables (TextTable) and label/value reports, drawn in
        // this one place for every command.
        .target(name: "SuanliText", dependencies: [.product(name: "TextTable", package: "TextTable")]),

        // The command-line tool.
        .executableTarget(
            name: "suanli",
            dependencies: [
                "SuanliCore", "SuanliSizing", "SuanliText", "OpenCLKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Build-time embedding of Kernels/*.cl and Catalog/*.json into the binary.
        .executableTarget(name: "EmbedResourcesTool", path: "Sources/EmbedResourcesTool"),
        .plugin(name: "EmbedResourcesPlugin", capability: .buildTool(), dependencies: ["EmbedResourcesTool"]),

        .testTarget(name: "OpenCLKitTests", dependencies: ["OpenCLKit"]),
        .testTarget(
            name: "SuanliCoreTests", dependencies: ["SuanliCore", "SuanliSchema", "CPUKernelsPortable", "CPUKernelsAVX2", "CPUKernelsAVX512"],
            exclude: ["Fixtures"],
            // OpenCL C emulations of the tensor/matrix instructions, prepended to the engine kernels.
            resources: [.copy("KernelEmulation")]
        ),
        .testTarget(
            name: "SuanliSizingTests",
            dependencies: ["SuanliSizing", "SuanliSchema", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "CPUKernelsTests", dependencies: ["CPUKernelInterface", "CPUKernelsPortable", "CPUKernelsAVX2", "CPUKernelsAVX512"]),
        .testTarget(name: "CLITests", dependencies: ["suanli"]),
        .testTarget(
            name: "SuanliMacrosTests",
            dependencies: ["SuanliMacros", .product(name: "SwiftSyntaxMacrosTestSupport", package: "swift-syntax")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
