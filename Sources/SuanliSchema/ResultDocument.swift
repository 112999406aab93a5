#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// One `suanli bench` run: what ran where, and every measurement. Schema in Results/README.md.
@SnakeCaseCodingKeys
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
    /// `suanli burn` runs: every interval and the summary (sustain ratio, errors, throttling).
    public var burn: BurnRecord?

    @SnakeCaseCodingKeys(["openCLKernels": "opencl_kernels"])
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
                    gitCommit: String? = nil) {
            self.gitCommit = gitCommit
            self.name = name
            self.version = version
            self.buildConfiguration = buildConfiguration
            self.cpuKernelVariant = cpuKernelVariant
            self.openCLKernels = openCLKernels
        }
    }

    /// A document with the memory-hierarchy levels given (the `MemoryHierarchy` extension's
    /// initializer finds them in the measurements).
    public init(runID: String, created: String, tool: ToolInfo, commandLine: [String], host: HostInfo,
                devices: [DeviceDescriptor], measurements: [Measurement], incomplete: Bool, hierarchy: [HierarchyLevel]?) {
        schema = Self.currentSchema
        self.runID = runID
        self.created = created
        self.tool = tool
        self.commandLine = commandLine
        self.host = host
        self.devices = devices
        self.measurements = measurements
        self.incomplete = incomplete
        self.hierarchy = hierarchy
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
        try makeDirectories(folder)
        let data = try document.encoded()
        let stamp = document.created.filter { $0.isNumber || $0 == "T" }
        let host = String(document.host.hostname.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(40))
        let base = folder + "/" + stamp + "-" + (host.isEmpty ? "host" : host) + "-" + document.runID.prefix(8)
        let temporary = folder + "/.tmp-" + document.runID + ".json"
        try writeFile(temporary, Array(data))
        defer { unlink(temporary) }
        for attempt in 0..<100 {
            let path = base + (attempt == 0 ? "" : "-\(attempt)") + ".json"
            if link(temporary, path) == 0 { return path }
            if errno != EEXIST { throw ResultWriteError(path: path, cause: lastErrorText()) }
        }
        throw ResultWriteError(path: folder, cause: "no free result file name")
    }

    /// `mkdir -p`, with the failing path and the system's reason.
    static func makeDirectories(_ folder: String) throws {
        var path = folder.hasPrefix("/") ? "" : "."
        for component in folder.split(separator: "/") {
            path += "/" + component
            var info = stat()
            if stat(path, &info) == 0 {
                if (info.st_mode & S_IFMT) != S_IFDIR { throw ResultWriteError(path: path, cause: "not a folder") }
                continue
            }
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw ResultWriteError(path: path, cause: lastErrorText()) }
        }
    }

    /// Writes and flushes a new file, failing with the system's reason.
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ResultWriteError(path: path, cause: lastErrorText()) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let cause = lastErrorText()
                unlink(path)
                throw ResultWriteError(path: path, cause: cause)
            }
            offset += n
        }
        if fsync(fd) != 0 {
            let cause = lastErrorText()
            unlink(path)
            throw ResultWriteError(path: path, cause: cause)
        }
    }

    static func lastErrorText() -> String { String(cString: strerror(errno)) }
}

/// A result file that could not be written: the path and the system's reason, in one line.
public struct ResultWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var cause: String
    public var description: String { "cannot write \(path): \(cause)" }
}
