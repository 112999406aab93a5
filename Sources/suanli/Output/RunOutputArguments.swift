import ArgumentParser
import SuanliCore
#if canImport(Glibc)
import Glibc
#endif

/// How `bench` and `burn` print and save their results, and their watchdog: one option group,
/// so that both commands take the same flags with the same meaning.
struct RunOutputArguments: ParsableArguments {
    @Option(help: "Output format: table, json, csv or markdown (burn: not csv).")
    var format: OutputFormat = .table

    @Option(help: "Folder for the result file.")
    var outputDir: String = "Results"

    @Flag(help: "Do not write a result file.")
    var noSave = false

    @Option(help: "Watchdog: seconds one step may run (a burn interval: beyond its length) before it is stopped and recorded as failed.")
    var stepTimeout: Double = 900

    func validate() throws {
        if stepTimeout <= 0 { throw ValidationError("--step-timeout must be positive") }
    }

    /// The folder a session saves into: none with --no-save.
    var saveFolder: String? { noSave ? nil : outputDir }

    /// On SIGINT or SIGTERM: say so, save what `session` holds as an incomplete run, exit 130.
    /// `what` names the parts saved ("measurements", "intervals").
    static func saveOnInterrupt(_ session: BenchSession, what: String) {
        BenchSession.onInterrupt {
            Console.write("\n")
            Console.note("interrupted; saving the \(what) completed so far")
            save(session, incomplete: true)
            Glibc.exit(BenchExit.interrupted)
        }
    }

    /// Saves the session once; says where, or one line naming the path and cause. False on failure.
    @discardableResult
    static func save(_ session: BenchSession, incomplete: Bool) -> Bool {
        do {
            if let path = try session.save(incomplete: incomplete) {
                Console.note("results saved to \(path)" + (incomplete ? " (incomplete run)" : ""))
            }
            return true
        } catch {
            Console.error("could not save results: \(error)")
            return false
        }
    }
}

/// The hidden --cpu-variant of `bench` and `burn`: tests force a native CPU kernel variant with it.
struct CPUVariantArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Force the native CPU kernel variant (portable, avx2-fma or avx512).", visibility: .hidden))
    var cpuVariant: String?

    func validate() throws {
        if let cpuVariant, CPUKernelVariant(rawValue: cpuVariant) == nil {
            throw ValidationError("--cpu-variant must be portable, avx2-fma or avx512")
        }
    }

    /// The variant asked for; nil lets the CPU backend choose the best this CPU runs.
    var variant: CPUKernelVariant? { cpuVariant.flatMap(CPUKernelVariant.init(rawValue:)) }
}
