import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

/// Kernel preludes (Kernels/preludes.json): the joined text each program is built from, a
/// `--kernels` folder with and without its own preludes, and the stream suite's CPU layout
/// (one contiguous slice per work-item, streaming stores) verified on every OpenCL device.
@Suite struct KernelPreludeTests {
    static let embedded = KernelSources.embedded

    /// A `--kernels` folder holding `files` (name → text).
    static func folder(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "suanli-preludes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func everyDeclaredPreludeAndProgramIsEmbedded() throws {
        let table = try #require(Self.embedded.files[KernelSources.preludeTable])
        let declared = try JSONDecoder().decode([String: [String]].self, from: Data(table.utf8))
        #expect(!declared.isEmpty)
        for (program, preludes) in declared {
            #expect(Self.embedded.files[program] != nil, "\(program) is declared but not embedded")
            #expect(!preludes.isEmpty, "\(program)")
            for prelude in preludes {
                #expect(Self.embedded.files[prelude] != nil, "\(program): prelude \(prelude) is not embedded")
                #expect(declared[prelude] == nil, "a prelude takes no preludes of its own: \(prelude)")
            }
        }
        // The programs that share the precision header and the engine kernels' staging and steps.
        for program in ["gemm.cl", "stream.cl", "peak.cl"] { #expect(declared[program] == ["prelude_precision.cl"]) }
        for program in ["gemm_mma_nv.cl", "gemm_mfma_amd.cl", "gemm_wmma_amd.cl"] { #expect(declared[program] == ["prelude_tiles.cl"]) }
        for program in ["peak_mma_nv.cl", "peak_mfma_amd.cl", "peak_wmma_amd.cl", "peak_dpas_intel.cl"] {
            #expect(declared[program] == ["prelude_peak.cl"])
        }
    }

    @Test func theSourceIsThePreludesThenTheFileEachAfterALineDirective() throws {
        let joined = try Self.embedded.source("stream.cl")
        let prelude = try #require(Self.embedded.files["prelude_precision.cl"])
        let file = try #require(Self.embedded.files["stream.cl"])
        #expect(joined.hasPrefix("#line 1 \"prelude_precision.cl\"\n" + prelude))
        #expect(joined.hasSuffix("#line 1 \"stream.cl\"\n" + file + (file.hasSuffix("\n") ? "" : "\n")))
        // A program without preludes is its file, unchanged.
        #expect(try Self.embedded.preludes(of: "latency.cl").isEmpty)
        #expect(try Self.embedded.source("latency.cl") == Self.embedded.files["latency.cl"])
    }

    @Test func aFolderWithoutPreludesUsesTheEmbeddedOnesAndItsOwnWin() throws {
        let stream = try #require(Self.embedded.files["stream.cl"])
        let alone = try KernelSources.load(directory: try Self.folder(["stream.cl": stream]))
        #expect(try alone.source("stream.cl") == Self.embedded.source("stream.cl"))

        let edited = try #require(Self.embedded.files["prelude_precision.cl"]) + "\n#define SL_PLANTED 1\n"
        let own = try KernelSources.load(directory: try Self.folder(["stream.cl": stream, "prelude_precision.cl": edited]))
        #expect(try own.source("stream.cl").contains("#define SL_PLANTED 1"))
        // The tuning cache key hashes the joined text: a changed prelude is another kernel.
        #expect(KernelSources.hash(try own.source("stream.cl")) != KernelSources.hash(try Self.embedded.source("stream.cl")))

        // The folder's table wins too: a program it gives no preludes is built alone.
        let bare = try KernelSources.load(directory: try Self.folder(["stream.cl": stream, KernelSources.preludeTable: "{}"]))
        #expect(try bare.source("stream.cl") == stream)
    }

    @Test func aBrokenTableOrAMissingPreludeIsAOneLineError() throws {
        let stream = try #require(Self.embedded.files["stream.cl"])
        let broken = try KernelSources.load(directory: try Self.folder(["stream.cl": stream, KernelSources.preludeTable: "[1, 2"]))
        #expect(throws: BenchmarkError.self) { _ = try broken.source("stream.cl") }
        let missing = try KernelSources.load(directory: try Self.folder([
            "stream.cl": stream, KernelSources.preludeTable: #"{"stream.cl": ["prelude_nowhere.cl"]}"#,
        ]))
        do {
            _ = try missing.source("stream.cl")
            Issue.record("a missing prelude was not reported")
        } catch let error as BenchmarkError {
            #expect("\(error)".contains("prelude_nowhere.cl") && !"\(error)".contains("\n"))
        }
    }
}

/// The stream suite on every OpenCL device (PoCL; Intel's CPU runtime too when its ICD is on the
/// path): CPU devices take the contiguous layout with streaming stores, every kernel verifies at a
/// length that leaves a partial vector, and a contiguous loop that skips its last vector fails.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil), .serialized)
struct StreamLayoutTests {
    static let policy = SamplingPolicy(warmupRuns: 0, minSamples: 2, maxSamples: 2, minSeconds: 0, maxSeconds: 2)

    static func backend(_ device: DiscoveredOpenCLDevice, sources: KernelSources = .embedded) throws -> OpenCLBackend {
        try OpenCLBackend(device: device, sources: sources, tuningCache: TuningCache(path: nil))
    }

    @Test func everyKernelVerifiesAndCPUDevicesStream() throws {
        for device in try openCLTestDevices() {
            let backend = try Self.backend(device)
            for precision in [Precision.fp32, .fp64] where backend.skipReason(for: precision, suite: .stream) == nil {
                // A row marked suspect (the host clock over its microsecond batch disagreeing with the
                // events: load on this shared machine) is timing noise, not a kernel fault: run again,
                // up to three times. Any other status, or a suspect row three times, fails.
                var rows = Suites.stream(backend, precision: precision, length: 100_003, policy: Self.policy)
                for _ in 0..<2 where rows.contains(where: { $0.status == .suspect }) && rows.allSatisfy({ $0.status == .ok || $0.status == .suspect }) {
                    rows = Suites.stream(backend, precision: precision, length: 100_003, policy: Self.policy)
                }
                #expect(rows.count == 5)
                #expect(rows.allSatisfy { $0.status == .ok && $0.verified },
                        "\(device.info.name) \(precision.rawValue): \(rows.map { "\($0.kernel): \($0.reason ?? "ok")" })")
            }
            let runner = try #require(try backend.makeStream(precision: .fp32, length: 1000) as? OpenCLStreamRunner)
            if device.info.type == .cpu {
                #expect(runner.parameters["STREAM_CONTIGUOUS"] == "1" && runner.parameters["STREAM_NT"] == "1",
                        "\(device.info.name): \(runner.parameters)")
            } else {
                #expect(runner.parameters["STREAM_CONTIGUOUS"] == "0" && runner.parameters["STREAM_NT"] == "0")
            }
        }
    }

    @Test func aSliceThatStopsOneVectorShortFails() throws {
        var files = KernelSources.embedded.files
        let original = try #require(files["stream.cl"])
        let loop = "for (ulong v = first; v < last; ++v)"
        files["stream.cl"] = original.replacingOccurrences(of: loop, with: "for (ulong v = first; v + 1 < last; ++v)")
        #expect(files["stream.cl"] != original)
        let planted = KernelSources(files: files, origin: "planted")
        for device in try openCLTestDevices() where device.info.type == .cpu {
            let rows = Suites.stream(try Self.backend(device, sources: planted), precision: .fp32, length: 100_003, policy: Self.policy)
            for kernel in ["copy", "mul", "add", "triad"] {
                let row = try #require(rows.first { $0.kernel == kernel })
                #expect(row.status == .failed && !row.verified, "\(device.info.name) \(kernel): \(row.status)")
            }
            let dot = try #require(rows.first { $0.kernel == "dot" })
            #expect(dot.status == .ok && dot.verified, "\(device.info.name) dot: \(dot.reason ?? "")")
        }
    }
}
