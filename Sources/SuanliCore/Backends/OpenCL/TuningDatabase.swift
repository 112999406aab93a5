import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The shipped GEMM tuning database (`Kernels/tuning-database.json`): the best configuration of
/// `gemm.tuning.json` measured per device family and precision, so that a first run on a known
/// device need not tune from scratch. Lookup order: the local ``TuningCache``, then an entry of this
/// database (same family, precision and kernel hash; a configuration this device can launch), then
/// tuning. `--retune` ignores both. Entries come from real runs (`Scripts/dev/export-tuning-database.py`
/// turns a local tuning cache into entries).
public struct TuningDatabase: Sendable, Equatable {
    public static let file = "tuning-database.json"
    public static let formatVersion = 1

    /// Where and how an entry was measured. Every field is required: an entry without its
    /// provenance is rejected when the file is read.
    @SnakeCaseCodingKeys
    public struct Provenance: Codable, Sendable, Equatable {
        public var device: String
        public var driver: String
        public var platform: String
        /// ISO 8601 date of the tuning run.
        public var date: String
        /// GFLOP/s of the chosen configuration at the tuning shape.
        public var gflops: Double
        /// The second fastest verified configuration and its GFLOP/s; nil when only one verified.
        public var runnerUp: String?
        public var runnerUpGflops: Double?
        /// M×N×K the configurations were timed on.
        public var shape: String
        /// Suanli's version, where the record that made the entry knew it; `commit` always says which build ran.
        public var suanliVersion: String?
        public var commit: String
    }

    @SnakeCaseCodingKeys
    public struct Entry: Codable, Sendable, Equatable {
        /// ``TuningDatabase/family(of:cpu:)``: `nvidia:sm_89`, `amd:gfx942`, `intel:ip-12.55`, `cpu:pocl:AuthenticAMD-25-1`.
        public var family: String
        /// The precision's name (`fp32`, `fp64`, `fp16`, `mixed`).
        public var precision: String
        /// ``KernelSources/hash(_:)`` of the GEMM sources and `gemm.tuning.json`, as the tuning cache keys it.
        public var kernelHash: String
        /// A configuration name of `gemm.tuning.json`.
        public var config: String
        public var provenance: Provenance

        /// What is wrong with the entry itself, if anything (checked when the file is read).
        var formatProblem: String? {
            let p = provenance
            for (field, value) in [("family", family), ("precision", precision), ("kernel_hash", kernelHash), ("config", config),
                                   ("device", p.device), ("driver", p.driver), ("platform", p.platform), ("date", p.date),
                                   ("shape", p.shape), ("commit", p.commit)]
            where value.allSatisfy(\.isWhitespace) {
                return "\(field) is empty"
            }
            if Precision(rawValue: precision) == nil { return "unknown precision \"\(precision)\"" }
            if !(p.gflops.isFinite && p.gflops > 0) { return "gflops must be a positive number" }
            if (p.runnerUp == nil) != (p.runnerUpGflops == nil) { return "runner_up and runner_up_gflops go together" }
            if let r = p.runnerUpGflops, !(r.isFinite && r > 0 && r <= p.gflops) {
                return "runner_up_gflops must be positive and at most gflops"
            }
            if p.runnerUp == config { return "the runner-up is the chosen configuration" }
            return nil
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    private struct FileFormat: Codable {
        var format: Int
        var entries: [Entry]
    }

    /// Reads the file's text; a malformed file, or an entry without provenance, is an error.
    public static func parse(_ text: String, origin: String = file) throws -> TuningDatabase {
        let decoded: FileFormat
        do {
            decoded = try JSONDecoder().decode(FileFormat.self, from: Data(text.utf8))
        } catch {
            throw BenchmarkError("\(origin) is not a valid tuning database: \(error)")
        }
        guard decoded.format == formatVersion else {
            throw BenchmarkError("\(origin): format \(decoded.format) is not the one this suanli reads (\(formatVersion))")
        }
        var seen = Set<String>()
        for (index, entry) in decoded.entries.enumerated() {
            if let problem = entry.formatProblem { throw BenchmarkError("\(origin): entry \(index): \(problem)") }
            let id = [entry.family, entry.precision, entry.kernelHash].joined(separator: " | ")
            guard seen.insert(id).inserted else { throw BenchmarkError("\(origin): entry \(index) repeats \(id)") }
        }
        return TuningDatabase(entries: decoded.entries)
    }

    /// The database of a kernel set: its own `tuning-database.json`, else the embedded one.
    static func load(from sources: KernelSources) throws -> TuningDatabase {
        if let text = sources.files[file] { return try parse(text, origin: "\(file) (\(sources.origin))") }
        if let text = KernelSources.embedded.files[file] { return try parse(text, origin: "\(file) (embedded)") }
        return TuningDatabase(entries: [])
    }

    /// The hash entries and the tuning cache key the classic GEMM on: `gemm.cl` as compiled
    /// (with its preludes) and `gemm.tuning.json`.
    static func kernelHash(_ sources: KernelSources) throws -> String {
        KernelSources.hash(try sources.source("gemm.cl") + (sources.files["gemm.tuning.json"] ?? ""))
    }

    /// The entry for this family, precision and kernel hash (only an exact hash match counts).
    func entry(family: String, precision: String, kernelHash: String) -> Entry? {
        entries.first { $0.family == family && $0.precision == precision && $0.kernelHash == kernelHash }
    }

    // MARK: device family

    /// The device family an entry is keyed on: what decides which configuration is fastest.
    /// GPUs: the architecture (NVIDIA compute capability, AMD gfx target, Intel IP version), else the
    /// vendor and device name. CPU devices: the OpenCL driver (PoCL, Intel's runtime, other
    /// platforms by name) and the CPU's identity (x86 vendor, family, model; arm64 implementer and part).
    public static func family(of info: DeviceInfo, cpu: CPUIdentity?) -> String {
        let facts = ComputeDeviceFacts(info)
        if info.type == .cpu {
            return "cpu:" + driverFamily(info) + ":" + (cpu.map(cpuFamily) ?? slug(info.name))
        }
        if facts.isNVIDIA, let sm = facts.nvidiaSM { return "nvidia:sm_\(sm)" }
        if facts.isAMD, let gfx = facts.amdGfx { return "amd:\(gfx)" }
        if facts.isIntel, let ip = facts.intelIP { return "intel:ip-\(ip.arch).\(ip.release)" }
        return slug(info.vendor) + ":" + slug(info.name)
    }

    static func driverFamily(_ info: DeviceInfo) -> String {
        let platform = info.platformName.lowercased()
        if platform.contains("portable computing language") || platform.contains("pocl") { return "pocl" }
        if platform.contains("intel") { return "intel" }
        return slug(info.platformName)
    }

    static func cpuFamily(_ cpu: CPUIdentity) -> String {
        if let part = cpu.part { return "\(cpu.vendor)-0x\(String(part, radix: 16))" }
        return ([cpu.vendor] + [cpu.family, cpu.model].compactMap { $0.map(String.init) }).joined(separator: "-")
    }

    /// Lower case, runs of other characters as one `-`.
    static func slug(_ text: String) -> String {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") }.joined(separator: "-")
    }

    /// This machine's CPU identity (the CPU family of OpenCL CPU devices), read once.
    static let hostCPU: CPUIdentity? = HostInfo.current().cpuIdentity
}

/// A GEMM configuration to try before tuning, and where it came from (`selected_by`).
struct TunedCandidate: Sendable {
    var config: GEMMConfig
    /// `cache` or `database:<family>`.
    var selectedBy: String
    /// The database entry, for candidates from the database.
    var entry: TuningDatabase.Entry?
}

/// Which configurations precede tuning, in order: the local cache's choice, then the database's
/// entry for the device's family. `--retune` skips both; the database never replaces the cache.
enum GEMMTuningLookup {
    static func candidates(key: TuningCache.Key, family: String, retune: Bool, cache: TuningCache,
                           database: TuningDatabase, configs: [GEMMConfig], info: DeviceInfo,
                           note: (String) -> Void = { _ in }) -> [TunedCandidate] {
        guard !retune else { return [] }
        var found: [TunedCandidate] = []
        if let name = cache.lookup(key), let config = configs.first(where: { $0.name == name }), config.applies(to: info.type) {
            found.append(TunedCandidate(config: config, selectedBy: "cache"))
        }
        guard let entry = database.entry(family: family, precision: key.precision, kernelHash: key.sourceHash) else {
            return found
        }
        let what = "tuning database entry for \(family) \(key.precision) (\(entry.provenance.device), \(entry.provenance.date))"
        guard let config = configs.first(where: { $0.name == entry.config }) else {
            note("\(what) names \(entry.config), which gemm.tuning.json does not list; ignored")
            return found
        }
        guard config.applies(to: info.type) else {
            note("\(what) names \(config.name), a configuration for \(config.deviceType ?? "any") devices; ignored")
            return found
        }
        if let violation = config.deviceLimitViolation(maxWorkGroupSize: info.maxWorkGroupSize, maxWorkItemSizes: info.maxWorkItemSizes) {
            note("\(what): \(config.name) does not fit this device (\(violation)); ignored")
            return found
        }
        if found.first?.config.name != config.name {
            found.append(TunedCandidate(config: config, selectedBy: "database:\(family)", entry: entry))
        }
        return found
    }
}

extension OpenCLBackend {
    /// A GEMM on `gemm.cl` (`gemm.tuning.json`'s configurations): the local cache's choice, else the
    /// tuning database's for this device family, else tuned now (and cached, with what was measured).
    func makeClassicGEMM(precision: Precision, shape: GEMMShape, retune: Bool) throws -> any GEMMRunner {
        let configs = try GEMMConfig.load(from: sources)
        let key = TuningCache.Key(device: info.name, driver: info.driverVersion, precision: precision.rawValue,
                                  sourceHash: try TuningDatabase.kernelHash(sources))
        let family = TuningDatabase.family(of: info, cpu: TuningDatabase.hostCPU)
        let database = try TuningDatabase.load(from: sources)
        let candidates = GEMMTuningLookup.candidates(key: key, family: family, retune: retune, cache: tuningCache,
                                                     database: database, configs: configs, info: info, note: log)
        for candidate in candidates {
            do {
                let runner = try OpenCLGEMMRunner(backend: self, precision: precision, shape: shape, config: candidate.config,
                                                  tunedFrom: candidate.selectedBy)
                if let p = candidate.entry?.provenance {
                    log("gemm \(precision.rawValue): \(candidate.config.name) from the tuning database (\(family): "
                        + "\(formatted(p.gflops, decimals: 1)) GFLOP/s on \(p.device), \(p.driver), \(p.date)); --retune tunes here")
                }
                return runner
            } catch let skip as GEMMConfigUnsuitable {
                log("gemm \(precision.rawValue) \(candidate.config.name) from the \(candidate.selectedBy) cannot run this shape (\(skip))")
            } catch where candidate.entry != nil {
                // A database entry was measured elsewhere: failing here sends us to tuning, not to a failed run.
                let line = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
                log("gemm \(precision.rawValue) \(candidate.config.name) from the \(candidate.selectedBy) failed here (\(line))")
            }
        }
        if !candidates.isEmpty { log("tuning gemm \(precision.rawValue) again") }
        let tuning = try GEMMTuner.measure(backend: self, precision: precision, shape: shape, configs: configs)
        tuningCache.store(key, TuningCache.Record(tuning, key: key, family: family, info: info))
        return try OpenCLGEMMRunner(backend: self, precision: precision, shape: shape, config: tuning.best, tunedFrom: "tuned now")
    }
}

extension TuningCache.Record {
    /// What a tuning run found, with the provenance a database entry needs.
    init(_ tuning: GEMMTuning, key: TuningCache.Key, family: String, info: DeviceInfo, date: Date = Date()) {
        self.init(
            config: tuning.best.name, family: family, device: info.name, driver: info.driverVersion,
            platform: info.platformName, precision: key.precision, kernelHash: key.sourceHash, gflops: tuning.gflops,
            runnerUp: tuning.runnerUp?.name, runnerUpGflops: tuning.runnerUp?.gflops,
            shape: "\(tuning.shape.m)x\(tuning.shape.n)x\(tuning.shape.k)", date: date.formatted(.iso8601),
            commit: EmbeddedKernels.gitCommit)
    }
}
