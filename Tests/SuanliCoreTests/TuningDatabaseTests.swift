import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

/// The shipped GEMM tuning database: its lookup order (cache, then database, then tuning), the
/// checks an entry must pass, and the embedded file itself.
@Suite struct TuningDatabaseTests {
    static let hash = "0123456789abcdef"
    static let cpuFamily = "cpu:pocl:AuthenticAMD-25-1"

    static func cpuDevice(maxWorkGroupSize: Int = 4096, platform: String = "Portable Computing Language") -> DeviceInfo {
        DeviceInfo(id: "opencl:0:0", name: "pthread-test-cpu", vendor: "AuthenticAMD", vendorID: 0x1022, driverVersion: "test",
                   deviceVersion: "OpenCL 3.0", openCLCVersion: "OpenCL C 1.2", platformName: platform, platformVersion: "OpenCL 3.0",
                   type: .cpu, computeUnits: 2, maxClockMHz: 3000, globalMemoryBytes: 8 << 30, localMemoryBytes: 256 << 10,
                   maxAllocationBytes: 2 << 30, globalCacheBytes: 1 << 20, maxWorkGroupSize: maxWorkGroupSize,
                   maxWorkItemSizes: [maxWorkGroupSize, maxWorkGroupSize, maxWorkGroupSize],
                   preferredVectorWidth: VectorWidths(float: 8, double: 4, half: 0),
                   nativeVectorWidth: VectorWidths(float: 8, double: 4, half: 0), supportsFP64: true, advertisesFP16: false,
                   profilingTimerResolutionNs: 1, extensions: [])
    }

    static func entry(_ config: String, family: String = cpuFamily, precision: String = "fp32", hash: String = hash,
                      gflops: Double = 50, runnerUp: (String, Double)? = ("other", 40)) -> TuningDatabase.Entry {
        TuningDatabase.Entry(family: family, precision: precision, kernelHash: hash, config: config, provenance: .init(
            device: "pthread-test-cpu", driver: "test", platform: "Portable Computing Language", date: "2026-12-07T00:00:00Z",
            gflops: gflops, runnerUp: runnerUp?.0, runnerUpGflops: runnerUp?.1, shape: "1024x1024x1024",
            suanliVersion: "0.1.0", commit: "abc"))
    }

    static let configs = [
        GEMMConfig(name: "cpu-a", defines: [:], local: [1, 8], tileM: 32, tileN: 32, deviceType: "cpu"),
        GEMMConfig(name: "cpu-b", defines: [:], local: [1, 16], tileM: 32, tileN: 32, deviceType: "cpu"),
        GEMMConfig(name: "gpu-c", defines: [:], local: [16, 16], tileM: 64, tileN: 64, deviceType: "gpu"),
    ]

    static func key(_ info: DeviceInfo, precision: String = "fp32", hash: String = hash) -> TuningCache.Key {
        TuningCache.Key(device: info.name, driver: info.driverVersion, precision: precision, sourceHash: hash)
    }

    static func candidates(_ database: TuningDatabase, cache: TuningCache = TuningCache(path: nil), info: DeviceInfo = cpuDevice(),
                           family: String = cpuFamily, hash: String = hash, retune: Bool = false,
                           notes: LogLines = LogLines()) -> [TunedCandidate] {
        GEMMTuningLookup.candidates(key: key(info, hash: hash), family: family, retune: retune, cache: cache,
                                    database: database, configs: configs, info: info, note: notes.append)
    }

    @Test func familyIsTheArchitectureOrTheDriverAndCPU() throws {
        #expect(TuningDatabase.family(of: try DeviceReplayTests.device("h100-sxm"), cpu: nil) == "nvidia:sm_90")
        #expect(TuningDatabase.family(of: try DeviceReplayTests.device("rtx-4090"), cpu: nil) == "nvidia:sm_89")
        #expect(TuningDatabase.family(of: try DeviceReplayTests.device("mi300x"), cpu: nil) == "amd:gfx942")
        #expect(TuningDatabase.family(of: try DeviceReplayTests.device("arc-a770"), cpu: nil) == "intel:ip-12.55")
        let zen3 = CPUIdentity(vendor: "AuthenticAMD", family: 25, model: 1)
        #expect(TuningDatabase.family(of: Self.cpuDevice(), cpu: zen3) == Self.cpuFamily)
        #expect(TuningDatabase.family(of: Self.cpuDevice(platform: "Intel(R) OpenCL"), cpu: zen3) == "cpu:intel:AuthenticAMD-25-1")
        #expect(TuningDatabase.family(of: Self.cpuDevice(), cpu: CPUIdentity(vendor: "0x41", part: 0xd40)) == "cpu:pocl:0x41-0xd40")
        #expect(TuningDatabase.family(of: Self.cpuDevice(), cpu: nil) == "cpu:pocl:pthread-test-cpu")
    }

    @Test func anEntryIsFoundByFamilyPrecisionAndHash() {
        let database = TuningDatabase(entries: [Self.entry("cpu-a", family: "cpu:intel:AuthenticAMD-25-1"),
                                                Self.entry("cpu-b"), Self.entry("cpu-a", precision: "fp64")])
        let found = Self.candidates(database)
        #expect(found.map(\.config.name) == ["cpu-b"])
        #expect(found.first?.selectedBy == "database:\(Self.cpuFamily)")
        #expect(found.first?.entry == Self.entry("cpu-b"))
        #expect(Self.candidates(database, family: "cpu:pocl:GenuineIntel-6-143").isEmpty)
    }

    @Test func anEntryForOtherKernelsIsIgnored() {
        let database = TuningDatabase(entries: [Self.entry("cpu-b", hash: "fedcba9876543210")])
        #expect(Self.candidates(database).isEmpty)
        #expect(Self.candidates(database, hash: "fedcba9876543210").map(\.config.name) == ["cpu-b"])
    }

    @Test func theLocalCacheWinsOverTheDatabase() {
        let cache = TuningCache(path: nil)
        cache.store(Self.key(Self.cpuDevice()), "cpu-a")
        let found = Self.candidates(TuningDatabase(entries: [Self.entry("cpu-b")]), cache: cache)
        #expect(found.map(\.selectedBy) == ["cache", "database:\(Self.cpuFamily)"])
        #expect(found.map(\.config.name) == ["cpu-a", "cpu-b"])
        // Both agree: the choice is the cache's, listed once.
        cache.store(Self.key(Self.cpuDevice()), "cpu-b")
        #expect(Self.candidates(TuningDatabase(entries: [Self.entry("cpu-b")]), cache: cache).map(\.selectedBy) == ["cache"])
    }

    @Test func retuneIgnoresCacheAndDatabase() {
        let cache = TuningCache(path: nil)
        cache.store(Self.key(Self.cpuDevice()), "cpu-a")
        let database = TuningDatabase(entries: [Self.entry("cpu-b")])
        #expect(Self.candidates(database, cache: cache, retune: true).isEmpty)
        #expect(Self.candidates(database, cache: cache, retune: false).count == 2)
    }

    @Test func anEntryBeyondTheDeviceLimitsIsIgnored() {
        let notes = LogLines()
        let small = Self.cpuDevice(maxWorkGroupSize: 8)
        let database = TuningDatabase(entries: [Self.entry("cpu-b")])
        #expect(Self.candidates(database, info: small, notes: notes).isEmpty)
        #expect(notes.all.contains { $0.contains("cpu-b") && $0.contains("CL_DEVICE_MAX_WORK_GROUP_SIZE") }, "\(notes.all)")
        #expect(Self.candidates(database, info: Self.cpuDevice(maxWorkGroupSize: 16)).map(\.config.name) == ["cpu-b"])
    }

    @Test func aPlantedWrongEntryIsRejected() throws {
        // Names a configuration gemm.tuning.json does not list, or one for another device type.
        for (name, reason) in [("cpu-z", "does not list"), ("gpu-c", "for gpu devices")] {
            let notes = LogLines()
            #expect(Self.candidates(TuningDatabase(entries: [Self.entry(name)]), notes: notes).isEmpty, "\(name)")
            #expect(notes.all.contains { $0.contains(name) && $0.contains(reason) }, "\(notes.all)")
        }
        // Entries that do not hold up on their own are refused when the file is read.
        let good = try Self.fileText([Self.entry("cpu-a")])
        #expect(try TuningDatabase.parse(good).entries == [Self.entry("cpu-a")])
        let bad: [(String, [TuningDatabase.Entry])] = [
            ("runner-up faster", [Self.entry("cpu-a", gflops: 10, runnerUp: ("cpu-b", 20))]),
            ("no measurement", [Self.entry("cpu-a", gflops: 0)]),
            ("runner-up is the choice", [Self.entry("cpu-a", runnerUp: ("cpu-a", 20))]),
            ("unknown precision", [Self.entry("cpu-a", precision: "fp128")]),
            ("empty family", [Self.entry("cpu-a", family: " ")]),
            ("twice", [Self.entry("cpu-a"), Self.entry("cpu-b")]),
        ]
        for (what, entries) in bad {
            #expect(throws: BenchmarkError.self, "\(what)") { try TuningDatabase.parse(try Self.fileText(entries)) }
        }
        // Without provenance, or in another format.
        let bare = #"{"format": 1, "entries": [{"family": "x", "precision": "fp32", "kernel_hash": "1", "config": "cpu-a"}]}"#
        #expect(throws: BenchmarkError.self) { try TuningDatabase.parse(bare) }
        #expect(throws: BenchmarkError.self) { try TuningDatabase.parse(good.replacingOccurrences(of: #""format":1"#, with: #""format":2"#)) }
    }

    static func fileText(_ entries: [TuningDatabase.Entry]) throws -> String {
        var text = String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
        text = #"{"format":1,"entries":"# + text + "}"
        return text
    }

    /// The shipped file parses, every entry has its provenance, and names a configuration of the
    /// shipped gemm.tuning.json meant for the family's kind of device.
    @Test func theEmbeddedDatabaseParsesWithProvenance() throws {
        let text = try #require(KernelSources.embedded.files[TuningDatabase.file])
        let database = try TuningDatabase.parse(text)
        #expect(!database.entries.isEmpty)
        let configs = try GEMMConfig.load(from: .embedded)
        for entry in database.entries {
            let config = try #require(configs.first { $0.name == entry.config }, "\(entry.family) \(entry.precision): \(entry.config)")
            #expect(config.applies(to: entry.family.hasPrefix("cpu:") ? .cpu : .gpu), "\(entry.family): \(entry.config)")
            #expect(entry.formatProblem == nil)
            #expect(!entry.provenance.device.isEmpty && !entry.provenance.driver.isEmpty && !entry.provenance.commit.isEmpty)
            #expect(entry.provenance.gflops > 0 && ISO8601DateFormatter().date(from: entry.provenance.date) != nil, "\(entry.provenance.date)")
        }
    }

    /// Older cache files hold bare names; records with measurements round-trip through the file.
    @Test func cacheRecordsKeepWhatTheTunerMeasured() throws {
        let path = NSTemporaryDirectory() + "suanli-test-tuning-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"old | 1 | fp32 | 2": "cpu-a"}"#.utf8).write(to: URL(fileURLWithPath: path))
        let old = TuningCache(path: path)
        let oldKey = TuningCache.Key(device: "old", driver: "1", precision: "fp32", sourceHash: "2")
        #expect(old.lookup(oldKey) == "cpu-a")
        var record = TuningCache.Record(config: "cpu-b")
        record.gflops = 12.5
        record.runnerUp = "cpu-a"
        record.family = Self.cpuFamily
        old.store(Self.key(Self.cpuDevice()), record)
        let reread = TuningCache(path: path)
        #expect(reread.record(Self.key(Self.cpuDevice())) == record)
        #expect(reread.record(oldKey) == TuningCache.Record(config: "cpu-a"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(json[oldKey.text] as? String == "cpu-a")
    }
}

/// The lookup order on a real OpenCL device (PoCL here and in CI).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil), .serialized)
struct OpenCLTuningDatabaseTests {
    /// A backend whose kernels carry `database` instead of the shipped one, with a fresh cache.
    func backend(_ device: DiscoveredOpenCLDevice, database: [TuningDatabase.Entry], cache: TuningCache,
                 log: LogLines = LogLines()) throws -> OpenCLBackend {
        var files = KernelSources.embedded.files
        files[TuningDatabase.file] = try TuningDatabaseTests.fileText(database)
        return try OpenCLBackend(device: device, sources: KernelSources(files: files, origin: "test"), tuningCache: cache, log: { log.append($0) })
    }

    func selected(_ backend: OpenCLBackend, retune: Bool = false) throws -> (by: String?, config: String?) {
        let runner = try backend.makeGEMM(precision: .fp32, shape: GEMMShape(square: 64), retune: retune)
        return (runner.parameters["selected_by"], runner.parameters["config"])
    }

    @Test func theDatabaseIsUsedAfterTheCacheAndBeforeTuning() throws {
        let device = try #require(try openCLTestDevices().first)
        let family = TuningDatabase.family(of: device.info, cpu: TuningDatabase.hostCPU)
        let hash = try TuningDatabase.kernelHash(.embedded)
        let configs = try GEMMConfig.load(from: .embedded).filter { $0.applies(to: device.info.type) }
        try #require(configs.count >= 2)
        let planted = configs[1].name
        let path = NSTemporaryDirectory() + "suanli-test-tuning-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cache = TuningCache(path: path)
        let entry = TuningDatabaseTests.entry(planted, family: family, hash: hash, runnerUp: nil)

        // Empty cache: the database's entry, said so, and not copied into the cache.
        let lines = LogLines()
        let fromDatabase = try selected(try backend(device, database: [entry], cache: cache, log: lines))
        #expect(fromDatabase.by == "database:\(family)" && fromDatabase.config == planted)
        #expect(lines.all.contains { $0.contains("from the tuning database") && $0.contains(entry.provenance.device) }, "\(lines.all)")
        #expect(!FileManager.default.fileExists(atPath: path))

        // An entry for other kernels is not used: tuned now, and the cache records the measurement.
        var stale = entry
        stale.kernelHash = "0"
        let tuned = try selected(try backend(device, database: [stale], cache: cache))
        #expect(tuned.by == "tuned now")
        let key = TuningCache.Key(device: device.info.name, driver: device.info.driverVersion, precision: "fp32", sourceHash: hash)
        let record = try #require(TuningCache(path: path).record(key))
        #expect(record.config == tuned.config && record.family == family && record.kernelHash == hash)
        #expect((record.gflops ?? 0) > 0 && record.shape == "64x64x64" && record.commit == EmbeddedKernels.gitCommit)
        if let runnerUp = record.runnerUpGflops { #expect(runnerUp <= record.gflops!) }

        // The cache now wins over the database, whichever configuration the database names.
        let otherName = configs.first { $0.name != record.config }!.name
        var other = entry
        other.config = otherName
        let fromCache = try selected(try backend(device, database: [other], cache: TuningCache(path: path)))
        #expect(fromCache.by == "cache" && fromCache.config == record.config)

        // --retune: neither.
        let retuned = try selected(try backend(device, database: [other], cache: TuningCache(path: path)), retune: true)
        #expect(retuned.by == "tuned now")
    }
}
