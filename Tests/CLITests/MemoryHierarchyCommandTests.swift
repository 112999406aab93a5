import Foundation
import Testing

/// A kernel folder holding the repository's `name` with `edit` applied (a planted bug).
func plantedKernel(_ name: String, _ edit: (String) -> String) throws -> URL {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let original = try String(contentsOf: repository.appendingPathComponent("Kernels/\(name)"), encoding: .utf8)
    let planted = edit(original)
    #expect(planted != original, "the planted edit must change the kernel")
    let dir = try CLI.temporaryDirectory()
    try planted.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    return dir
}

@Suite(.serialized) struct MemoryHierarchyCommandTests {
    func openCLDevice() throws -> String {
        let result = try CLI.run(["devices", "--format", "json"])
        let devices = try #require(result.json as? [[String: Any]])
        return try #require(devices.compactMap { $0["id"] as? String }.first { $0.hasPrefix("opencl:") })
    }

    /// Verified figures; on a busy machine a figure may be `suspect` (host-clock check), which exits 3.
    func expectVerifiedSweep(_ result: CLIResult, suites: Set<String>) throws {
        let doc = try #require(result.json as? [String: Any], "\(result.stderr)")
        let measurements = try #require(doc["measurements"] as? [[String: Any]])
        #expect(Set(measurements.compactMap { $0["suite"] as? String }) == suites)
        for m in measurements {
            #expect(m["verified"] as? Bool == true, "\(m["kernel"] ?? "") \(m["size"] ?? ""): \(m["reason"] ?? "")")
            #expect(["ok", "suspect"].contains(m["status"] as? String))
            #expect((m["size"] as? [String: Int])?["bytes"] != nil)
            #expect((m["parameters"] as? [String: String])?["huge_pages"] != nil)
        }
        let suspect = measurements.contains { $0["status"] as? String == "suspect" }
        #expect(result.status == (suspect ? 3 : 0), "\(result.stderr)")
        let sizes = Set(measurements.compactMap { ($0["size"] as? [String: Int])?["bytes"] })
        #expect(sizes.min() == 4096 && sizes.max() == 65536)
    }

    @Test func bothSuitesOnTheNativeCPU() throws {
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "cache,memlat", "--max-working-set", "64K", "--quick",
                                  "--format", "json", "--no-save"])
        try expectVerifiedSweep(result, suites: ["cache", "memlat"])
        let doc = try #require(result.json as? [String: Any])
        let memlat = (doc["measurements"] as? [[String: Any]] ?? []).filter { $0["suite"] as? String == "memlat" }
        #expect(memlat.allSatisfy { $0["unit"] as? String == "ns" && $0["higher_is_better"] as? Bool == false })
        #expect(Set(memlat.compactMap { $0["kernel"] as? String }) == ["chase", "chase-parallel"])
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil))
    func bothSuitesOnOpenCL() throws {
        let result = try CLI.run(["bench", "--device", try openCLDevice(), "--suite", "cache,memlat", "--max-working-set", "64K",
                                  "--quick", "--format", "json", "--no-save"])
        try expectVerifiedSweep(result, suites: ["cache", "memlat"])
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil))
    func aReadKernelThatSkipsALoadFailsItsChecksum() throws {
        // The last vector of every slice is never read: a classic off-by-one.
        let dir = try plantedKernel("cache.cl") { $0.replacingOccurrences(of: "for (; i < end; i += step)", with: "for (; i + 1 < end; i += step)") }
        let result = try CLI.run(["bench", "--device", try openCLDevice(), "--suite", "cache", "--max-working-set", "8K",
                                  "--quick", "--no-save", "--kernels", dir.path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("checksum"))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil))
    func aChaseThatStopsOneLoadShortFails() throws {
        let dir = try plantedKernel("memlat.cl") { $0.replacingOccurrences(of: "s < steps", with: "s + 1 < steps") }
        let result = try CLI.run(["bench", "--device", try openCLDevice(), "--suite", "memlat", "--max-working-set", "8K",
                                  "--quick", "--no-save", "--kernels", dir.path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("pointer chase"))
    }

    @Test func aWorkingSetBelowFourKiBIsAUsageError() throws {
        for bad in ["1K", "lots", "0"] {
            let result = try CLI.run(["bench", "--device", "cpu", "--suite", "cache", "--max-working-set", bad, "--no-save"])
            #expect(result.status == 64, "\(bad): \(result.stderr)")
            #expect(result.stderr.contains("--max-working-set"))
        }
    }
}
