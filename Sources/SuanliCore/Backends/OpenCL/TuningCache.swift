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
    @MemberwiseInit
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
    }

    /// A record as the file holds it: the configuration's name alone when the record has nothing
    /// else (as older versions wrote and read it), else the object.
    struct StoredRecord: Codable {
        var record: Record

        init(_ record: Record) { self.record = record }

        init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                record = Record(config: name)
            } else {
                record = try Record(from: decoder)
            }
        }

        func encode(to encoder: any Encoder) throws {
            if record == Record(config: record.config) {
                var single = encoder.singleValueContainer()
                try single.encode(record.config)
            } else {
                try record.encode(to: encoder)
            }
        }
    }

    public let path: String?
    private let entries: Mutex<[String: Record]>

    public init(path: String?) {
        self.path = path
        var loaded: [String: Record] = [:]
        if let path, let data = FileManager.default.contents(atPath: path),
           let decoded = try? JSONDecoder().decode([String: StoredRecord].self, from: data) {
            loaded = decoded.mapValues(\.record)
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
        if let data = try? encoder.encode(snapshot.mapValues(StoredRecord.init)) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
