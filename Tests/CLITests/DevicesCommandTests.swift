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
}
