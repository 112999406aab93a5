#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One `suanli bench` run: what ran where, and every measurement. Schema in Results/README.md.
public struct ResultDocument: Codable, Sendable {
    public static let currentSchema = "suanli.result/2"
    /// Versions this build reads. Version 1 (the first bench format) lacks `tool.git_commit` and
    /// `comparison`, which are optional, so it decodes as is and is migrated to version 2.
    public static let readableSchemas = ["suanli.result/1", "suanli.result/2"]

    public var schema: String
    public var runID: String
    /// ISO 8601, UTC.
    public var created: String
    public var tool: ToolInfo
    public var commandLine: [String]
    public var host: HostInfo
    public var devices: [DeviceDescriptor]
    public var measurements: [Measurement]
    /// True when the run was interrupted or stopped by the watchdog before every step ran.
    public var incomplete: Bool
    /// Cluster runs (`suanli bench --mpi`): every rank's host and devices.
    public var ranks: [RankInfo]?
    /// Cluster runs: each metric across the ranks (totals, slowest, fastest, stragglers).
    public var aggregate: [AggregateRecord]?
    /// The memory-hierarchy levels found in the `cache` and `memlat` curves of each device, with
    /// what the device reports (absent when neither suite ran).
    public var hierarchy: [HierarchyLevel]?

    public struct ToolInfo: Codable, Sendable {
        public var name: String
        public var version: String
        public var buildConfiguration: String
        /// The native CPU kernel variant selected on this machine.
        public var cpuKernelVariant: String
        /// `embedded` or the `--kernels` folder.
        public var openCLKernels: String
        /// The git commit the binary was built from (`unknown` outside a checkout).
        public var gitCommit: String?

        public init(name: String, version: String, buildConfiguration: String, cpuKernelVariant: String, openCLKernels: String,
                    gitCommit: String? = EmbeddedKernels.gitCommit) {
            self.gitCommit = gitCommit
            self.name = name
            self.version = version
            self.buildConfiguration = buildConfiguration
            self.cpuKernelVariant = cpuKernelVariant
            self.openCLKernels = openCLKernels
        }

        enum CodingKeys: String, CodingKey {
            case name, version
            case buildConfiguration = "build_configuration"
            case cpuKernelVariant = "cpu_kernel_variant"
            case openCLKernels = "opencl_kernels"
            case gitCommit = "git_commit"
        }
    }

    enum CodingKeys: String, CodingKey {
        case schema, created, tool, host, devices, measurements, incomplete, ranks, aggregate, hierarchy
        case runID = "run_id"
        case commandLine = "command_line"
    }

    public init(runID: String, created: String, tool: ToolInfo, commandLine: [String], host: HostInfo,
                devices: [DeviceDescriptor], measurements: [Measurement], incomplete: Bool) {
        schema = Self.currentSchema
        self.runID = runID
        self.created = created
        self.tool = tool
        self.commandLine = commandLine
        self.host = host
        self.devices = devices
        self.measurements = measurements
        self.incomplete = incomplete
        let levels = MemoryHierarchy.detect(devices: devices, measurements: measurements)
        hierarchy = levels.isEmpty ? nil : levels
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Writes result files atomically under a folder, never replacing an existing file.
public enum ResultStore {
    /// Writes `document` to `folder/<time>-<host>-<run id>.json`: first to a temporary file in the
    /// same folder, then hard-linked to the final name (which fails rather than overwrite), then
    /// the temporary name removed. Returns the path written.
    public static func write(_ document: ResultDocument, folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = try document.encoded()
        let stamp = document.created.filter { $0.isNumber || $0 == "T" }
        let host = String(document.host.hostname.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(40))
        let base = folder + "/" + stamp + "-" + (host.isEmpty ? "host" : host) + "-" + document.runID.prefix(8)
        let temporary = folder + "/.tmp-" + document.runID + ".json"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw BenchmarkError("cannot write \(temporary)")
        }
        defer { unlink(temporary) }
        for attempt in 0..<100 {
            let path = base + (attempt == 0 ? "" : "-\(attempt)") + ".json"
            if link(temporary, path) == 0 { return path }
            if errno != EEXIST { throw BenchmarkError("cannot create \(path): errno \(errno)") }
        }
        throw BenchmarkError("no free result file name under \(folder)")
    }

    public static func read(_ path: String) throws -> ResultDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError("\(path): cannot be read")
        }
        struct Header: Decodable { var schema: String? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw BenchmarkError("\(path): not a JSON object (corrupt or truncated?)")
        }
        guard let schema = header.schema, schema.hasPrefix("suanli.result/") else {
            throw BenchmarkError("\(path): not a Suanli result file (no suanli.result schema)")
        }
        guard ResultDocument.readableSchemas.contains(schema) else {
            throw BenchmarkError("\(path): schema \(schema) is not supported (this build reads "
                                 + ResultDocument.readableSchemas.joined(separator: ", ") + ")")
        }
        do {
            var document = try JSONDecoder().decode(ResultDocument.self, from: data)
            document.schema = ResultDocument.currentSchema
            return document
        } catch let DecodingError.keyNotFound(key, context) {
            throw BenchmarkError("\(path): invalid \(schema) document: missing '\(key.stringValue)' at \(describe(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw BenchmarkError("\(path): invalid \(schema) document: wrong value at \(describe(context.codingPath))")
        } catch {
            throw BenchmarkError("\(path): invalid \(schema) document (corrupt or truncated)")
        }
    }
}

private func describe(_ path: [any CodingKey]) -> String {
    path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
}
