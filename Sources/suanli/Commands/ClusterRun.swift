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
    func runCluster(plan: BenchPlan, sources: KernelSources, tool: ResultDocument.ToolInfo) throws {
        let mpi: MPI
        do { mpi = try MPI() } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        let runner = ClusterRunner(mpi: mpi, plan: plan, stepTimeout: stepTimeout, tool: tool)
        let who = runner.who
        func fail(_ message: String) -> Never {
            Console.error("\(who): \(message); ending the job")
            mpi.abort(code: BenchExit.measurementFailed)
        }
        BenchSession.onInterrupt {
            Console.error("\(who): stopped by a signal (another rank failed or the job was cancelled); no result file written")
            _exit(BenchExit.interrupted)
        }
        let inventory = DeviceInventory.discover()
        let backend: any BenchmarkBackend
        do {
            backend = try runner.backend(inventory: inventory, ids: devices, sources: sources,
                                         cpuVariant: cpuVariant.flatMap(CPUKernelVariant.init(rawValue:)),
                                         log: { Console.note("\(who): \($0)") })
        } catch {
            fail("\(error)")
        }
        if mpi.rank == 0 {
            Console.note("cluster run: \(mpi.size) ranks; rank 0 measures \(backend.descriptor.id) (\(backend.descriptor.name))")
        }
        guard let document = runner.run(backend: backend, host: inventory.host, abort: fail) else {
            mpi.finalize()
            return
        }
        print(ResultRenderer.render(document, format: format))
        if format == .table || format == .markdown { print(ClusterRenderer.render(document)) }
        var saved = true
        if !noSave {
            do {
                let path = try ResultStore.write(document, folder: outputDir)
                Console.note("cluster results (\(mpi.size) ranks) saved to \(path)")
            } catch {
                Console.error("could not save results: \(error)")
                saved = false
            }
        }
        let failed = document.measurements.contains { $0.status.countsAsFailure }
        mpi.finalize()
        if failed { throw ExitCode(BenchExit.measurementFailed) }
        if !saved { throw ExitCode(BenchExit.otherError) }
    }
}

enum ClusterRenderer {
    static func render(_ document: ResultDocument) -> String {
        guard let aggregate = document.aggregate, let ranks = document.ranks else { return "" }
        var lines = ["", "Across \(ranks.count) ranks on \(Set(ranks.map(\.host.hostname)).count) node(s):"]
        for a in aggregate {
            let total = a.total.map { " total " + displayNumber($0) } ?? ""
            let stragglers = a.stragglers.isEmpty ? "" : "  STRAGGLERS: " + a.stragglers.map { "rank \($0.rank) (\($0.host)) \(displayNumber($0.value))" }.joined(separator: ", ")
            let suspect = a.suspect == true ? "  SUSPECT: windows overlap \(percent(a.overlap ?? 0))" : ""
            lines.append("  \(a.suite.rawValue) \(a.kernel) \(a.precision?.rawValue ?? "") \(displaySize(a.size)): median \(displayNumber(a.median)) \(a.unit.rawValue)\(total); "
                         + "slowest rank \(a.slowest.rank) \(displayNumber(a.slowest.value)), fastest rank \(a.fastest.rank) \(displayNumber(a.fastest.value))\(stragglers)\(suspect)")
        }
        if let threshold = aggregate.first(where: { $0.suspect == true })?.overlapThreshold {
            lines.append("  SUSPECT: the ranks ran that step together for less than \(percent(threshold)) of its span, so the total adds "
                         + "rates measured at different times (each rank's step window is in the result file, ranks[].steps).")
        }
        return lines.joined(separator: "\n")
    }

    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded(.down)))%" }
}
