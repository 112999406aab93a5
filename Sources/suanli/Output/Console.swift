import SuanliCore
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Messages for people go to standard error, so standard output stays machine-readable.
enum Console {
    static func note(_ message: String) { write("suanli: \(message)\n") }
    static func error(_ message: String) { write("suanli: error: \(message)\n") }
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// Whether standard error is a terminal (progress lines are shown only then).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }
}

enum JSONOutput {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}


/// A one-line progress display on a terminal's standard error.
struct Progress {
    let enabled: Bool
    func show(_ text: String) { if enabled { Console.write("\r\u{1B}[2K" + text) } }
    func clear() { if enabled { Console.write("\r\u{1B}[2K") } }
}
