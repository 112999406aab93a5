import Foundation
import Testing

/// No sensor of any kind: NVML, AMD SMI and powercap all pointed at nothing.
let noSensors = ["SUANLI_NVML_LIBRARY": "/nonexistent/libnvidia-ml.so.1", "SUANLI_AMDSMI_LIBRARY": "/nonexistent/libamd_smi.so",
                 "SUANLI_POWERCAP_ROOT": "/nonexistent/powercap"]

/// The fake NVML of the core tests, built here with the system C compiler.
func fakeNVMLLibrary() throws -> String {
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SuanliCoreTests/Fixtures/fake_nvml.c").standardized.path
    let path = NSTemporaryDirectory() + "suanli-cli-fake-nvml-\(UUID().uuidString).so"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["cc", "-shared", "-fPIC", "-O1", "-o", path, source]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "cc builds the fake NVML")
    return path
}

/// A powercap tree whose package counter a background thread moves at `watts`, wrapping at `range` µJ.
final class DrawingPowercap: @unchecked Sendable {
    let root: String
    private let condition = NSCondition()
    private var stopping = false

    init(watts: Double, range: UInt64) throws {
        root = NSTemporaryDirectory() + "suanli-cli-powercap-\(UUID().uuidString)"
        let zone = root + "/intel-rapl:0"
        try FileManager.default.createDirectory(atPath: zone, withIntermediateDirectories: true)
        try "package-0\n".write(toFile: zone + "/name", atomically: true, encoding: .utf8)
        try "\(range)\n".write(toFile: zone + "/max_energy_range_uj", atomically: true, encoding: .utf8)
        try "0\n".write(toFile: zone + "/energy_uj", atomically: true, encoding: .utf8)
        let start = Date()
        Thread { [self] in
            while true {
                let microjoules = UInt64(Date().timeIntervalSince(start) * watts * 1e6) % range
                try? "\(microjoules)\n".write(toFile: zone + "/energy_uj", atomically: true, encoding: .utf8)
                condition.lock()
                if !stopping { _ = condition.wait(until: Date().addingTimeInterval(0.005)) }
                let done = stopping
                condition.unlock()
                if done { break }
            }
        }.start()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }
}

@Suite(.serialized) struct EnergyCommandTests {
    @Test func sensorsSaysWhyWhenThereIsNoneAndExitsZero() throws {
        let table = try CLI.run(["sensors"], environment: noSensors)
        #expect(table.status == 0)
        #expect(table.stdout.contains("No power sensor found"))
        #expect(table.stdout.contains("cannot open /nonexistent/libnvidia-ml.so.1"))
        #expect(table.stdout.contains("/nonexistent/powercap does not exist"))
        #expect(table.stdout.contains("--power-command"))
        let json = try CLI.run(["sensors", "--format", "json"], environment: noSensors)
        #expect(json.status == 0)
        let doc = try #require(json.json as? [String: Any])
        #expect((doc["sensors"] as? [Any])?.isEmpty == true)
        #expect((doc["notes"] as? [String])?.count == 3)
        // A power command that prints no watts is listed with its error; still exit 0.
        let broken = try CLI.run(["sensors", "--power-command", "echo x", "--power-sensor", "cpu=nope"], environment: noSensors)
        #expect(broken.status == 0)
        #expect(broken.stdout.contains("not a number of watts"))
        #expect(broken.stdout.contains("no sensor 'nope'"))
    }

    @Test func sensorsReadsAFakeNVMLAndAPowerCommand() throws {
        var environment = noSensors
        environment["SUANLI_NVML_LIBRARY"] = try fakeNVMLLibrary()
        environment["FAKE_NVML_WATTS"] = "220"
        environment["FAKE_NVML_REASONS"] = "0x40"
        let result = try CLI.run(["sensors", "--format", "json", "--power-command", "echo 310"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let sensors = try #require((result.json as? [String: Any])?["sensors"] as? [[String: Any]])
        let gpu = try #require(sensors.first { $0["id"] as? String == "nvml:0" })
        #expect(gpu["source"] as? String == "nvml-total-energy")
        #expect(gpu["pci_bus_id"] as? String == "0000:3b:00.0")
        let watts = try #require(gpu["watts"] as? Double)
        #expect(abs(watts - 220) < 11, "\(watts)")
        let condition = try #require(gpu["condition"] as? [String: Any])
        #expect(condition["throttle_reasons"] as? [String] == ["hw-thermal-slowdown"])
        #expect((condition["clocks_mhz"] as? [String: Double])?["sm"] == 1980)
        let command = try #require(sensors.first { $0["id"] as? String == "command" })
        #expect(command["watts"] as? Double == 310)
        #expect(command["scope"] as? String == "whole-node")
        #expect((command["attaches_to"] as? [String])?.contains("cpu") == true)
    }

    @Test func aPowerCommandOf150WattsGivesTheRateOver150() throws {
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "gemm", "--precision", "fp32", "--size", "128",
                                  "--quick", "--power-command", "echo 150", "--no-save", "--format", "json"], environment: noSensors)
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(result.json as? [String: Any])
        let m = try #require((doc["measurements"] as? [[String: Any]])?.first)
        let energy = try #require(m["energy"] as? [String: Any])
        let median = try #require(m["median"] as? Double)
        #expect(energy["avg_watts"] as? Double == 150)
        #expect(energy["max_watts"] as? Double == 150)
        #expect(energy["source"] as? String == "power-command")
        #expect(energy["scope"] as? String == "whole-node")
        let perWatt = try #require(energy["gflops_per_watt"] as? Double)
        #expect(abs(perWatt - median / 150) <= 1e-12 * median)
        #expect((energy["seconds"] as? Double ?? 0) >= 1, "the window lasts at least --energy-window (1 s)")
        #expect((energy["samples"] as? Int ?? 0) >= 5)
        #expect(result.stderr.contains("energy of cpu from command (whole-node)"))
    }

    @Test func aFakePowercapDrawing100WattsReads100Watts() throws {
        // 100 W through a 60 J range: the counter wraps every 0.6 s, at least once per measurement
        // (each energy window lasts ≥ 1 s). A shorter range loses whole wraps whenever the writer
        // or the reader is descheduled that long on a loaded machine, as a real counter read too
        // rarely would.
        let powercap = try DrawingPowercap(watts: 100, range: 60_000_000)
        defer { powercap.stop() }
        var environment = noSensors
        environment["SUANLI_POWERCAP_ROOT"] = powercap.root
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "gemm,stream", "--precision", "fp32", "--size", "128",
                                  "--stream-length", "200000", "--quick", "--no-save", "--format", "json",
                                  "--power-interval", "0.05"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let measurements = try #require((result.json as? [String: Any])?["measurements"] as? [[String: Any]])
        #expect(measurements.count == 6)
        for m in measurements {
            let energy = try #require(m["energy"] as? [String: Any], "\(m["kernel"] ?? "")")
            #expect(energy["source"] as? String == "rapl")
            #expect(energy["sensors"] as? [String] == ["rapl:intel-rapl:0"])
            let watts = try #require(energy["avg_watts"] as? Double)
            #expect(abs(watts - 100) <= 10, "\(m["kernel"] ?? ""): \(watts) W")
        }
        #expect(measurements.contains { ($0["energy"] as? [String: Any])?["gbs_per_watt"] != nil })
    }

    @Test func unusablePowerOptionsAreCommandLineErrors() throws {
        let sensor = try CLI.run(["bench", "--device", "cpu", "--suite", "gemm", "--quick", "--no-save",
                                  "--power-sensor", "cpu=nvml:9"], environment: noSensors)
        #expect(sensor.status == 64)
        #expect(sensor.stderr.contains("no sensor 'nvml:9'"))
        let command = try CLI.run(["bench", "--device", "cpu", "--suite", "gemm", "--quick", "--no-save",
                                   "--power-command", "echo no watts"], environment: noSensors)
        #expect(command.status == 64)
        #expect(command.stderr.contains("not a number of watts"))
        let syntax = try CLI.run(["sensors", "--power-sensor", "cpu"], environment: noSensors)
        #expect(syntax.status == 64)
    }

    @Test func burnOnTheCPUVerifiesEveryIntervalAndGivesTheSustainRatio() throws {
        let result = try CLI.run(["burn", "--device", "cpu", "--duration", "3s", "--interval", "1s", "--size", "128",
                                  "--power-command", "echo 95", "--format", "json", "--no-save"], environment: noSensors)
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(result.json as? [String: Any])
        let burn = try #require(doc["burn"] as? [String: Any])
        let intervals = try #require(burn["intervals"] as? [[String: Any]])
        #expect(intervals.count == 3)
        #expect(intervals.allSatisfy { $0["verified"] as? Bool == true && ($0["rate"] as? Double ?? 0) > 0 })
        #expect(intervals.allSatisfy { $0["avg_watts"] as? Double == 95 })
        let summary = try #require((burn["summary"] as? [[String: Any]])?.first)
        #expect(summary["sustain_ratio"] as? Double != nil)
        #expect(summary["verification_errors"] as? Int == 0)
        #expect(burn["verification_errors"] as? Int == 0)
        let m = try #require((doc["measurements"] as? [[String: Any]])?.first)
        #expect(m["kernel"] as? String == "burn-gemm")
        #expect(m["status"] as? String == "ok")
        #expect((m["samples"] as? [Double])?.count == 3)
        #expect(result.stderr.contains("interval 3/3 gemm"))
    }

    @Test func aPlantedVerificationFaultEndsTheBurnWithExitThree() throws {
        let result = try CLI.run(["burn", "--device", "cpu", "--duration", "2s", "--interval", "1s", "--size", "96",
                                  "--plant-fault", "1", "--format", "json", "--no-save"], environment: noSensors)
        #expect(result.status == 3)
        #expect(result.stderr.contains("1 interval failed verification"))
        let burn = try #require((result.json as? [String: Any])?["burn"] as? [String: Any])
        let intervals = try #require(burn["intervals"] as? [[String: Any]])
        #expect(intervals.map { $0["verified"] as? Bool } == [true, false])
        #expect((intervals[1]["error"] as? String)?.isEmpty == false)
        #expect(burn["verification_errors"] as? Int == 1)
    }

    @Test func anInterruptedBurnKeepsItsIntervals() throws {
        let out = try CLI.temporaryDirectory()
        let log = out.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["burn", "--device", "cpu", "--duration", "10m", "--interval", "500ms", "--size", "96",
                             "--output-dir", out.appendingPathComponent("results").path]
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in noSensors { environment[k] = v }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("interval 2/") {
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let folder = out.appendingPathComponent("results")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(files.count == 1)
        let data = try Data(contentsOf: folder.appendingPathComponent(try #require(files.first)))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(doc["incomplete"] as? Bool == true)
        let intervals = try #require((doc["burn"] as? [String: Any])?["intervals"] as? [[String: Any]])
        #expect(intervals.count >= 2)
    }
}
