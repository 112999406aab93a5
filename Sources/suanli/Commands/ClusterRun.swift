import ArgumentParser
import Dispatch
import SuanliCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension BenchCommand {
    /// `suanli bench --mpi`: each rank measures its node-local device (chosen by local rank),
    /// all ranks run the all-reduce suite together, and rank 0 gathers everything into one file.
    /// A rank that fails ends the job (MPI_Abort) with a message naming the rank and host; rank 0
    /// writes the file only after every rank has reported, so a failed job leaves no file.
    func runCluster(plan: BenchPlan, sources: KernelSources) throws {
        let mpi: MPI
        do { mpi = try MPI() } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        let who = "rank \(mpi.rank) on \(mpi.processorName)"
        func fail(_ message: String) -> Never {
            Console.error("\(who): \(message); ending the job")
            mpi.abort(code: BenchExit.measurementFailed)
        }
        installClusterSignalHandlers(who: who)

        let inventory = DeviceInventory.discover()
        // One device per rank: the node's GPUs shared out by local rank; without GPUs, the CPU
        // cores shared out among the node's ranks.
        let backend: any BenchmarkBackend
        do {
            if devices.isEmpty, !inventory.gpus.isEmpty {
                let gpu = inventory.gpus[mpi.localRank % inventory.gpus.count]
                backend = try OpenCLBackend(device: gpu, sources: sources, tuningCache: TuningCache(path: TuningCache.defaultPath()),
                                            log: { Console.note("\(who): \($0)") })
            } else {
                let threads = max(1, inventory.host.logicalCores / max(1, mpi.localSize))
                guard let chosen = try selectBackends(inventory, sources: sources, cpuThreads: threads, quiet: mpi.rank != 0).first else {
                    fail("no device to measure")
                }
                backend = chosen
            }
        } catch {
            fail("\(error)")
        }
        if mpi.rank == 0 {
            Console.note("cluster run: \(mpi.size) ranks; rank 0 measures \(backend.descriptor.id) (\(backend.descriptor.name))")
        }

        var measurements: [Measurement] = []
        for step in plan.steps(for: backend) where step.suite != .allreduce {
            guard let results = runWithWatchdog(step, backend: backend, plan: plan, timeout: stepTimeout) else {
                fail("\(step.label) hung (watchdog, \(Int(stepTimeout)) s)")
            }
            measurements += results
        }
        mpi.barrier()
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
        let report = RankReport(info: RankInfo(rank: mpi.rank, localRank: mpi.localRank, host: inventory.host, devices: [descriptor]),
                                measurements: measurements)
        let gathered: [[UInt8]]?
        do { gathered = try mpi.gatherBytes(Array(try JSONEncoder().encode(report))) } catch { fail("\(error)") }
        guard let gathered else {
            mpi.finalize()
            return
        }
        let reports: [RankReport]
        do { reports = try gathered.map { try JSONDecoder().decode(RankReport.self, from: Data($0)) } } catch {
            fail("a rank's report could not be read: \(error)")
        }
        var document = ResultDocument(
            runID: String(UInt64.random(in: 0...UInt64.max), radix: 16), created: Date().formatted(.iso8601),
            tool: ResultDocument.ToolInfo(name: "suanli", version: SuanliVersion.string, buildConfiguration: SuanliVersion.configuration,
                                          cpuKernelVariant: CPUKernelVariant.forThisMachine.rawValue, openCLKernels: sources.origin),
            commandLine: CommandLine.arguments, host: inventory.host,
            devices: reports.flatMap(\.info.devices), measurements: reports.flatMap(\.measurements) + collective, incomplete: false)
        document.ranks = reports.map(\.info)
        document.aggregate = ClusterBench.aggregate(reports)
        print(ResultRenderer.render(document, format: format))
        if format == .table || format == .markdown { print(ClusterRenderer.render(document)) }
        if !noSave {
            do {
                let path = try ResultStore.write(document, folder: outputDir)
                Console.note("cluster results (\(mpi.size) ranks) saved to \(path)")
            } catch {
                Console.error("could not save results: \(error)")
            }
        }
        let failed = document.measurements.contains { $0.status == .failed }
        mpi.finalize()
        if failed { throw ExitCode(BenchExit.measurementFailed) }
    }

    /// mpirun ends the other ranks with SIGTERM when one fails: say which rank stopped, and
    /// write nothing (only a complete gathered run is saved).
    func installClusterSignalHandlers(who: String) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                Console.error("\(who): stopped by a signal (another rank failed or the job was cancelled); no result file written")
                _exit(BenchExit.interrupted)
            }
            source.resume()
            SignalSources.keep(source)
        }
    }
}

enum ClusterRenderer {
    static func render(_ document: ResultDocument) -> String {
        guard let aggregate = document.aggregate, let ranks = document.ranks else { return "" }
        var lines = ["", "Across \(ranks.count) ranks on \(Set(ranks.map(\.host.hostname)).count) node(s):"]
        for a in aggregate {
            let total = a.total.map { " total " + displayNumber($0) } ?? ""
            let stragglers = a.stragglers.isEmpty ? "" : "  STRAGGLERS: " + a.stragglers.map { "rank \($0.rank) (\($0.host)) \(displayNumber($0.value))" }.joined(separator: ", ")
            lines.append("  \(a.suite.rawValue) \(a.kernel) \(a.precision?.rawValue ?? "") \(displaySize(a.size)): median \(displayNumber(a.median)) \(a.unit.rawValue)\(total); "
                         + "slowest rank \(a.slowest.rank) \(displayNumber(a.slowest.value)), fastest rank \(a.fastest.rank) \(displayNumber(a.fastest.value))\(stragglers)")
        }
        return lines.joined(separator: "\n")
    }
}
