import Foundation
import Testing

/// A kernel folder with the embedded stream/peak/latency kernels and a planted GEMM.
func plantedKernels(gemmBody: String) throws -> URL {
    let dir = try CLI.temporaryDirectory()
    let source = """
    #ifdef USE_FP64
    #pragma OPENCL EXTENSION cl_khr_fp64 : enable
    #endif
    __kernel void gemm(const int M, const int N, const int K, const ACC alpha,
                       __global const REAL* A, const int lda, __global const REAL* B, const int ldb,
                       const ACC beta, __global REAL* C, const int ldc) {
        const int j = get_global_id(0), i = get_global_id(1);
        if (i >= M || j >= N) return;
        ACC s = 0;
        \(gemmBody)
    }
    """
    try source.write(to: dir.appendingPathComponent("gemm.cl"), atomically: true, encoding: .utf8)
    let config = #"[{"name": "planted", "defines": {}, "local": [1, 1], "tile_m": 1, "tile_n": 1}]"#
    try config.write(to: dir.appendingPathComponent("gemm.tuning.json"), atomically: true, encoding: .utf8)
    return dir
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil), .serialized)
struct BenchCommandTests {
    let cache = ["SUANLI_CACHE_DIR": NSTemporaryDirectory() + "suanli-cache-\(UUID().uuidString)"]

    func openCLDevice() throws -> String {
        let result = try CLI.run(["devices", "--format", "json"])
        let devices = try #require(result.json as? [[String: Any]])
        return try #require(devices.compactMap { $0["id"] as? String }.first { $0.hasPrefix("opencl:") })
    }

    @Test func wrongGEMMKernelFailsVerificationAndExitsNonZero() throws {
        // Skips the last k term: a classic off-by-one.
        let dir = try plantedKernels(gemmBody: """
            for (int p = 0; p < K - 1; ++p) s += (ACC)A[i * lda + p] * (ACC)B[p * ldb + j];
            C[i * ldc + j] = (REAL)(alpha * s + (beta != 0 ? beta * (ACC)C[i * ldc + j] : 0));
        """)
        let result = try CLI.run(["bench", "--device", try openCLDevice(), "--suite", "gemm", "--precision", "fp32",
                                  "--size", "48", "--quick", "--no-save", "--kernels", dir.path, "--format", "json"],
                                 environment: cache)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("GEMM output wrong"))
        let doc = try #require(result.json as? [String: Any])
        let m = try #require((doc["measurements"] as? [[String: Any]])?.first)
        #expect(m["status"] as? String == "failed")
        #expect(m["verified"] as? Bool == false)
    }

    @Test func kernelThatWritesNothingIsCaughtByPoisoning() throws {
        // Correct for the β ≠ 0 check only when C is untouched… it writes nothing at all.
        let dir = try plantedKernels(gemmBody: "s = alpha;")
        let result = try CLI.run(["bench", "--device", try openCLDevice(), "--suite", "gemm", "--precision", "fp32",
                                  "--size", "32", "--quick", "--no-save", "--kernels", dir.path], environment: cache)
        #expect(result.status == 3)
        #expect(result.stderr.contains("GEMM output wrong"))
    }

    @Test func correctPlantedKernelVerifies() throws {
        let dir = try plantedKernels(gemmBody: """
            for (int p = 0; p < K; ++p) s += (ACC)A[i * lda + p] * (ACC)B[p * ldb + j];
            C[i * ldc + j] = (REAL)(alpha * s + (beta != 0 ? beta * (ACC)C[i * ldc + j] : 0));
        """)
        let result = try CLI.run(["bench", "--device", try openCLDevice(), "--suite", "gemm", "--precision", "fp32",
                                  "--m", "37", "--n", "19", "--k", "23", "--quick", "--no-save", "--kernels", dir.path,
                                  "--format", "json"], environment: cache)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func jsonHasTheDocumentedKeysAndTheCPUVariant() throws {
        let out = try CLI.temporaryDirectory()
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "stream,peak", "--precision", "fp32",
                                  "--stream-length", "200000", "--quick", "--format", "json", "--output-dir", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(result.json as? [String: Any])
        for key in ["schema", "host", "devices", "measurements", "tool"] { #expect(doc[key] != nil, "missing \(key)") }
        #expect((doc["tool"] as? [String: Any])?["cpu_kernel_variant"] as? String != nil)
        let measurements = try #require(doc["measurements"] as? [[String: Any]])
        #expect(!measurements.isEmpty)
        for m in measurements {
            for key in ["device", "suite", "kernel", "precision", "size", "unit", "higher_is_better", "median", "min",
                        "max", "samples", "verified", "status"] {
                #expect(m[key] != nil, "missing \(key) in \(m["kernel"] ?? "")")
            }
            #expect(m["status"] as? String == "ok")
            #expect((m["parameters"] as? [String: String])?["variant"] != nil)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".json") }
        #expect(files.count == 1)
    }

    @Test func sizeThatCannotFitIsAClearFailure() throws {
        let result = try CLI.run(["bench", "--device", try openCLDevice(), "--suite", "gemm", "--precision", "fp32",
                                  "--size", "1000000", "--quick", "--no-save"], environment: cache)
        #expect(result.status == 3)
        #expect(result.stderr.contains("largest allocation"))
    }

    @Test func unknownDeviceAndSuiteAreUsageErrors() throws {
        let device = try CLI.run(["bench", "--device", "opencl:9:9", "--quick", "--no-save"])
        #expect(device.status == 64)
        #expect(device.stderr.contains("unknown device"))
        let suite = try CLI.run(["bench", "--suite", "gemm,nope", "--no-save"])
        #expect(suite.status == 64)
    }

    @Test func interruptedRunSavesWhatItMeasured() throws {
        let out = try CLI.temporaryDirectory()
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["bench", "--device", "cpu", "--suite", "stream,gemm", "--precision", "fp32",
                             "--stream-length", "100000", "--size", "3000", "--quick", "--output-dir", out.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The quick stream step takes a second or two; a 3000³ GEMM (54 GFLOP a run) with its
        // verification takes far longer: interrupt during it.
        Thread.sleep(forTimeInterval: 6)
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(files.filter { $0.hasSuffix(".json") }.count == 1)
        #expect(!files.contains { $0.hasPrefix(".tmp") })
        let data = try Data(contentsOf: out.appendingPathComponent(files.first { $0.hasSuffix(".json") }!))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(doc["incomplete"] as? Bool == true)
        #expect(((doc["measurements"] as? [[String: Any]])?.count ?? 0) >= 5)
    }
}

@Suite struct SizeCommandTests {
    @Test func theArticleArithmeticFromTheCLI() throws {
        let result = try CLI.run(["size", "train", "--pf-days", "3640", "--peak-tflops", "600", "--mfu", "1", "--days", "1",
                                  "--interconnect-loss", "0.4", "--price-per-device", "100000", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(result.json as? [String: Any])
        let devices = try #require(doc["devices"] as? Double)
        #expect(abs(devices - 10_111.1) < 1)
    }

    /// The option groups come from the library; the commands' help lists each under its title.
    @Test func theHelpListsTheLibrarysOptionGroups() throws {
        let sections = [
            "train": ["RATE PER DEVICE:", "MONEY AND ENERGY:", "PARALLELISM (STEP MODEL):", "--pf-days", "--tp-comm-overlap", "--format"],
            "step": ["MODEL:", "PARALLELISM:", "--gated-ffn", "--measured-iteration", "--format"],
            "serve": ["RATE PER DEVICE:", "MONEY AND ENERGY:", "--prefill-chunk", "--measured-tps", "--dau", "--format"],
        ]
        for (command, expected) in sections {
            let help = try CLI.run(["size", command, "--help"])
            #expect(help.status == 0)
            for text in expected {
                #expect(help.stdout.contains(text), "size \(command) --help lists \(text)")
            }
        }
    }

    @Test func contradictoryScaleIsAnError() throws {
        let result = try CLI.run(["size", "train", "--pf-days", "3640", "--peak-tflops", "600", "--mfu", "1",
                                  "--days", "1", "--devices", "100"])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count <= 3)
    }
}

@Suite struct SizeStepCommandTests {
    @Test func jsonHasTheBreakdownMemoryAndSources() throws {
        let result = try CLI.run(["size", "step", "--model", "llama2-70b", "--device", "h100-sxm", "--tp", "8", "--pp", "2",
                                  "--dp", "4", "--global-batch", "64", "--recompute", "selective", "--sequence-parallel", "--zero", "1",
                                  "--tokens", "2T", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(result.json as? [String: Any])
        let iteration = try #require(doc["iteration_seconds"] as? Double)
        let breakdown = try #require(doc["breakdown"] as? [String: Double])
        #expect(abs(breakdown.values.reduce(0, +) / iteration - 1) < 1e-9)
        let memory = try #require(doc["memory_per_device_bytes"] as? [String: Any])
        #expect(memory["fits"] as? Bool == true)
        #expect((doc["sources"] as? [String: String])?["gemm_efficiency"]?.contains("mamf") == true)
        #expect(doc["days"] as? Double != nil && doc["mfu"] as? Double != nil)
    }

    @Test func badLayoutsAreOneLineAndExit64() throws {
        for arguments in [["--tp", "3"], ["--pp", "7"], ["--dp", "3", "--global-batch", "64"], ["--microbatch", "64"]] {
            let result = try CLI.run(["size", "step", "--model", "llama2-70b", "--device", "h100-sxm", "--global-batch", "32"]
                                     + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }
}
