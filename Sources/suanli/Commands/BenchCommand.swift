import ArgumentParser
import Dispatch
import SuanliCore
import Synchronization
import SuanliText
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

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

    @Option(help: "Comma-separated suites: gemm,stream,peak,transfer,latency,roofline,cache,memlat, and allreduce with --mpi (default: all).")
    var suite: String?

    @Flag(help: "Cluster run under mpirun or srun: every rank benchmarks its node-local device, rank 0 writes one file.")
    var mpi = false

    @Option(help: ArgumentHelp("Comma-separated precisions: fp32,fp64,fp16,mixed,bf16,int8,tf32,fp8.",
                               discussion: "bf16, int8, tf32 and fp8 run GEMM and peak on tensor or matrix engines where the device has them; a device without the type records them as skipped."))
    var precision: String = Precision.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Square GEMM size N (N×N×N).")
    var size: Int?

    @Option(help: "GEMM M (with --n and --k).") var m: Int?
    @Option(help: "GEMM N (with --m and --k).") var n: Int?
    @Option(help: "GEMM K (with --m and --n).") var k: Int?

    @Flag(help: "GEMM over a grid of shapes (M, N, K from 256 to 16384; to 4096 with --quick): the curve 'suanli size step --calibrate' interpolates.")
    var sweep = false

    @Option(help: "Stream array length in elements.")
    var streamLength: Int?

    @Option(help: "Largest working set of the cache and memlat sweeps, e.g. 64M (default: 8× the last-level cache, at least 256M; 8M with --quick).")
    var maxWorkingSet: String?

    @Flag(help: "Small sizes and short repetitions: a smoke run.")
    var quick = false

    @Option(help: "Load OpenCL kernels (*.cl, gemm.tuning.json) from this folder instead of the embedded ones.")
    var kernels: String?

    @Flag(help: "Tune the GEMM kernel again even when a tuned choice is cached.")
    var retune = false

    @OptionGroup(title: "Output")
    var output: RunOutputArguments

    @Flag(help: "Table and Markdown: show each skipped measurement as a row, not one line per reason (JSON and CSV hold them all).")
    var showSkipped = false

    @Option(name: .customLong("repeat"),
            help: "Run the whole plan R times, rotating the suite order; each measurement keeps one median per repeat.")
    var repeats: Int = 1

    @Option(parsing: .upToNextOption,
            help: "Compare with these result files after the run (a regression run); exit codes as for `suanli compare`.")
    var baseline: [String] = []

    @OptionGroup(title: "Comparison (with --baseline)")
    var comparison: ComparisonArguments

    @OptionGroup(title: "Power sensors (see suanli sensors)")
    var power: PowerArguments

    @OptionGroup(visibility: .hidden)
    var cpu: CPUVariantArguments

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
                throw ValidationError("unknown precision '\(name)'; choose from \(Precision.allCases.map(\.rawValue).joined(separator: ", "))")
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

    func parsedMaxWorkingSet() throws -> Int? {
        guard let maxWorkingSet else { return nil }
        guard let bytes = WorkingSetSweep.parseBytes(maxWorkingSet), bytes >= WorkingSetSweep.smallest else {
            throw ValidationError("--max-working-set '\(maxWorkingSet)' must be a size of at least 4K, e.g. 64M or 1G")
        }
        return bytes
    }

    func validate() throws {
        _ = try parsedSuites()
        _ = try parsedPrecisions()
        _ = try shapes()
        if sweep {
            guard try parsedSuites().contains(.gemm) else { throw ValidationError("--sweep measures GEMM shapes; it needs the gemm suite (--suite gemm)") }
            guard size == nil && m == nil && n == nil && k == nil else { throw ValidationError("--sweep chooses the GEMM shapes; drop --size and --m/--n/--k") }
        }
        if let streamLength, streamLength <= 0 { throw ValidationError("--stream-length must be positive") }
        _ = try parsedMaxWorkingSet()
        if repeats < 1 { throw ValidationError("--repeat must be at least 1") }
        if repeats > 1 && mpi { throw ValidationError("--repeat is for single-machine runs, not --mpi") }
    }

    func run() throws {
        let plan = BenchPlan(suites: try parsedSuites(), precisions: try parsedPrecisions(), shapes: try shapes(),
                             streamLength: streamLength, quick: quick, retune: retune, gemmSweep: sweep,
                             maxWorkingSet: try parsedMaxWorkingSet())
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
        let variant = cpu.variant
        let tool = ResultDocument.ToolInfo.suanli(kernels: sources.origin, cpuVariant: variant)
        if mpi {
            if !baseline.isEmpty { throw ValidationError("--baseline is for single-machine runs; compare cluster files with suanli compare") }
            if power.powerCommand != nil || !power.powerSensor.isEmpty {
                Console.note("cluster runs record no energy yet; --power-command and --power-sensor are ignored with --mpi")
            }
            try runCluster(plan: plan, sources: sources, tool: tool)
            return
        }
        let inventory = DeviceInventory.discover()
        let backends: [any BenchmarkBackend]
        do {
            backends = try inventory.backends(ids: devices, sources: sources, cpuVariant: variant,
                                              log: { Console.note($0) }, noGPU: { Console.note($0) })
        } catch let error as UnknownDeviceError {
            throw ValidationError(error.description)
        }
        let energy = try power.probes(for: backends.map(\.descriptor))
        let session = BenchSession(host: inventory.host, devices: backends.map(\.descriptor), tool: tool,
                                   outputDir: output.saveFolder)
        for file in baselines where !comparison.force {
            if let difference = Comparator.hardwareDifference(baseline: file.document, current: session.document(incomplete: false)) {
                Console.error("refusing to compare with a baseline from different hardware (\(file.name): \(difference)); "
                              + "pass --force to compare anyway")
                throw ExitCode(CompareExit.otherError)
            }
        }
        RunOutputArguments.saveOnInterrupt(session, what: "measurements")

        let progress = Progress(enabled: Console.stderrIsTerminal)
        var repeatLabel = ""
        let outcome = BenchRunner(plan: plan, backends: backends, session: session, stepTimeout: stepTimeout,
                                  repeats: repeats, energy: energy).run { event in
            switch event {
            case .stepStarted(let device, let index, let count, let step):
                progress.show(repeatLabel + "[\(device)] \(index + 1)/\(count) \(step.label)")
            case .stepFinished(_, _, let measurements):
                for failure in measurements where failure.status.countsAsFailure {
                    progress.clear()
                    Console.error("\(failure.device) \(failure.suite.rawValue) \(failure.kernel) \(failure.precision?.rawValue ?? ""): "
                                  + "\(failure.status.rawValue): \(failure.reason ?? "failed")")
                }
            case .stepHung(let device, let step, let timeout):
                progress.clear()
                Console.error("\(step.label) on \(device) hung; stopped by the watchdog after \(Int(timeout)) s")
            case .repeatStarted(let index, let count):
                repeatLabel = "repeat \(index)/\(count) "
            }
        }
        progress.clear()
        if case .hung = outcome {
            print(ResultRenderer.render(session.document(incomplete: true), format: format, showSkipped: showSkipped))
            RunOutputArguments.save(session, incomplete: true)
            throw ExitCode(BenchExit.measurementFailed)
        }
        guard !baselines.isEmpty else {
            try finish(session)
            return
        }
        let baselineNames = baseline.joined(separator: ", ")
        let report = Comparator.compare(baselines: baselines,
                                        currents: [NamedResult(name: "this run", document: session.document(incomplete: false))],
                                        options: comparisonOptions)
        session.annotate(with: report, baselineFile: baselineNames, options: comparisonOptions)
        let failed = try finish(session, throwOnFailure: false)
        if format != .json { print("\nCompared with \(baselineNames):\n" + ComparisonRenderer.render(report, format: format)) }
        let code = failed ? BenchExit.measurementFailed : CompareExit.code(for: report, strict: comparison.strict)
        if code != 0 { throw ExitCode(code) }
    }

    /// Prints the results and saves the file. A file that cannot be written exits 1 after the
    /// figures are printed; a failed, suspect or implausible measurement exits 3.
    @discardableResult
    func finish(_ session: BenchSession, throwOnFailure: Bool = true) throws -> Bool {
        let document = session.document(incomplete: false)
        print(ResultRenderer.render(document, format: format, showSkipped: showSkipped))
        for level in document.hierarchy ?? [] {
            if let note = level.note { Console.note("memory hierarchy of \(level.device): \(note)") }
        }
        guard RunOutputArguments.save(session, incomplete: false) else { throw ExitCode(BenchExit.otherError) }
        let failed = document.measurements.contains { $0.status.countsAsFailure }
        if failed && throwOnFailure { throw ExitCode(BenchExit.measurementFailed) }
        return failed
    }

    // The output options as ClusterRun.swift reads them.
    var format: OutputFormat { output.format }
    var outputDir: String { output.outputDir }
    var noSave: Bool { output.noSave }
    var stepTimeout: Double { output.stepTimeout }
    var cpuVariant: String? { cpu.cpuVariant }
}
