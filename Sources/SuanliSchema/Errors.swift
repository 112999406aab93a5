/// Errors that stop a measurement before it yields a figure.
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An error that can say what went wrong in one line, for a failed measurement's `reason`
/// (an OpenCL error's code name and the first line of a build log, say). Errors that are not
/// summarised are described in full.
public protocol SummarizedError: Error {
    var summary: String { get }
}

extension BenchmarkError: SummarizedError {
    public var summary: String { description }
}

/// The one-line reason recorded for `error`.
public func failureSummary(_ error: any Error) -> String {
    (error as? any SummarizedError)?.summary ?? "\(error)"
}
