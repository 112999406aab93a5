import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A cluster run (`suanli bench --mpi`) as a library: each rank measures its node-local device
/// (chosen by local rank), all ranks run the all-reduce suite together, and rank 0 gathers
/// everything into one document. A rank that fails calls `abort`, which must end the job
/// (MPI_Abort); nothing is returned then, so a failed job leaves no file.
@MemberwiseInit
public struct ClusterRunner {
    public var mpi: MPI
    public var plan: BenchPlan
    public var stepTimeout: Double
    public var tool: ResultDocument.ToolInfo

    /// "rank R on HOST", for messages.
    public var who: String { "rank \(mpi.rank) on \(mpi.processorName)" }

    /// The device this rank measures: the node's GPUs shared out by local rank; without GPUs (or
    /// when `ids` is given), the chosen backend, with the CPU cores shared among the node's ranks.
    public func backend(inventory: DeviceInventory, ids: [String], sources: KernelSources,
                        cpuVariant: CPUKernelVariant?, log: @escaping @Sendable (String) -> Void) throws -> any BenchmarkBackend {
        // Backends are built in one place (``DeviceInventory/backends(ids:sources:cpuVariant:cpuThreads:tuningCache:log:noGPU:)``).
        var ids = ids
        if ids.isEmpty, !inventory.gpus.isEmpty { ids = [inventory.gpus[mpi.localRank % inventory.gpus.count].info.id] }
        let threads = max(1, inventory.host.logicalCores / max(1, mpi.localSize))
        guard let chosen = try inventory.backends(ids: ids, sources: sources, cpuVariant: cpuVariant, cpuThreads: threads,
                                                  log: log).first else {
            throw BenchmarkError("no device to measure")
        }
        return chosen
    }

    /// Runs this rank's part. Returns the gathered document on rank 0 and nil on the others.
    /// `abort` receives a one-line reason and must not return.
    ///
    /// The ranks first agree on one list of steps (the union of their own, which differ when their
    /// devices do) and measure their clocks against rank 0's; then every rank waits at a barrier
    /// before each step, also before a step it does not run, and records when it ran each step.
    public func run(backend: any BenchmarkBackend, host: HostInfo, commandLine: [String] = CommandLine.arguments,
                    progress: (BenchEvent) -> Void = { _ in }, abort: (String) -> Never) -> ResultDocument? {
        var measurements: [Measurement] = []
        var measurementSteps: [String] = []
        var windows: [StepWindow] = []
        let own = plan.steps(for: backend).filter { $0.suite != .allreduce }
        let labels = StepAlignment.uniqueLabels(own.map(\.label))
        let byLabel = Dictionary(zip(labels, own), uniquingKeysWith: { first, _ in first })
        let schedule: [String]
        let startClock: ClockSync?
        do {
            schedule = try agreeOnSchedule(labels)
            startClock = try ClockSync.measure(mpi)
        } catch { abort("\(error)") }
        var index = 0
        for label in schedule {
            mpi.barrier()
            guard let step = byLabel[label] else { continue }
            let start = monotonicSeconds()
            progress(.stepStarted(device: backend.descriptor.id, index: index, count: own.count, step: step))
            guard let results = BenchRunner.runWithWatchdog(step, backend: backend, plan: plan, timeout: stepTimeout) else {
                abort("\(step.label) hung (watchdog, \(Int(stepTimeout)) s)")
            }
            windows.append(StepWindow(step: label, start: start, end: monotonicSeconds()))
            measurements += results
            measurementSteps += Array(repeating: label, count: results.count)
            index += 1
            progress(.stepFinished(device: backend.descriptor.id, step: step, measurements: results))
        }
        mpi.barrier()
        let endClock: ClockSync?
        do { endClock = try ClockSync.measure(mpi) } catch { abort("\(error)") }
        var collective: [Measurement] = []
        if plan.suites.contains(.allreduce) {
            collective = ClusterBench.allreduce(mpi, policy: plan.policy, quick: plan.quick)
        }

        // Ids unique across the job: r<rank>:<device id>.
        let prefix = "r\(mpi.rank):"
        var descriptor = backend.descriptor
        descriptor.id = prefix + descriptor.id
        for i in measurements.indices {
            measurements[i].device = prefix + measurements[i].device
            measurements[i].rank = mpi.rank
        }
        // Windows in this rank's own clock for now: rank 0 moves them onto the common clock.
        let report = RankReport(info: RankInfo(rank: mpi.rank, localRank: mpi.localRank, host: host, devices: [descriptor],
                                               steps: windows),
                                measurements: measurements, measurementSteps: measurementSteps)
        let gathered: [[UInt8]]?
        do { gathered = try mpi.gatherBytes(Array(try JSONEncoder().encode(report))) } catch { abort("\(error)") }
        guard let gathered else { return nil }
        var reports: [RankReport]
        do { reports = try gathered.map { try JSONDecoder().decode(RankReport.self, from: Data($0)) } } catch {
            abort("a rank's report could not be read: \(error)")
        }
        if let startClock {
            let uncertainty = max(startClock.uncertainty, endClock?.uncertainty ?? 0)
            for i in reports.indices {
                let rank = reports[i].info.rank
                guard startClock.offsets.indices.contains(rank) else { continue }
                reports[i].info.steps = reports[i].info.steps?.map {
                    StepWindow(step: $0.step,
                               start: startClock.common($0.start, rank: rank, later: endClock, zero: startClock.reference),
                               end: startClock.common($0.end, rank: rank, later: endClock, zero: startClock.reference))
                }
                reports[i].info.clockOffset = startClock.offsets[rank]
                reports[i].info.clockUncertainty = uncertainty
            }
        }
        var document = ResultDocument(
            runID: String(UInt64.random(in: 0...UInt64.max), radix: 16), created: Date().formatted(.iso8601),
            tool: tool, commandLine: commandLine, host: host,
            devices: reports.flatMap(\.info.devices), measurements: reports.flatMap(\.measurements) + collective,
            incomplete: false)
        document.ranks = reports.map(\.info)
        document.aggregate = ClusterBench.aggregate(reports)
        return document
    }

    /// The job's step list, the same on every rank (collective).
    func agreeOnSchedule(_ labels: [String]) throws -> [String] {
        let gathered = try mpi.gatherBytes(Array(try JSONEncoder().encode(labels)))
        var merged: [UInt8] = []
        if let gathered {
            let perRank = try gathered.map { try JSONDecoder().decode([String].self, from: Data($0)) }
            merged = Array(try JSONEncoder().encode(StepAlignment.schedule(perRank)))
        }
        return try JSONDecoder().decode([String].self, from: Data(try mpi.broadcastBytes(merged)))
    }
}
