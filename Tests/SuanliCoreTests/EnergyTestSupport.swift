import Foundation
@testable import SuanliCore

/// Builds the fake NVML library (Fixtures/fake_nvml.c) with the system C compiler, once per
/// set of flags, and returns its path.
enum FakeNVML {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fake_nvml.c").path
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [String: String] = [:]

    static func library(_ flags: [String] = []) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let key = flags.joined(separator: " ")
        if let path = built[key] { return path }
        let path = NSTemporaryDirectory() + "suanli-fake-nvml-\(UUID().uuidString).so"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-shared", "-fPIC", "-O1", "-o", path, source] + flags
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SensorError("cc failed to build the fake NVML library") }
        built[key] = path
        return path
    }

    /// The sensors of a fake NVML built with `flags`.
    static func sensors(_ flags: [String] = []) throws -> [NVMLSensor] {
        let library = try NVMLLibrary(environment: ["SUANLI_NVML_LIBRARY": try Self.library(flags)])
        return library.sensors().sensors
    }
}

/// A powercap tree in a temporary folder: `intel-rapl:N` zones with `name`, `energy_uj` and
/// `max_energy_range_uj`. `energy_uj` is replaced atomically (write, then rename).
struct FakePowercap {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "suanli-powercap-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func addZone(_ zone: String, name: String, rangeMicrojoules: UInt64, energyMicrojoules: UInt64 = 0) throws {
        let folder = root + "/" + zone
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try name.write(toFile: folder + "/name", atomically: true, encoding: .utf8)
        try "\(rangeMicrojoules)\n".write(toFile: folder + "/max_energy_range_uj", atomically: true, encoding: .utf8)
        try setEnergy(zone, energyMicrojoules)
    }

    func setEnergy(_ zone: String, _ microjoules: UInt64) throws {
        try "\(microjoules)\n".write(toFile: root + "/" + zone + "/energy_uj", atomically: true, encoding: .utf8)
    }
}

/// Keeps a fake RAPL counter moving at `watts` on a background thread, wrapping at the range,
/// until stopped. The counter follows the monotonic clock, so a late update loses no energy.
final class PowercapDriver: @unchecked Sendable {
    let tree: FakePowercap
    let zone: String
    let watts: Double
    let range: UInt64
    private let stopped = NSCondition()
    private var stopping = false
    private var thread: Thread?

    init(tree: FakePowercap, zone: String, watts: Double, range: UInt64) {
        self.tree = tree
        self.zone = zone
        self.watts = watts
        self.range = range
    }

    func start() {
        let start = monotonicSeconds()
        let thread = Thread { [self] in
            while true {
                let microjoules = UInt64((monotonicSeconds() - start) * watts * 1e6) % range
                try? tree.setEnergy(zone, microjoules)
                stopped.lock()
                let done = stopping || stopped.wait(until: Date().addingTimeInterval(0.005)) && stopping
                stopped.unlock()
                if done { break }
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() {
        stopped.lock()
        stopping = true
        stopped.broadcast()
        stopped.unlock()
    }
}
