import SuanliSchema
import Dispatch
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The measurements of a bench run so far. It is saved once: at the end, or early (marked
/// incomplete) when the run is interrupted or stopped by the watchdog, so nothing already
/// measured is lost.
public final class BenchSession: Sendable {
    public let host: HostInfo
    public let devices: [DeviceDescriptor]
    public let tool: ResultDocument.ToolInfo
    /// Folder for the result file; nil: nothing is written.
    public let outputDir: String?
    public let runID: String
    public let created: String
    public let commandLine: [String]
    private let state = Mutex<(measurements: [Measurement], saved: Bool)>(([], false))

    public init(host: HostInfo, devices: [DeviceDescriptor], tool: ResultDocument.ToolInfo, outputDir: String?,
                commandLine: [String] = CommandLine.arguments) {
        self.host = host
        self.devices = devices
        self.tool = tool
        self.outputDir = outputDir
        self.commandLine = commandLine
        var rng = SystemRandomNumberGenerator()
        runID = String(rng.next(), radix: 16)
        created = Date().formatted(.iso8601)
    }

    public func append(_ results: [Measurement]) { state.withLock { $0.measurements += results } }

    public var measurements: [Measurement] { state.withLock { $0.measurements } }

    /// Changes the measurements in place (e.g. to record a comparison verdict in each).
    public func update(_ body: (inout [Measurement]) -> Void) { state.withLock { body(&$0.measurements) } }

    public func document(incomplete: Bool) -> ResultDocument {
        var document = ResultDocument(runID: runID, created: created, tool: tool, commandLine: commandLine, host: host,
                                      devices: devices, measurements: measurements, incomplete: incomplete)
        document.burn = burnState.withLock { $0 }
        return document
    }

    private let burnState = Mutex<BurnRecord?>(nil)

    /// A burn run's intervals and summary so far (saved with the measurements).
    public func setBurn(_ record: BurnRecord) { burnState.withLock { $0 = record } }

    /// Writes the result file the first time it is called; later calls write nothing and return
    /// nil, as does a session without an output folder. Throws ``ResultWriteError``.
    @discardableResult
    public func save(incomplete: Bool) throws -> String? {
        guard let outputDir else { return nil }
        let first = state.withLock { s -> Bool in
            defer { s.saved = true }
            return !s.saved
        }
        guard first else { return nil }
        return try ResultStore.write(document(incomplete: incomplete), folder: outputDir)
    }

    /// On SIGINT or SIGTERM, calls `handler` once on a background queue (it should save the
    /// session as incomplete and exit). Signals are ignored by the default action from then on.
    public static func onInterrupt(_ handler: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            SignalSources.keep(source)
        }
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    /// Appended to only from the thread that installs handlers, before any signal can arrive.
    private final class Storage: @unchecked Sendable { var sources: [any DispatchSourceSignal] = [] }
    private static let storage = Storage()
    static func keep(_ source: any DispatchSourceSignal) { storage.sources.append(source) }
}

extension BenchSession {
    /// Records in each measurement the baseline it was compared with, the thresholds and the verdict.
    public func annotate(with report: ComparisonReport, baselineFile: String, options: ComparisonOptions) {
        let rows = Dictionary(report.rows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        update { measurements in
            for i in measurements.indices {
                guard let row = rows[MeasurementKey(measurements[i])] else { continue }
                measurements[i].comparison = ComparisonRecord(row: row, baselineFile: baselineFile, confidence: options.confidence)
            }
        }
    }
}
