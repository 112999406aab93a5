/// Every failure the sizing model reports. Each carries a one-line message that
/// names the offending option or file, and maps to a documented exit code.
public enum SizingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bad or contradictory command-line input (exit code 64, like EX_USAGE).
    case usage(String)
    /// A data file that cannot be used: unreadable, not JSON, nothing verified (exit code 65, like EX_DATAERR).
    case data(String)

    public var description: String {
        switch self {
        case .usage(let message), .data(let message): return message
        }
    }

    /// The process exit code documented in Docs/sizing.md.
    public var exitCode: Int32 {
        switch self {
        case .usage: return 64
        case .data: return 65
        }
    }
}
