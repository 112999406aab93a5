import SuanliMacros
import SwiftSyntaxMacros
import SwiftSyntaxMacrosTestSupport
import XCTest

private let macros: [String: Macro.Type] = [
    "MemberwiseInit": MemberwiseInitMacro.self, "SnakeCaseCodingKeys": SnakeCaseCodingKeysMacro.self,
]

final class SchemaMacrosTests: XCTestCase {
    /// `source` expands to `expandedSource` with these macros, reporting at the caller's line.
    func expand(_ source: String, expandedSource: String, diagnostics: [DiagnosticSpec] = [],
                file: StaticString = #filePath, line: UInt = #line) {
        assertMacroExpansion(source, expandedSource: expandedSource, diagnostics: diagnostics, macros: macros,
                             file: file, line: line)
    }

    func testSnakeCaseKeys() {
        let cases: [(String, String)] = [
            ("level", "level"), ("cpuModel", "cpu_model"), ("sharedByCPUs", "shared_by_cpus"),
            ("maxClockMHz", "max_clock_mhz"), ("memoryBandwidthGBps", "memory_bandwidth_gbps"),
            ("amdPCIeID", "amd_pcie_id"), ("PCIAddress", "pci_address"), ("amdSIMDPerComputeUnit", "amd_simd_per_compute_unit"),
            ("p90", "p90"), ("fp16Advertised", "fp16_advertised"), ("gemmBF16Sweep", "gemm_bf16_sweep"),
            ("peakTFLOPS", "peak_tflops"), ("gflopsPerWatt", "gflops_per_watt"), ("temperatureC", "temperature_c"),
        ]
        for (name, key) in cases {
            XCTAssertEqual(SnakeCase.key(name), key, name)
        }
    }

    func testMemberwiseInitFollowsSwiftsDefaults() {
        // Statics, constants with a value and computed properties get no parameter; observed ones do.
        let members = """
                static let version = 1
                let id: String
                var count: Int = 3
                var note: String?
                let fixed: Int = 7
                var doubled: Int { count * 2 }
                var watched: Int { didSet {} }
            """
        expand(
            """
            @MemberwiseInit
            struct Record {
            \(members)
            }
            """,
            expandedSource: """
            struct Record {
            \(members)

                public init(id: String, count: Int = 3, note: String? = nil, watched: Int) {
                    self.id = id
                    self.count = count
                    self.note = note
                    self.watched = watched
                }
            }
            """)
    }

    func testCodingKeysTakeSnakeCaseAndExceptions() {
        expand(
            """
            @SnakeCaseCodingKeys(["startSeconds": "start_s"])
            struct Interval {
                var index: Int
                var startSeconds: Double
                var avgWatts: Double?
            }
            """,
            expandedSource: """
            struct Interval {
                var index: Int
                var startSeconds: Double
                var avgWatts: Double?

                enum CodingKeys: String, CodingKey, CaseIterable {
                    case index
                    case startSeconds = "start_s"
                    case avgWatts = "avg_watts"
                }
            }
            """)
    }

    func testAnExceptionForNoPropertyIsAnError() {
        expand(
            """
            @SnakeCaseCodingKeys(["startSecond": "start_s"])
            struct Interval {
                var startSeconds: Double
            }
            """,
            expandedSource: """
            struct Interval {
                var startSeconds: Double
            }
            """,
            diagnostics: [DiagnosticSpec(message: "'startSecond' is not a stored property", line: 1, column: 1)])
    }

    func testUnsupportedDeclarationsAreErrors() {
        expand(
            """
            @MemberwiseInit
            struct Record {
                private var secret: Int
            }
            """,
            expandedSource: """
            struct Record {
                private var secret: Int
            }
            """,
            diagnostics: [DiagnosticSpec(message: "'secret' is private: a public memberwise initialiser would expose it", line: 1, column: 1)])
        expand(
            """
            @SnakeCaseCodingKeys
            struct Record {
                #if DEBUG
                var trace: String?
                #endif
            }
            """,
            expandedSource: """
            struct Record {
                #if DEBUG
                var trace: String?
                #endif
            }
            """,
            diagnostics: [DiagnosticSpec(message: "stored properties inside #if are not supported", line: 1, column: 1)])
    }
}
