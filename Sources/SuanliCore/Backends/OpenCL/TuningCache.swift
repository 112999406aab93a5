import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Remembers the fastest verified GEMM configuration per device, driver, precision and
/// kernel source hash, so the next run skips tuning. Stored as JSON in
/// `$SUANLI_CACHE_DIR`, else `$XDG_CACHE_HOME/suanli`, else `~/.cache/suanli` (`tuning.json`).
public final class TuningCache: Sendable {
    public struct Key: Hashable, Sendable {
        var device: String, driver: String, precision: String, sourceHash: String
        var text: String { [device, driver, precision, sourceHash].joined(separator: " | ") }
    }

    public let path: String?
    private let entries: Mutex<[String: String]>

    public init(path: String?) {
        self.path = path
        var loaded: [String: String] = [:]
        if let path, let data = FileManager.default.contents(atPath: path),
           let decoded = try? JSONDecoder().decode([String: String].self, from: data) {
            loaded = decoded
        }
        entries = Mutex(loaded)
    }

    /// The default location, or nil when no home or cache folder is known.
    public static func defaultPath() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SUANLI_CACHE_DIR"], !dir.isEmpty { return dir + "/tuning.json" }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/suanli/tuning.json" }
        if let home = env["HOME"], !home.isEmpty { return home + "/.cache/suanli/tuning.json" }
        return nil
    }

    func lookup(_ key: Key) -> String? { entries.withLock { $0[key.text] } }

    /// Records the choice and rewrites the file atomically; a cache that cannot be written is not an error.
    func store(_ key: Key, _ configName: String) {
        let snapshot = entries.withLock { dict -> [String: String] in
            dict[key.text] = configName
            return dict
        }
        guard let path else { return }
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(snapshot) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
