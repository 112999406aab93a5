import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Remembers the fastest verified GEMM configuration per device, driver, precision and
/// kernel source hash, so the next run skips tuning. Stored as JSON in
/// `$SUANLI_CACHE_DIR`, else `$XDG_CACHE_HOME/suanli`, else `~/.cache/suanli` (`tuning.json`):
/// an object of key text → record; a record is the configuration's name alone (older files, and
/// the engine GEMMs) or an object with what the tuning measured, which
/// `Scripts/dev/export-tuning-database.py` turns into ``TuningDatabase`` entries.
public final class TuningCache: Sendable {
    public struct Key: Hashable, Sendable {
        var device: String, driver: String, precision: String, sourceHash: String
        var text: String { [device, driver, precision, sourceHash].joined(separator: " | ") }
    }

    /// One cached choice. Apart from `config`, the fields are those of a database entry's
    /// provenance, present when the classic GEMM tuner wrote the record.
    @SnakeCaseCodingKeys
    public struct Record: Codable, Sendable, Equatable {
        public var config: String
        public var family: String?
        public var device: String?
        public var driver: String?
        public var platform: String?
        public var precision: String?
        public var kernelHash: String?
        public var gflops: Double?
        public var runnerUp: String?
        public var runnerUpGflops: Double?
        public var shape: String?
        public var date: String?
        public var suanliVersion: String?
        public var commit: String?

        public init(config: String) { self.config = config }

        /// A bare name is a record with only `config`.
        public init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.init(config: name)
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(config: try c.decode(String.self, forKey: .config))
            family = try c.decodeIfPresent(String.self, forKey: .family)
            device = try c.decodeIfPresent(String.self, forKey: .device)
            driver = try c.decodeIfPresent(String.self, forKey: .driver)
            platform = try c.decodeIfPresent(String.self, forKey: .platform)
            precision = try c.decodeIfPresent(String.self, forKey: .precision)
            kernelHash = try c.decodeIfPresent(String.self, forKey: .kernelHash)
            gflops = try c.decodeIfPresent(Double.self, forKey: .gflops)
            runnerUp = try c.decodeIfPresent(String.self, forKey: .runnerUp)
            runnerUpGflops = try c.decodeIfPresent(Double.self, forKey: .runnerUpGflops)
            shape = try c.decodeIfPresent(String.self, forKey: .shape)
            date = try c.decodeIfPresent(String.self, forKey: .date)
            suanliVersion = try c.decodeIfPresent(String.self, forKey: .suanliVersion)
            commit = try c.decodeIfPresent(String.self, forKey: .commit)
        }

        /// A record with only `config` is written as the bare name, as older versions read it.
        public func encode(to encoder: any Encoder) throws {
            if self == Record(config: config) {
                var single = encoder.singleValueContainer()
                try single.encode(config)
                return
            }
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(config, forKey: .config)
            try c.encodeIfPresent(family, forKey: .family)
            try c.encodeIfPresent(device, forKey: .device)
            try c.encodeIfPresent(driver, forKey: .driver)
            try c.encodeIfPresent(platform, forKey: .platform)
            try c.encodeIfPresent(precision, forKey: .precision)
            try c.encodeIfPresent(kernelHash, forKey: .kernelHash)
            try c.encodeIfPresent(gflops, forKey: .gflops)
            try c.encodeIfPresent(runnerUp, forKey: .runnerUp)
            try c.encodeIfPresent(runnerUpGflops, forKey: .runnerUpGflops)
            try c.encodeIfPresent(shape, forKey: .shape)
            try c.encodeIfPresent(date, forKey: .date)
            try c.encodeIfPresent(suanliVersion, forKey: .suanliVersion)
            try c.encodeIfPresent(commit, forKey: .commit)
        }
    }

    public let path: String?
    private let entries: Mutex<[String: Record]>

    public init(path: String?) {
        self.path = path
        var loaded: [String: Record] = [:]
        if let path, let data = FileManager.default.contents(atPath: path),
           let decoded = try? JSONDecoder().decode([String: Record].self, from: data) {
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

    func lookup(_ key: Key) -> String? { entries.withLock { $0[key.text]?.config } }

    func record(_ key: Key) -> Record? { entries.withLock { $0[key.text] } }

    func store(_ key: Key, _ configName: String) { store(key, Record(config: configName)) }

    /// Records the choice and rewrites the file atomically; a cache that cannot be written is not an error.
    func store(_ key: Key, _ record: Record) {
        let snapshot = entries.withLock { dict -> [String: Record] in
            dict[key.text] = record
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
