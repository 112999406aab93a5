import Foundation
import Testing

/// A copy of the repository's kernels with one file changed, for `--kernels`.
func kernelsWith(_ file: String, replacing old: String, with new: String) throws -> URL {
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Kernels")
    let dir = try CLI.temporaryDirectory()
    for name in try FileManager.default.contentsOfDirectory(atPath: source.path)
    where name.hasSuffix(".cl") || name.hasSuffix(".json") {
        var text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
        if name == file {
            let changed = text.replacingOccurrences(of: old, with: new)
            #expect(changed != text, "the planted change did not apply to \(file)")
            text = changed
        }
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return dir
}

/// bf16 and int8 on Intel's OpenCL CPU runtime (cl_intel_bfloat16, cl_khr_integer_dot_product):
/// GEMM and peak run and verify on its vector units, planted faults are caught, a kernel that
/// does not build is failed (not skipped); PoCL, without the types, skips them with the reason.
@Suite(.enabled(if: IntelRuntime.available, "needs Intel's OpenCL CPU runtime (Scripts/install-intel-opencl.sh); SUANLI_REQUIRE_INTEL_OPENCL=1 makes its absence a failure"),
        .serialized)
struct LowPrecisionTests {
    let cache = ["SUANLI_CACHE_DIR": NSTemporaryDirectory() + "suanli-cache-\(UUID().uuidString)"]

    func device() throws -> String {
        try #require(try IntelRuntime.deviceID(), "Intel's OpenCL runtime is required here but not found")
    }

    func rows(_ result: CLIResult) throws -> [[String: Any]] {
        let document = try #require(result.json as? [String: Any], "no JSON: \(result.stderr)")
        return try #require(document["measurements"] as? [[String: Any]])
    }

    func bench(_ arguments: [String], kernels: URL? = nil) throws -> CLIResult {
        try CLI.run(["bench", "--device", try device(), "--quick", "--no-save", "--format", "json"] + arguments
                    + (kernels.map { ["--kernels", $0.path] } ?? []), environment: cache)
    }

    @Test func bf16AndInt8GEMMAndPeakVerify() throws {
        let result = try bench(["--suite", "gemm,peak", "--precision", "bf16,int8", "--m", "50", "--n", "37", "--k", "70"])
        let all = try rows(result)
        #expect(all.count == 4)
        for row in all {
            let label = "\(row["suite"] ?? "?") \(row["precision"] ?? "?")"
            let status = row["status"] as? String
            #expect(status == "ok" || status == "suspect", "\(label): \(row["reason"] ?? "")")
            #expect(row["verified"] as? Bool == true, "\(label)")
            let parameters = row["parameters"] as? [String: String] ?? [:]
            #expect(parameters["engine"] == "vector", "\(label)")
            #expect(row["unit"] as? String == (row["precision"] as? String == "int8" ? "GOP/s" : "GFLOP/s"))
        }
        let kernels = Set(all.compactMap { $0["kernel"] as? String })
        #expect(kernels == ["gemm", "fma-bf16", "dot4"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The high bf16 of every word dropped from the dot product.
    @Test func aBF16GEMMThatDropsHalfTheProductsFails() throws {
        let dir = try kernelsWith("gemm_packed.cl",
                                  replacing: "acc[i][j] = fma(a[i].y, b[j].y, fma(a[i].x, b[j].x, acc[i][j]));",
                                  with: "acc[i][j] = fma(a[i].x, b[j].x, acc[i][j]);")
        let result = try bench(["--suite", "gemm", "--precision", "bf16", "--size", "64"], kernels: dir)
        let row = try #require(try rows(result).first)
        #expect(row["status"] as? String == "failed")
        #expect((row["reason"] as? String ?? "").contains("no configuration both ran and verified"))
        #expect(result.status == 3)
    }

    /// One unit too many in every int8 sum: caught exactly.
    @Test func anInt8GEMMOffByOneFails() throws {
        let dir = try kernelsWith("gemm_packed.cl",
                                  replacing: "for (int j = 0; j < WPTN; ++j) acc[i][j] = sl_dot_word(a[i], b[j], acc[i][j]);",
                                  with: "for (int j = 0; j < WPTN; ++j) acc[i][j] = sl_dot_word(a[i], b[j], acc[i][j]) + 1;")
        let result = try bench(["--suite", "gemm", "--precision", "int8", "--size", "64"], kernels: dir)
        let row = try #require(try rows(result).first)
        #expect(row["status"] as? String == "failed")
        #expect(result.status == 3)
    }

    @Test func peakChainsThatDoNotReturnFail() throws {
        let bf16 = try kernelsWith("peak_packed.cl", replacing: "x[c] = x[c] * va + vb;", with: "x[c] = x[c] * vb + va;")
        let int8 = try kernelsWith("peak_packed.cl", replacing: "x[c] = SL_DOT(x[c], w, z);",
                                   with: "x[c] = SL_DOT(x[c], w, z) + (it == 0 && k == 0);")
        for (precision, dir) in [("bf16", bf16), ("int8", int8)] {
            let result = try bench(["--suite", "peak", "--precision", precision], kernels: dir)
            let row = try #require(try rows(result).first)
            #expect(row["status"] as? String == "failed", "\(precision): \(row["reason"] ?? "")")
            #expect((row["reason"] as? String ?? "").contains("expected"), "\(precision)")
            #expect(result.status == 3)
        }
    }

    /// The device advertises bf16, so a kernel that does not compile is a failure with the
    /// compiler's first error line, not a skip.
    @Test func aBF16KernelThatDoesNotBuildIsFailedNotSkipped() throws {
        let dir = try kernelsWith("gemm_packed.cl", replacing: "#define EPW 2", with: "#define EPW 2\nthis does not compile;")
        let result = try bench(["--suite", "gemm", "--precision", "bf16", "--size", "32"], kernels: dir)
        let row = try #require(try rows(result).first)
        #expect(row["status"] as? String == "failed")
        let reason = row["reason"] as? String ?? ""
        #expect(reason.contains("kernel build failed") && !reason.contains("\n"), "\(reason)")
        #expect(result.status == 3)
    }
}

/// PoCL, the default OpenCL driver here and in CI, has neither bf16 nor int8 dot products: the
/// types are skipped with the reason, exit 0. Without PoCL the test fails (it does not pass
/// silently); SUANLI_TEST_NO_OPENCL=1 skips it visibly, as it does the other OpenCL tests.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil,
                "SUANLI_TEST_NO_OPENCL is set: no OpenCL driver on this machine"))
struct PoCLLowPrecisionSkipTests {
    let cache = ["SUANLI_CACHE_DIR": NSTemporaryDirectory() + "suanli-cache-\(UUID().uuidString)"]

    @Test func poclSkipsTheTypesItLacks() throws {
        let list = try CLI.run(["devices", "--format", "json"])
        let devices = list.json as? [[String: Any]] ?? []
        let pocl = try #require(devices.first(where: {
            (($0["opencl"] as? [String: Any])?["platform_name"] as? String ?? "").contains("Portable Computing Language")
        })?["id"] as? String, "PoCL not found (install pocl-opencl-icd, or set SUANLI_TEST_NO_OPENCL=1)")
        let result = try CLI.run(["bench", "--device", pocl, "--suite", "gemm,peak", "--precision", "bf16,int8,tf32,fp8",
                                  "--size", "32", "--quick", "--no-save", "--format", "json"], environment: cache)
        let document = try #require(result.json as? [String: Any], "no JSON: \(result.stderr)")
        let all = try #require(document["measurements"] as? [[String: Any]])
        #expect(all.count == 8)
        for row in all {
            #expect(row["status"] as? String == "skipped")
            #expect(!(row["reason"] as? String ?? "").isEmpty)
        }
        #expect(result.status == 0)
    }
}
