import ArgumentParser
import SuanliCore
import SuanliText
#if canImport(Glibc)
import Glibc
#endif

struct BurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "burn",
        abstract: "Keep verified load on one device for a while: rate, watts, clocks and temperature per interval.",
        discussion: """
        Each interval runs the kernel back to back, then checks its output. The summary gives the
        sustain ratio (median rate of the last minute over the first; a quarter of the burn when
        shorter), verification errors, throttled intervals and the peak temperature. Any
        verification error exits 3: finding faulty hardware is part of a burn's job. SIGINT saves
        the intervals so far (exit 130).
        """
    )

    @Option(help: "Device id from `suanli devices`: opencl:P:D or cpu (default: the first GPU, else the native CPU).")
    var device: String?

    @Option(help: "How long: 90s, 10m, 1h.")
    var duration: String = "10m"

    @Option(help: "Length of one interval: 10s, 500ms.")
    var interval: String = "10s"

    @Option(help: "Comma-separated suites: gemm (compute), stream (memory: triad). Several share each interval.")
    var suite: String = "gemm"

    @Option(help: "Precision: fp32, fp64, fp16 or mixed (GEMM); stream runs fp32 or fp64.")
    var precision: Precision = .fp32

    @Option(help: "Square GEMM size N (default: grown until one run takes a fortieth of an interval).")
    var size: Int?

    @Option(help: "Stream array length in elements.")
    var streamLength: Int?

    @OptionGroup(title: "Output")
    var output: RunOutputArguments

    @OptionGroup(title: "Power sensors (see suanli sensors)")
    var power: PowerArguments

    @Option(help: ArgumentHelp("Corrupt the output of this interval (0-based) before it is checked (tests).", visibility: .hidden))
    var plantFault: Int?

    @OptionGroup(visibility: .hidden)
    var cpu: CPUVariantArguments

    func parsedSuites() throws -> [Suite] {
        let suites = try suite.split(separator: ",").map { name -> Suite in
            guard let s = Suite(rawValue: name.trimmed().lowercased()), BurnPlan.supportedSuites.contains(s) else {
                throw ValidationError("burn runs gemm and stream, not '\(name)'")
            }
            return s
        }
        guard !suites.isEmpty else { throw ValidationError("--suite is empty") }
        return suites
    }

    func plan() throws -> BurnPlan {
        guard let seconds = parseDuration(duration), seconds > 0 else {
            throw ValidationError("--duration must be a positive time such as 90s, 10m or 1h, not '\(duration)'")
        }
        guard let step = parseDuration(interval), step >= 0.01 else {
            throw ValidationError("--interval must be a time of at least 10ms such as 10s, not '\(interval)'")
        }
        guard step <= seconds else { throw ValidationError("--interval (\(interval)) is longer than --duration (\(duration))") }
        let suites = try parsedSuites()
        if suites.contains(.stream), precision != .fp32, precision != .fp64 {
            throw ValidationError("stream burns run fp32 or fp64, not \(precision.rawValue)")
        }
        if let size, size <= 0 { throw ValidationError("--size must be positive") }
        if let streamLength, streamLength <= 0 { throw ValidationError("--stream-length must be positive") }
        return BurnPlan(suites: suites, duration: seconds, interval: step, precision: precision, gemmSize: size,
                        streamLength: streamLength, plantedFault: plantFault)
    }

    func validate() throws {
        _ = try plan()
        guard output.format != .csv else {
            throw ValidationError("--format for burn must be table, json or markdown")
        }
    }

    func run() throws {
        let plan = try plan()
        let inventory = DeviceInventory.discover()
        let variant = cpu.variant
        let backend: any BenchmarkBackend
        do {
            let backends = try inventory.backends(ids: device.map { [$0] } ?? [], cpuVariant: variant,
                                                  log: { Console.note($0) }, noGPU: { Console.note($0) })
            backend = backends[0]
        } catch let error as UnknownDeviceError {
            throw ValidationError(error.description)
        }
        // Without a sensor, clocks and temperature still come from the host or the GPU library.
        let probe = try power.probes(for: [backend.descriptor], conditionOnly: true)[backend.descriptor.id]
        let session = BenchSession(host: inventory.host, devices: [backend.descriptor],
                                   tool: .suanli(kernels: "embedded", cpuVariant: variant), outputDir: output.saveFolder)
        RunOutputArguments.saveOnInterrupt(session, what: "intervals")
        let outcome = BurnRunner(plan: plan, backend: backend, session: session, energy: probe,
                                 stepTimeout: output.stepTimeout).run { event in
            switch event {
            case .prepared(let suite, let size):
                Console.note("burning \(backend.descriptor.id) with \(suite.rawValue) \(displaySize(size)) for \(duration) in intervals of \(interval)")
            case .notStarted(let suite, let reason):
                Console.error("\(suite.rawValue) cannot burn on \(backend.descriptor.id): \(reason)")
            case .intervalFinished(let i, let total):
                Console.note(Self.line(i, of: total))
            case .hung(let suite, let timeout):
                Console.error("\(suite.rawValue) on \(backend.descriptor.id) hung; stopped by the watchdog after \(Int(timeout)) s")
            }
        }
        let incomplete: Bool
        if case .hung = outcome { incomplete = true } else { incomplete = false }
        let document = session.document(incomplete: incomplete)
        print(Self.render(document, format: output.format))
        guard RunOutputArguments.save(session, incomplete: incomplete) else { throw ExitCode(BenchExit.otherError) }
        switch outcome {
        case .hung:
            throw ExitCode(BenchExit.measurementFailed)
        case .completed(let errors, let notStarted):
            if errors > 0 { Console.error("\(errors) interval\(errors == 1 ? "" : "s") failed verification") }
            if errors > 0 || notStarted > 0 { throw ExitCode(BenchExit.measurementFailed) }
        }
    }

    static func line(_ i: BurnInterval, of total: Int) -> String {
        var parts = ["interval \(i.index + 1)/\(total) \(i.suite.rawValue)"]
        parts.append(i.rate.map { displayNumber($0) + " " + i.unit.rawValue } ?? "-")
        parts.append(i.verified ? "verified" : "FAILED: \(i.error ?? "")")
        if let w = i.avgWatts { parts.append(displayNumber(w) + " W") }
        if let c = i.clocksMHz { parts.append(c.keys.sorted().map { "\($0) \(Int(c[$0]!)) MHz" }.joined(separator: " ")) }
        if let t = i.temperatureC { parts.append(formatted(t, decimals: 0) + " °C") }
        if i.throttled == true { parts.append("throttled: " + (i.throttleReasons ?? []).joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }

    static func render(_ document: ResultDocument, format: OutputFormat) -> String {
        guard format != .json, let burn = document.burn else {
            return ResultRenderer.render(document, format: format)
        }
        var text = TableRenderer.render(burn.intervals, markdown: format == .markdown) { i in
            [
                Column(title: "#", value: i.index + 1, align: .right),
                Column(title: "Suite", value: i.suite.rawValue),
                Column(title: "Start s", value: formatted(i.startSeconds, decimals: 1), align: .right),
                Column(title: "Runs", value: i.runs, align: .right),
                Column(title: "Rate", value: displayNumber(i.rate), align: .right),
                Column(title: "Unit", value: i.unit.rawValue),
                Column(title: "Verified", value: i.verified ? "yes" : "NO"),
                Column(title: "W", value: displayNumber(i.avgWatts), align: .right),
                Column(title: "per W", value: displayNumber(i.gflopsPerWatt ?? i.gbsPerWatt), align: .right),
                Column(title: "Clocks MHz", value: SensorsCommand.clocks(DeviceCondition(clocksMHz: i.clocksMHz))),
                Column(title: "Temp C", value: i.temperatureC.map { formatted($0, decimals: 0) } ?? ""),
                Column(title: "Throttled", value: i.throttled.map { $0 ? (i.throttleReasons ?? []).joined(separator: ",") : "no" } ?? ""),
                Column(title: "Error", value: String((i.error ?? "").prefix(60))),
            ]
        }
        for s in burn.summary {
            var parts = ["\n\(s.suite.rawValue) (\(s.kernel)): \(s.verifiedIntervals)/\(s.intervals) intervals verified"]
            parts.append("median \(displayNumber(s.medianRate)) \(s.unit.rawValue)")
            parts.append("sustain ratio " + (s.sustainRatio.map { formatted($0, decimals: 3) } ?? "-")
                + " (last \(displayNumber(s.sustainWindowSeconds)) s over first)")
            parts.append("verification errors \(s.verificationErrors)")
            if let t = s.throttledIntervals { parts.append("throttled intervals \(t)" + (s.throttleReasons.map { " (\($0.joined(separator: ", ")))" } ?? "")) }
            if let t = s.peakTemperatureC { parts.append("peak temperature \(formatted(t, decimals: 0)) °C") }
            if let w = s.avgWatts { parts.append("average \(displayNumber(w)) W") }
            text += parts.joined(separator: "; ")
        }
        if document.incomplete { text += "\n(incomplete run)" }
        return text
    }
}

extension Precision: ExpressibleByArgument {}
