import ArgumentParser
import Dispatch
import SuanliCore
import Synchronization
import TextTable
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes of `suanli bench` (README: "Exit codes").
enum BenchExit {
    static let measurementFailed: Int32 = 3
    static let interrupted: Int32 = 130
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure GEMM, memory bandwidth, FMA peak, transfers and launch latency, verified.",
        discussion: """
        Default device: every OpenCL GPU; with none, the native CPU. Every output is verified; a failed
        check exits 3 after saving the other measurements. Results go to Results/ as a JSON file.
        """
    )

    @Option(name: .customLong("device"), help: "Device id from `suanli devices` (repeatable): opencl:P:D or cpu.")
    var devices: [String] = []

    @Option(help: "Comma-separated suites: gemm,stream,peak,transfer,latency,roofline, and allreduce with --mpi (default: all).")
    var suite: String?

    @Flag(help: "Cluster run under mpirun or srun: every rank benchmarks its node-local device, rank 0 writes one file.")
    var mpi = false

    @Option(help: "Comma-separated precisions: fp32,fp64,fp16,mixed.")
    var precision: String = "fp32,fp64,fp16,mixed"

    @Option(help: "Square GEMM size N (N×N×N).")
    var size: Int?

    @Option(help: "GEMM M (with --n and --k).") var m: Int?
    @Option(help: "GEMM N (with --m and --k).") var n: Int?
    @Option(help: "GEMM K (with --m and --n).") var k: Int?

    @Option(help: "Stream array length in elements.")
    var streamLength: Int?

    @Flag(help: "Small sizes and short repetitions: a smoke run.")
    var quick = false

    @Option(help: "Output format: table, json, csv or markdown.")
    var format: OutputFormat = .table

    @Option(help: "Load OpenCL kernels (*.cl, gemm.tuning.json) from this folder instead of the embedded ones.")
    var kernels: String?

    @Flag(help: "Tune the GEMM kernel again even when a tuned choice is cached.")
    var retune = false

    @Option(help: "Folder for the result file.")
    var outputDir: String = "Results"

    @Flag(help: "Do not write a result file.")
    var noSave = false

    @Option(help: "Watchdog: seconds one step may run before it is stopped and recorded as failed.")
    var stepTimeout: Double = 900

    @Option(parsing: .upToNextOption,
            help: "Compare with these result files after the run (a regression run); exit codes as for `suanli compare`.")
    var baseline: [String] = []

    @OptionGroup(title: "Comparison (with --baseline)")
    var comparison: ComparisonArguments

    @Option(help: ArgumentHelp("Force the native CPU kernel variant (portable or avx2-fma).", visibility: .hidden))
    var cpuVariant: String?

    func parsedSuites() throws -> [Suite] {
        guard let suite else { return Suite.allCases.filter { mpi || $0 != .allreduce } }
        return try suite.split(separator: ",").map { name in
            guard let s = Suite(rawValue: name.trimmed().lowercased()) else {
                throw ValidationError("unknown suite '\(name)'; choose from \(Suite.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return s
        }
    }

    func parsedPrecisions() throws -> [Precision] {
        try precision.split(separator: ",").map { name in
            guard let p = Precision(rawValue: name.trimmed().lowercased()) else {
                throw ValidationError("unknown precision '\(name)'; choose from fp32, fp64, fp16, mixed")
            }
            return p
        }
    }

    func shapes() throws -> [GEMMShape]? {
        let dims = [m, n, k].compactMap { $0 }
        if size != nil && !dims.isEmpty { throw ValidationError("use --size or --m/--n/--k, not both") }
        if let size {
            guard size > 0 else { throw ValidationError("--size must be positive, not \(size)") }
            return [GEMMShape(square: size)]
        }
        if dims.isEmpty { return nil }
        guard let m, let n, let k else { throw ValidationError("--m, --n and --k go together") }
        guard m > 0, n > 0, k > 0 else { throw ValidationError("--m, --n and --k must be positive") }
        return [GEMMShape(m: m, n: n, k: k)]
    }

    func validate() throws {
        _ = try parsedSuites()
        _ = try parsedPrecisions()
        _ = try shapes()
        if let streamLength, streamLength <= 0 { throw ValidationError("--stream-length must be positive") }
        if stepTimeout <= 0 { throw ValidationError("--step-timeout must be positive") }
        if let cpuVariant, CPUKernelVariant(rawValue: cpuVariant) == nil {
            throw ValidationError("--cpu-variant must be portable or avx2-fma")
        }
    }

    func run() throws {
        let plan = BenchPlan(suites: try parsedSuites(), precisions: try parsedPrecisions(), shapes: try shapes(),
                             streamLength: streamLength, quick: quick, retune: retune)
        let sources: KernelSources
        do { sources = try kernels.map(KernelSources.load(directory:)) ?? .embedded } catch {
            throw ValidationError("\(error)")
        }
        let comparisonOptions = try comparison.options()
        var baselines: [NamedResult] = []
        for path in baseline {
            do { baselines.append(NamedResult(name: path, document: try ResultStore.read(path))) } catch {
                Console.error("baseline \(error)")
                throw ExitCode(CompareExit.baselineUnusable)
            }
        }
        if mpi {
            if !baseline.isEmpty { throw ValidationError("--baseline is for single-machine runs; compare cluster files with suanli compare") }
            try runCluster(plan: plan, sources: sources)
            return
        }
        let inventory = DeviceInventory.discover()
        let backends = try selectBackends(inventory, sources: sources)
        let session = BenchSession(host: inventory.host, backends: backends.map(\.descriptor),
                                   tool: ResultDocument.ToolInfo(
                                       name: "suanli", version: SuanliVersion.string, buildConfiguration: SuanliVersion.configuration,
                                       cpuKernelVariant: (cpuVariant.flatMap(CPUKernelVariant.init(rawValue:))
                                           ?? CPUKernelVariant.forThisMachine).rawValue,
                                       openCLKernels: sources.origin),
                                   outputDir: noSave ? nil : outputDir)
        for file in baselines where !comparison.force {
            if let difference = Comparator.hardwareDifference(baseline: file.document, current: session.document(incomplete: false)) {
                Console.error("refusing to compare with a baseline from different hardware (\(file.name): \(difference)); "
                              + "pass --force to compare anyway")
                throw ExitCode(CompareExit.otherError)
            }
        }
        session.installSignalHandlers()

        let progress = Progress(enabled: Console.stderrIsTerminal)
        for backend in backends {
            let steps = plan.steps(for: backend)
            for (index, step) in steps.enumerated() {
                progress.show("[\(backend.descriptor.id)] \(index + 1)/\(steps.count) \(step.label)")
                let results = runWithWatchdog(step, backend: backend, plan: plan, timeout: stepTimeout)
                guard let results else {
                    progress.clear()
                    let hung = Measurement.failed(device: backend.descriptor.id, suite: step.suite, kernel: step.label,
                                                  precision: step.precision, size: step.shape?.size ?? [:],
                                                  unit: step.suite.unit,
                                                  reason: "watchdog: no result after \(Int(stepTimeout)) s; the run was stopped")
                    session.append([hung])
                    Console.error("\(step.label) on \(backend.descriptor.id) hung; stopped by the watchdog after \(Int(stepTimeout)) s")
                    session.finish(incomplete: true, format: format)
                    Glibc.exit(BenchExit.measurementFailed)
                }
                session.append(results)
                for failure in results where failure.status == .failed {
                    progress.clear()
                    Console.error("\(failure.device) \(failure.suite.rawValue) \(failure.kernel) \(failure.precision?.rawValue ?? ""): \(failure.reason ?? "failed")")
                }
            }
        }
        progress.clear()
        guard !baselines.isEmpty else {
            let failed = session.finish(incomplete: false, format: format)
            if failed { throw ExitCode(BenchExit.measurementFailed) }
            return
        }
        let baselineNames = baseline.joined(separator: ", ")
        let report = Comparator.compare(baselines: baselines,
                                        currents: [NamedResult(name: "this run", document: session.document(incomplete: false))],
                                        options: comparisonOptions)
        session.annotate(with: report, baselineFile: baselineNames, options: comparisonOptions)
        session.finish(incomplete: false, format: format)
        if format != .json { print("\nCompared with \(baselineNames):\n" + ComparisonRenderer.render(report, format: format)) }
        let code = CompareExit.code(for: report, strict: comparison.strict)
        if code != 0 { throw ExitCode(code) }
    }

    /// OpenCL GPUs by default; the native CPU when there is none; or exactly the ids asked for.
    func selectBackends(_ inventory: DeviceInventory, sources: KernelSources, cpuThreads: Int? = nil,
                        quiet: Bool = false) throws -> [any BenchmarkBackend] {
        let cache = TuningCache(path: TuningCache.defaultPath())
        let log: @Sendable (String) -> Void = { Console.note($0) }
        func cpu() -> any BenchmarkBackend {
            CPUBackend(host: inventory.host, variant: cpuVariant.flatMap(CPUKernelVariant.init(rawValue:)), threads: cpuThreads)
        }
        func opencl(_ device: DiscoveredOpenCLDevice) throws -> any BenchmarkBackend {
            do { return try OpenCLBackend(device: device, sources: sources, tuningCache: cache, log: log) } catch {
                throw BenchmarkError("cannot open \(device.info.id) (\(device.info.name)): \(error)")
            }
        }
        if devices.isEmpty {
            if inventory.gpus.isEmpty {
                if let reason = inventory.noGPUReason, !quiet { Console.note(reason) }
                return [cpu()]
            }
            return try inventory.gpus.map(opencl)
        }
        let known = inventory.descriptors.map(\.id)
        return try devices.map { id in
            if id == "cpu" { return cpu() }
            guard let device = inventory.openCLDevices.first(where: { $0.info.id == id }) else {
                throw ValidationError("unknown device '\(id)'; devices here: \(known.joined(separator: ", "))")
            }
            return try opencl(device)
        }
    }

    /// Runs a step on a worker thread; nil when it did not finish within `timeout` seconds.
    func runWithWatchdog(_ step: BenchStep, backend: any BenchmarkBackend, plan: BenchPlan, timeout: Double) -> [Measurement]? {
        final class Box: @unchecked Sendable {
            var backend: any BenchmarkBackend
            var results: [Measurement]?
            init(_ backend: any BenchmarkBackend) { self.backend = backend }
        }
        let box = Box(backend)
        let done = DispatchSemaphore(value: 0)
        // A hung OpenCL call cannot be cancelled: the watchdog gives up on the worker and the
        // caller saves what was measured and exits.
        DispatchQueue(label: "suanli.step").async {
            box.results = plan.run(step, on: box.backend)
            done.signal()
        }
        return done.wait(timeout: .now() + timeout) == .success ? box.results : nil
    }
}

