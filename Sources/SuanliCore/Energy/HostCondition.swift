import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The host CPU's clocks (mean of `cpufreq/scaling_cur_freq` over the cores), temperature (the
/// hottest `coretemp`/`k10temp`/`zenpower` sensor in hwmon) and thermal-throttle event counts
/// (`thermal_throttle/*_count`, Intel), read from sysfs. Missing files leave fields out.
public final class HostCondition: ConditionSource, Sendable {
    let root: String

    /// `root` replaces `/sys` (tests).
    public init(root: String = "/sys") { self.root = root }

    public var pollsDuringWindow: Bool { false }

    public func condition() -> DeviceCondition? {
        var result = DeviceCondition()
        let cpuFolder = root + "/devices/system/cpu"
        let cpus = ((try? FileManager.default.contentsOfDirectory(atPath: cpuFolder)) ?? [])
            .filter { $0.hasPrefix("cpu") && Int($0.dropFirst(3)) != nil }
        var kilohertz: [Double] = []
        var throttleEvents: Int?
        for cpu in cpus {
            if let text = try? readSysfs("\(cpuFolder)/\(cpu)/cpufreq/scaling_cur_freq"), let value = Double(text.trimmed()) {
                kilohertz.append(value)
            }
            for counter in ["core_throttle_count", "package_throttle_count"] {
                if let text = try? readSysfs("\(cpuFolder)/\(cpu)/thermal_throttle/\(counter)"), let value = Int(text.trimmed()) {
                    throttleEvents = (throttleEvents ?? 0) + value
                }
            }
        }
        if !kilohertz.isEmpty { result.clocksMHz = ["cpu": (kilohertz.reduce(0, +) / Double(kilohertz.count) / 1000).rounded()] }
        result.throttleEventCount = throttleEvents
        let hwmon = root + "/class/hwmon"
        var hottest: Double?
        for monitor in (try? FileManager.default.contentsOfDirectory(atPath: hwmon)) ?? [] {
            let folder = hwmon + "/" + monitor
            guard let name = try? readSysfs(folder + "/name"),
                  ["coretemp", "k10temp", "zenpower", "cpu_thermal"].contains(name.trimmed()) else { continue }
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where file.hasPrefix("temp") && file.hasSuffix("_input") {
                if let text = try? readSysfs(folder + "/" + file), let milli = Double(text.trimmed()) {
                    hottest = max(hottest ?? -.infinity, milli / 1000)
                }
            }
        }
        result.temperatureC = hottest
        return result.isEmpty && throttleEvents == nil ? nil : result
    }
}
