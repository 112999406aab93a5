import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Linux powercap: RAPL energy counters under `/sys/class/powercap` (`SUANLI_POWERCAP_ROOT`
/// names another folder). Each zone has `name`, `energy_uj` and `max_energy_range_uj`; the
/// counter wraps to zero at the range. Since Linux 5.10 `energy_uj` is readable by root only.
public enum Powercap {
    public static let defaultRoot = "/sys/class/powercap"

    public static func root(environment: [String: String] = currentEnvironment()) -> String {
        environment["SUANLI_POWERCAP_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultRoot
    }

    /// The readable zones under `root`, and why others are not used.
    public static func sensors(root: String) -> (sensors: [PowercapSensor], notes: [String]) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else {
            return ([], ["powercap: \(root) does not exist (no RAPL on this machine, or a virtual machine)"])
        }
        var sensors: [PowercapSensor] = []
        var unreadable: [String] = []
        var notes: [String] = []
        for zone in entries.sorted() {
            let folder = root + "/" + zone
            guard FileManager.default.fileExists(atPath: folder + "/energy_uj") else { continue }
            let name = (try? readSysfs(folder + "/name"))?.trimmed() ?? zone
            do {
                sensors.append(try PowercapSensor(folder: folder, zone: zone, name: name))
            } catch let error as SysfsError where error.code == EACCES || error.code == EPERM {
                unreadable.append(folder + "/energy_uj")
            } catch {
                notes.append("powercap: \(zone): \(error)")
            }
        }
        if !unreadable.isEmpty {
            notes.append("powercap: \(unreadable.count == 1 ? unreadable[0] : "\(unreadable.count) energy_uj files under \(root)") "
                + "readable by root only (Linux 5.10 and later); run as root, or allow it with "
                + "`sudo chmod a+r \(root)/*/energy_uj`")
        }
        // The MMIO interface repeats a package already read through MSRs on some Intel CPUs.
        let packages = Set(sensors.filter { !$0.zone.hasPrefix("intel-rapl-mmio") }.map(\.name))
        sensors.removeAll { $0.zone.hasPrefix("intel-rapl-mmio") && packages.contains($0.name) }
        if sensors.isEmpty && notes.isEmpty {
            notes.append("powercap: \(root) has no zone with an energy counter")
        }
        return (sensors, notes)
    }
}

/// One powercap zone: a CPU package (`package-N`) or a part of one (`core`, `uncore`, `dram`), or
/// the platform (`psys`).
public final class PowercapSensor: PowerSensor, Sendable {
    public let folder: String
    public let zone: String
    public let name: String
    public var id: String { "rapl:\(zone)" }
    public var source: String { "rapl" }
    public var scope: SensorScope { .cpuPackage }
    public var isCPUPackage: Bool { name.hasPrefix("package") }
    let rangeJoules: Double?

    init(folder: String, zone: String, name: String) throws {
        self.folder = folder
        self.zone = zone
        self.name = name
        rangeJoules = (try? readSysfs(folder + "/max_energy_range_uj")).flatMap { Double($0.trimmed()) }.map { $0 / 1e6 }
        _ = try read()
    }

    public func read() throws -> SensorReading {
        let text = try readSysfs(folder + "/energy_uj")
        guard let microjoules = Double(text.trimmed()) else {
            throw SensorError("powercap: \(folder)/energy_uj holds '\(text.trimmed())', not a number")
        }
        return SensorReading(energyJoules: microjoules / 1e6, energyRangeJoules: rangeJoules)
    }
}

/// A failed read of a small kernel file, with its errno.
struct SysfsError: Error, CustomStringConvertible {
    var path: String
    var code: Int32
    var description: String { "\(path): \(String(cString: strerror(code)))" }
}

/// Reads a small text file (sysfs) with plain POSIX calls, so the errno is kept.
func readSysfs(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SysfsError(path: path, code: errno) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw SysfsError(path: path, code: errno) }
        if n == 0 { break }
        bytes += buffer.prefix(n)
        if bytes.count > 1 << 20 { break }
    }
    return String(decoding: bytes, as: UTF8.self)
}
