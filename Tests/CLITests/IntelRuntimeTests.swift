import Foundation
import Testing

/// Intel's OpenCL CPU runtime: a second conforming driver that advertises cl_khr_fp16.
/// Scripts/install-intel-opencl.sh installs it; `.ci/run` sets SUANLI_REQUIRE_INTEL_OPENCL=1, so
/// there these tests cannot skip.
enum IntelRuntime {
    static let required = ProcessInfo.processInfo.environment["SUANLI_REQUIRE_INTEL_OPENCL"] == "1"

    /// The Intel runtime's device id, if it is installed.
    static func deviceID() throws -> String? {
        let result = try CLI.run(["devices", "--format", "json"])
        let devices = result.json as? [[String: Any]] ?? []
        return devices.first { device in
            let opencl = device["opencl"] as? [String: Any] ?? [:]
            return (opencl["platform_name"] as? String ?? "").contains("Intel(R) OpenCL")
        }?["id"] as? String
    }

    static var available: Bool { ((try? deviceID()) ?? nil) != nil || required }
}

@Suite(.enabled(if: IntelRuntime.available, "needs Intel's OpenCL CPU runtime (Scripts/install-intel-opencl.sh); SUANLI_REQUIRE_INTEL_OPENCL=1 makes its absence a failure"),
        .serialized)
struct IntelRuntimeTests {
    let cache = ["SUANLI_CACHE_DIR": NSTemporaryDirectory() + "suanli-cache-\(UUID().uuidString)"]

    func device() throws -> String {
        try #require(try IntelRuntime.deviceID(), "Intel's OpenCL runtime is required here but not found")
    }

    func measurements(_ result: CLIResult) throws -> [[String: Any]] {
        let document = try #require(result.json as? [String: Any], "no JSON: \(result.stderr)")
        return try #require(document["measurements"] as? [[String: Any]])
    }

    @Test func halfPrecisionGEMMRunsAndVerifies() throws {
        let result = try CLI.run(["bench", "--device", try device(), "--suite", "gemm", "--precision", "fp16,mixed",
                                  "--size", "96", "--quick", "--no-save", "--format", "json"], environment: cache)
        let rows = try measurements(result)
        #expect(rows.count == 2)
        // Verification is what this test is about; timing on a machine the other tests load may
        // be `suspect` (and then exit 3), never `failed` or `skipped`.
        for row in rows {
            let status = row["status"] as? String
            #expect(status == "ok" || status == "suspect", "\(row["precision"] ?? "?"): \(row["reason"] ?? "")")
            #expect(row["verified"] as? Bool == true)
        }
        let suspect = rows.contains { $0["status"] as? String == "suspect" }
        #expect(result.status == (suspect ? 3 : 0), "\(result.stderr)")
    }

    @Test func aBrokenHalfKernelOnADeviceWithFP16IsFailedNotSkipped() throws {
        let dir = try plantedKernels(gemmBody: "this does not compile;")
        let result = try CLI.run(["bench", "--device", try device(), "--suite", "gemm", "--precision", "fp16",
                                  "--size", "32", "--quick", "--no-save", "--format", "json", "--kernels", dir.path],
                                 environment: cache)
        let row = try #require(try measurements(result).first)
        #expect(row["status"] as? String == "failed")
        let reason = row["reason"] as? String ?? ""
        #expect(!reason.contains("\n"))
        #expect(result.status == 3)
    }

    @Test func everySuiteVerifiesQuickly() throws {
        let result = try CLI.run(["bench", "--device", try device(), "--suite", "stream,peak,latency,transfer",
                                  "--precision", "fp32", "--quick", "--stream-length", "262144", "--no-save", "--format", "json"],
                                 environment: cache)
        for row in try measurements(result) {
            let status = row["status"] as? String
            #expect(status == "ok" || status == "suspect", "\(row["kernel"] ?? "?"): \(row["reason"] ?? "")")
            #expect(row["verified"] as? Bool == true)
        }
    }
}
