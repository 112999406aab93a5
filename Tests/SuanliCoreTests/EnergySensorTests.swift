import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

@Suite struct NVMLSensorTests {
    let twoGPUs = ["-DFAKE_BUS_IDS=\"0000:3b:00.0,0000:86:00.0\"", "-DFAKE_WATTS=300", "-DFAKE_REASONS=0x25"]

    @Test func loadsSymbolsAndListsEveryGPU() throws {
        let sensors = try FakeNVML.sensors(twoGPUs)
        #expect(sensors.map(\.id) == ["nvml:0", "nvml:1"])
        #expect(sensors.map(\.name) == ["Fake GPU 0", "Fake GPU 1"])
        #expect(sensors.map { $0.pciAddress?.description } == ["0000:3b:00.0", "0000:86:00.0"])
        #expect(sensors[0].uuid == "0000abc0-1111-2222-3333-444444444444", "the GPU- prefix is dropped")
        #expect(sensors.allSatisfy { $0.source == "nvml-total-energy" && $0.scope == .device && $0.note == nil })
    }

    @Test func aMissingRequiredSymbolIsReportedByName() throws {
        let path = try FakeNVML.library(["-DFAKE_NVML_NO_HANDLE"])
        #expect {
            _ = try NVMLLibrary(environment: ["SUANLI_NVML_LIBRARY": path])
        } throws: { "\($0)".contains("lacks nvmlDeviceGetHandleByIndex_v2") }
        let set = SensorSet.discover(environment: ["SUANLI_NVML_LIBRARY": path, "SUANLI_POWERCAP_ROOT": "/nonexistent",
                                                   "SUANLI_AMDSMI_LIBRARY": "/nonexistent/libamd_smi.so"])
        #expect(set.sensors.isEmpty)
        #expect(set.notes.contains { $0.contains("lacks nvmlDeviceGetHandleByIndex_v2") })
    }

    @Test func aLibraryThatCannotBeOpenedSaysSo() {
        #expect {
            _ = try NVMLLibrary(environment: ["SUANLI_NVML_LIBRARY": "/nonexistent/libnvidia-ml.so.1"])
        } throws: { "\($0)".contains("cannot open /nonexistent/libnvidia-ml.so.1") }
    }

    @Test func withoutTheEnergyCounterPowerUsageIsSampledAndNoted() throws {
        let sensor = try #require(try FakeNVML.sensors(["-DFAKE_NVML_NO_ENERGY", "-DFAKE_WATTS=120"]).first)
        #expect(sensor.source == "nvml-power-usage")
        #expect(sensor.note?.contains("averages") == true)
        #expect(try sensor.read() == SensorReading(watts: 120))
    }

    @Test func energyCounterDeltasGiveTheDrawnPower() throws {
        let sensors = try FakeNVML.sensors(twoGPUs)
        // Counter readings are millijoules since the fake driver loaded.
        let first = try #require(try sensors[0].read().energyJoules)
        #expect(first >= 5000)
        let windows = sensors.map { EnergyWindow(sensors: [$0], conditionSource: $0, interval: 0.05) }
        Thread.sleep(forTimeInterval: 0.6)
        let records = windows.map { $0.stop() }
        for (record, watts) in zip(records, [300.0, 350.0]) {
            // Each reading is stamped at the middle of its call: a thread descheduled around a
            // call on a loaded machine shifts that stamp, hence the margin.
            let average = try #require(record.avgWatts)
            #expect(abs(average - watts) / watts < 0.1, "\(average) W, drawn \(watts) W")
            #expect(abs(try #require(record.joules) - watts * record.seconds) / (watts * record.seconds) < 0.15)
            #expect(record.samples >= 4)
            #expect(record.source == "nvml-total-energy")
            #expect(record.error == nil)
        }
    }

    @Test func throttleReasonsClocksAndTemperature() throws {
        let sensor = try #require(try FakeNVML.sensors(twoGPUs).first)
        let condition = try #require(sensor.condition())
        // 0x25: idle (not a limit) + software power cap + software thermal slowdown.
        #expect(condition.throttleReasons == ["sw-power-cap", "sw-thermal-slowdown"])
        #expect(condition.clocksMHz == ["sm": 1980, "memory": 2619])
        #expect(condition.temperatureC == 61)
        let record = EnergyWindow(sensors: [sensor], conditionSource: sensor, interval: 0.05).stop()
        #expect(record.throttled == true)
        #expect(record.throttleReasons == ["sw-power-cap", "sw-thermal-slowdown"])
        #expect(record.start?.clocksMHz?["sm"] == 1980)
        #expect(record.end?.temperatureC == 61)
        #expect(NVMLSensor.reasons(0x1) == [], "an idle GPU is not throttled")
        #expect(NVMLSensor.reasons(0xC0) == ["hw-thermal-slowdown", "hw-power-brake-slowdown"])
    }

    @Test func attachesToOpenCLDevicesByBusIDOrUUID() throws {
        let set = SensorSet(sensors: try FakeNVML.sensors(twoGPUs), notes: [])
        let targets = [
            SensorTarget(id: "opencl:0:0", isCPU: false, pciAddress: PCIAddress("0000:86:00.0")),
            // NVIDIA's own query reports function 0 too; a different function of the same slot still matches.
            SensorTarget(id: "opencl:0:1", isCPU: false, pciAddress: PCIAddress("3b:00.1")),
            SensorTarget(id: "opencl:1:0", isCPU: false, uuid: "0000abc1-1111-2222-3333-444444444444"),
            SensorTarget(id: "opencl:2:0", isCPU: false, pciAddress: PCIAddress("0000:99:00.0")),
            SensorTarget(id: "cpu", isCPU: true),
        ]
        let attachment = try EnergyAttachment.resolve(targets: targets, sensors: set, hostCondition: nil)
        #expect(attachment.sensorsByDevice["opencl:0:0"]?.map(\.id) == ["nvml:1"])
        #expect(attachment.sensorsByDevice["opencl:0:1"]?.map(\.id) == ["nvml:0"])
        #expect(attachment.sensorsByDevice["opencl:1:0"]?.map(\.id) == ["nvml:1"])
        #expect(attachment.sensorsByDevice["opencl:2:0"] == nil, "no GPU on that slot")
        #expect(attachment.sensorsByDevice["cpu"] == nil, "a GPU sensor never measures the CPU")
        #expect(attachment.devices(of: set.sensors[1]) == ["opencl:0:0", "opencl:1:0"])

        // An override wins; a power command measures everything else and keeps the GPU's clocks.
        var withCommand = set
        withCommand.sensors.append(CommandSensor(command: "echo 150"))
        let overridden = try EnergyAttachment.resolve(targets: targets, sensors: withCommand,
                                                      overrides: ["opencl:0:0": ["nvml:0"], "cpu": ["none"]], hostCondition: nil)
        #expect(overridden.sensorsByDevice["opencl:0:0"]?.map(\.id) == ["nvml:0"])
        #expect(overridden.sensorsByDevice["opencl:0:1"]?.map(\.id) == ["command"])
        #expect(overridden.sensorsByDevice["cpu"] == nil)
        #expect(overridden.conditionByDevice["opencl:0:1"] === set.sensors[0])
        #expect(throws: SensorError.self) {
            _ = try EnergyAttachment.resolve(targets: targets, sensors: set, overrides: ["opencl:0:0": ["nvml:7"]])
        }
        #expect(throws: SensorError.self) {
            _ = try EnergyAttachment.resolve(targets: targets, sensors: set, overrides: ["opencl:9:9": ["nvml:0"]])
        }
        #expect(try EnergyAttachment.parseOverrides(["cpu=rapl:intel-rapl:0,rapl:intel-rapl:1"])
                == ["cpu": ["rapl:intel-rapl:0", "rapl:intel-rapl:1"]])
        #expect(throws: SensorError.self) { _ = try EnergyAttachment.parseOverrides(["nvml:0"]) }
    }

    @Test func pciAddressesParseAndPrint() {
        #expect(PCIAddress("00000000:3B:00.0")?.description == "0000:3b:00.0", "NVML's 8-digit domain")
        #expect(PCIAddress("3b:00.0") == PCIAddress(domain: 0, bus: 0x3b, device: 0, function: 0))
        #expect(PCIAddress("3b:00") == nil)
        #expect(PCIAddress("zz:00.0") == nil)
        #expect(formatUUID(Array(0..<16)) == "00010203-0405-0607-0809-0a0b0c0d0e0f")
    }
}

@Suite struct PowercapSensorTests {
    @Test func wrappingCounterIsUnwrappedAtItsRange() throws {
        let tree = try FakePowercap()
        // A 50 J range; the window starts 1 J below the top and ends 2 J past zero: 3 J used.
        try tree.addZone("intel-rapl:0", name: "package-0", rangeMicrojoules: 50_000_000, energyMicrojoules: 49_000_000)
        let sensor = try #require(Powercap.sensors(root: tree.root).sensors.first)
        #expect(sensor.id == "rapl:intel-rapl:0")
        #expect(sensor.isCPUPackage)
        #expect(try sensor.read() == SensorReading(energyJoules: 49, energyRangeJoules: 50))
        let window = EnergyWindow(sensors: [sensor], conditionSource: nil, interval: 60)
        try tree.setEnergy("intel-rapl:0", 2_000_000)
        let record = window.stop()
        #expect(record.error == nil)
        #expect(abs(try #require(record.joules) - 3) < 1e-9)
        #expect(record.source == "rapl")
        #expect(record.scope == .cpuPackage)
    }

    @Test func aCounterDrawing100WattsReads100WattsAcrossWraps() throws {
        let tree = try FakePowercap()
        // 100 W through a 20 J range: the counter wraps every 0.2 s, about six times in the window.
        try tree.addZone("intel-rapl:0", name: "package-0", rangeMicrojoules: 20_000_000)
        let driver = PowercapDriver(tree: tree, zone: "intel-rapl:0", watts: 100, range: 20_000_000)
        driver.start()
        defer { driver.stop() }
        Thread.sleep(forTimeInterval: 0.05)
        let sensor = try #require(Powercap.sensors(root: tree.root).sensors.first)
        let window = EnergyWindow(sensors: [sensor], conditionSource: nil, interval: 0.05)
        Thread.sleep(forTimeInterval: 1.2)
        let record = window.stop()
        let watts = try #require(record.avgWatts)
        #expect(abs(watts - 100) <= 10, "\(watts) W")
    }

    @Test func packagesAttachToTheCPUAndSubdomainsDoNot() throws {
        let tree = try FakePowercap()
        try tree.addZone("intel-rapl:0", name: "package-0", rangeMicrojoules: 262_143_328_850)
        try tree.addZone("intel-rapl:0:0", name: "core", rangeMicrojoules: 262_143_328_850)
        try tree.addZone("intel-rapl:1", name: "package-1", rangeMicrojoules: 262_143_328_850)
        // The MMIO interface repeats package-0 on some Intel CPUs: read once.
        try tree.addZone("intel-rapl-mmio:0", name: "package-0", rangeMicrojoules: 262_143_328_850)
        try FileManager.default.createDirectory(atPath: tree.root + "/intel-rapl", withIntermediateDirectories: true)
        let (sensors, notes) = Powercap.sensors(root: tree.root)
        #expect(sensors.map(\.id) == ["rapl:intel-rapl:0", "rapl:intel-rapl:0:0", "rapl:intel-rapl:1"])
        #expect(notes.isEmpty)
        let set = SensorSet(sensors: sensors, notes: [])
        let attachment = try EnergyAttachment.resolve(
            targets: [SensorTarget(id: "cpu", isCPU: true), SensorTarget(id: "opencl:0:0", isCPU: true),
                      SensorTarget(id: "opencl:1:0", isCPU: false)],
            sensors: set, hostCondition: nil)
        #expect(attachment.sensorsByDevice["cpu"]?.map(\.id) == ["rapl:intel-rapl:0", "rapl:intel-rapl:1"])
        #expect(attachment.sensorsByDevice["opencl:0:0"]?.map(\.id) == ["rapl:intel-rapl:0", "rapl:intel-rapl:1"])
        #expect(attachment.sensorsByDevice["opencl:1:0"] == nil)
    }

    @Test func aMissingRootSaysWhy() {
        let (sensors, notes) = Powercap.sensors(root: "/nonexistent/powercap")
        #expect(sensors.isEmpty)
        #expect(notes == ["powercap: /nonexistent/powercap does not exist (no RAPL on this machine, or a virtual machine)"])
    }

    @Test(.enabled(if: getuid() != 0, "root reads any file"))
    func anUnreadableCounterSaysItIsRootOnly() throws {
        let tree = try FakePowercap()
        try tree.addZone("intel-rapl:0", name: "package-0", rangeMicrojoules: 1_000_000)
        chmod(tree.root + "/intel-rapl:0/energy_uj", 0o400 & ~0o444)
        let (sensors, notes) = Powercap.sensors(root: tree.root)
        #expect(sensors.isEmpty)
        #expect(notes.first?.contains("readable by root only") == true)
    }

    @Test func aCounterThatRunsBackwardsWithoutARangeIsAnError() throws {
        final class Backwards: PowerSensor, @unchecked Sendable {
            var value = 10.0
            var id: String { "test" }
            var name: String { "test" }
            var source: String { "test" }
            var scope: SensorScope { .device }
            func read() throws -> SensorReading {
                defer { value -= 1 }
                return SensorReading(energyJoules: value)
            }
        }
        let record = EnergyWindow(sensors: [Backwards()], conditionSource: nil, interval: 60).stop()
        #expect(record.error?.contains("went backwards") == true)
        #expect(record.avgWatts == nil)
    }
}

@Suite struct CommandSensorTests {
    @Test func parsesWattsFromCommonOutputs() {
        #expect(CommandSensor.parseWatts("150\n") == 150)
        #expect(CommandSensor.parseWatts("150.5 W") == 150.5)
        #expect(CommandSensor.parseWatts("Power: 212Watts") == 212)
        #expect(CommandSensor.parseWatts("Instantaneous power reading: 340 Watts") == 340)
        #expect(CommandSensor.parseWatts("no reading") == nil)
        #expect(CommandSensor.parseWatts("-5") == nil)
        #expect(CommandSensor.parseWatts("") == nil)
    }

    @Test func readsTheCommandAndReportsFailures() throws {
        #expect(try CommandSensor(command: "echo 150").read() == SensorReading(watts: 150))
        #expect { try CommandSensor(command: "exit 3").read() } throws: { "\($0)".contains("exited with status 3") }
        #expect { try CommandSensor(command: "echo none").read() } throws: { "\($0)".contains("not a number of watts") }
        let started = monotonicSeconds()
        #expect { try CommandSensor(command: "sleep 5", timeoutSeconds: 0.3).read() } throws: { "\($0)".contains("no answer") }
        #expect(monotonicSeconds() - started < 3)
    }

    @Test func aWindowOfAConstantCommandAveragesItsWatts() throws {
        let sensor = CommandSensor(command: "echo 150")
        let window = EnergyWindow(sensors: [sensor], conditionSource: nil, interval: 0.05)
        Thread.sleep(forTimeInterval: 0.3)
        let record = window.stop()
        #expect(record.avgWatts.map { abs($0 - 150) < 1e-9 } == true)
        #expect(record.maxWatts == 150)
        #expect(record.scope == .wholeNode)
        #expect(record.samples >= 3)
        #expect(abs(try #require(record.joules) - 150 * record.seconds) < 150 * 0.05)
    }

    @Test func aPowerStepIsIntegratedByTheTrapezoidRule() throws {
        // The command reads a file the test changes halfway: 100 W, then 300 W.
        let file = NSTemporaryDirectory() + "suanli-watts-\(UUID().uuidString)"
        try "100".write(toFile: file, atomically: true, encoding: .utf8)
        let window = EnergyWindow(sensors: [CommandSensor(command: "cat \(file)")], conditionSource: nil, interval: 0.02)
        Thread.sleep(forTimeInterval: 0.4)
        try "300".write(toFile: file, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.4)
        let record = window.stop()
        let watts = try #require(record.avgWatts)
        #expect(watts > 150 && watts < 250, "about 200 W: \(watts)")
        #expect(record.maxWatts == 300)
    }

    @Test func timedBatchesRecordEnergyAndReachTheMinimumWindow() throws {
        let probe = EnergyProbe(sensors: [CommandSensor(command: "echo 150")], conditionSource: nil, interval: 0.05,
                                minimumWindow: 0.3)
        var runs = 0
        let policy = SamplingPolicy(warmupRuns: 0, minSamples: 3, maxSamples: 3, minSeconds: 0, maxSeconds: 1)
        let samples = try probe.measuring {
            try collectSamples(policy) {
                runs += 1
                let start = monotonicSeconds()
                Thread.sleep(forTimeInterval: 0.002)
                return monotonicSeconds() - start
            }
        }
        #expect(samples.seconds.count == 3, "untimed runs fill the window but are not samples")
        #expect(runs > 3)
        let energy = try #require(samples.energy)
        #expect(energy.seconds >= 0.3)
        #expect(energy.avgWatts == 150)
        // Without a probe nothing is recorded.
        #expect(try collectSamples(policy) { 0.001 }.energy == nil)

        var m = Measurement(device: "cpu", suite: .gemm, kernel: "gemm", precision: .fp32, size: [:], unit: .gflops)
        m.record(samples, workPerRun: 3e9, verification: .passed, peak: nil)
        #expect(m.status == .ok, "\(m.reason ?? "")")
        #expect(m.energy?.avgWatts == 150)
        #expect(m.energy?.gflopsPerWatt == m.median! / 150)
        #expect(m.energy?.gbsPerWatt == nil)
    }
}
