import Foundation
import Testing

@Suite struct DevicesCommandTests {
    @Test func jsonListsOpenCLDeviceAndNativeCPU() throws {
        let result = try CLI.run(["devices", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let devices = try #require(result.json as? [[String: Any]])
        for device in devices {
            for key in ["id", "backend", "type", "name", "vendor", "compute_units", "global_memory_bytes"] {
                #expect(device[key] != nil, "missing \(key) in \(device)")
            }
        }
        let cpu = try #require(devices.first { $0["backend"] as? String == "cpu" })
        #expect(cpu["id"] as? String == "cpu")
        let features = try #require(cpu["features"] as? [String])
        #if arch(x86_64)
        #expect(features.contains("sse2"))
        #endif
        #expect((cpu["compute_units"] as? Int ?? 0) >= 1)
        if ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil {
            let opencl = devices.filter { $0["backend"] as? String == "opencl" }
            #expect(!opencl.isEmpty, "no OpenCL device listed: \(result.stderr)")
            #expect(opencl.allSatisfy { ($0["id"] as? String)?.hasPrefix("opencl:") == true })
        }
    }

    @Test func emptyVendorFolderListsTheCPUAloneAndSucceeds() throws {
        let empty = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try CLI.run(["devices", "--format", "json"], environment: ["OCL_ICD_VENDORS": empty.path])
        #expect(result.status == 0)
        let devices = try #require(result.json as? [[String: Any]])
        #expect(devices.count == 1)
        #expect(devices.first?["backend"] as? String == "cpu")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line on why no OpenCL: \(result.stderr)")
    }

    @Test func missingLoaderStillListsTheCPU() throws {
        let result = try CLI.run(["devices"], environment: ["SUANLI_OPENCL_LIBRARY": "/nonexistent/libOpenCL.so.1"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("cpu"))
        #expect(result.stderr.contains("OpenCL is not available"))
    }

    @Test func badFormatIsAUsageError() throws {
        let result = try CLI.run(["devices", "--format", "yaml"])
        #expect(result.status == 64)
        #expect(!result.stderr.isEmpty)
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SuanliCoreTests/Fixtures/devices")

    @Test func replayDerivesPeaksPerPrecisionAndEngine() throws {
        let result = try CLI.run(["devices", "--replay", Self.fixtures.appendingPathComponent("h100-sxm.json").path, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let devices = try #require(result.json as? [[String: Any]])
        #expect(devices.count == 1)
        let h100 = try #require(devices.first)
        #expect(h100["name"] as? String == "NVIDIA H100 80GB HBM3")
        #expect(h100["id"] as? String == "replay:0")
        let peaks = try #require(h100["peaks"] as? [[String: Any]])
        let bf16 = try #require(peaks.first { $0["precision"] as? String == "bf16" && $0["engine"] as? String == "tensor" })
        #expect(bf16["clock_mhz"] as? Int == 1830 && bf16["max_clock_mhz"] as? Int == 1980)
        #expect(abs((bf16["gflops"] as? Double ?? 0) - 989_429.76) < 0.01)   // 132 SM × 4096 × 1.83 GHz
        #expect((bf16["basis"] as? String)?.contains("mma.sync") == true)
        #expect(peaks.contains { $0["precision"] as? String == "fp64" && $0["engine"] as? String == "vector" })
        #expect((h100["bandwidth"] as? [String: Any])?["gbs"] as? Double == 3350)
        let engines = try #require(h100["engines"] as? [[String: Any]])
        #expect(engines.contains { $0["precision"] as? String == "fp8" && $0["engine"] as? String == "tensor" })
        // The table form prints the same derivation.
        let table = try CLI.run(["devices", "--replay", Self.fixtures.appendingPathComponent("mi300x.json").path])
        #expect(table.status == 0)
        #expect(table.stdout.contains("gfx942") && table.stdout.contains("5300 GB/s"))
    }

    @Test func dumpWritesAttributesThatReplay() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("dump.json").path
        let live = try CLI.run(["devices", "--dump", path, "--format", "json"])
        #expect(live.status == 0, "\(live.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let dumped = try #require(object["devices"] as? [[String: Any]])
        let liveOpenCL = try #require(live.json as? [[String: Any]]).filter { $0["backend"] as? String == "opencl" }
        #expect(dumped.count == liveOpenCL.count)
        for device in dumped {
            #expect(device["CL_DEVICE_NAME"] is String && device["CL_DEVICE_MAX_COMPUTE_UNITS"] is Int)
            #expect(["GPU", "CPU", "ACCELERATOR"].contains(device["CL_DEVICE_TYPE"] as? String ?? ""))
        }
        let replayed = try CLI.run(["devices", "--replay", path, "--format", "json"])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let names = try #require(replayed.json as? [[String: Any]]).map { $0["name"] as? String }
        #expect(names == liveOpenCL.map { $0["name"] as? String })
    }

    @Test func badReplayFileExitsOneWithOneLine() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"devices": [{"CL_DEVICE_NAME": "x", "CL_DEVICE_TYPE": "GPU", "CL_DEVICE_MAX_COMPUTE_UNITS": "lots"}]}"#.utf8).write(to: bad)
        for file in [bad.path, folder.appendingPathComponent("missing.json").path] {
            let result = try CLI.run(["devices", "--replay", file])
            #expect(result.status == 1)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try CLI.run(["devices", "--replay", bad.path, "--dump", folder.appendingPathComponent("d.json").path]).status == 64)
    }
}
