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

/// The measurements of a bench run so far, saved once at the end, or early when the run is
/// interrupted (SIGINT/SIGTERM) or stopped by the watchdog, marked incomplete.
final class BenchSession: Sendable {
    let host: HostInfo
    let devices: [DeviceDescriptor]
    let tool: ResultDocument.ToolInfo
    let outputDir: String?
    let runID: String
    let created: String
    private let state = Mutex<(measurements: [Measurement], saved: Bool)>(([], false))

    init(host: HostInfo, backends devices: [DeviceDescriptor], tool: ResultDocument.ToolInfo, outputDir: String?) {
        self.host = host
        self.devices = devices
        self.tool = tool
        self.outputDir = outputDir
        var rng = SystemRandomNumberGenerator()
        runID = String(rng.next(), radix: 16)
        created = Date().formatted(.iso8601)
    }

    func append(_ results: [Measurement]) { state.withLock { $0.measurements += results } }

    /// Records in each measurement the baseline it was compared with, the thresholds and the verdict.
    func annotate(with report: ComparisonReport, baselineFile: String, options: ComparisonOptions) {
        let rows = Dictionary(report.rows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        state.withLock { s in
            for i in s.measurements.indices {
                guard let row = rows[MeasurementKey(s.measurements[i])] else { continue }
                s.measurements[i].comparison = ComparisonRecord(row: row, baselineFile: baselineFile, confidence: options.confidence)
            }
        }
    }

    func document(incomplete: Bool) -> ResultDocument {
        ResultDocument(runID: runID, created: created, tool: tool, commandLine: CommandLine.arguments, host: host,
                       devices: devices, measurements: state.withLock { $0.measurements }, incomplete: incomplete)
    }

    /// Saves the file once; returns its path.
    @discardableResult
    func save(incomplete: Bool) -> String? {
        guard let outputDir else { return nil }
        let first = state.withLock { s -> Bool in
            defer { s.saved = true }
            return !s.saved
        }
        guard first else { return nil }
        do {
            let path = try ResultStore.write(document(incomplete: incomplete), folder: outputDir)
            Console.note("results saved to \(path)" + (incomplete ? " (incomplete run)" : ""))
            return path
        } catch {
            Console.error("could not save results: \(error)")
            return nil
        }
    }

    /// Prints the results, saves the file; returns whether any measurement failed.
    @discardableResult
    func finish(incomplete: Bool, format: OutputFormat) -> Bool {
        let doc = document(incomplete: incomplete)
        print(ResultRenderer.render(doc, format: format))
        save(incomplete: incomplete)
        return doc.measurements.contains { $0.status == .failed }
    }

    /// On SIGINT or SIGTERM: save what was measured (marked incomplete) and exit 130.
    func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                Console.write("\n")
                Console.note("interrupted; saving the measurements completed so far")
                save(incomplete: true)
                exit(BenchExit.interrupted)
            }
            source.resume()
            SignalSources.keep(source)
        }
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    /// Written only from the main thread before any signal can arrive.
    private final class Storage: @unchecked Sendable { var sources: [any DispatchSourceSignal] = [] }
    private static let storage = Storage()
    static func keep(_ source: any DispatchSourceSignal) { storage.sources.append(source) }
}

/// A one-line progress display on a terminal's standard error.
struct Progress {
    let enabled: Bool
    func show(_ text: String) { if enabled { Console.write("\r\u{1B}[2K" + text) } }
    func clear() { if enabled { Console.write("\r\u{1B}[2K") } }
}

enum SuanliVersion {
    static let string = "0.1.0"
    #if DEBUG
    static let configuration = "debug"
    #else
    static let configuration = "release"
    #endif
}
