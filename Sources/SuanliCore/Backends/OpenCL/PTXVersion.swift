import SuanliSchema

/// The PTX ISA version of NVIDIA's OpenCL driver, read from what the driver shows: the
/// `.version X.Y` directive at the top of the PTX it emits (its program binary), or the version
/// its build log names (ptxas's "current version is 'X.Y'"). fp8 `mma` (e4m3, m16n8k32) needs
/// PTX ISA 8.4 (CUDA 12.4, drivers R550 and later); an older driver fails the build, and the
/// failure should say so rather than show ptxas's first error alone.
public struct PTXVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// What fp8 (e4m3) `mma.sync` needs.
    public static let fp8MMA = PTXVersion(8, 4)

    public var description: String { "\(major).\(minor)" }

    public static func < (a: PTXVersion, b: PTXVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    /// "X.Y" at the start of `text` (digits, a dot, digits), or nil.
    static func parse(_ text: Substring) -> PTXVersion? {
        let majorDigits = text.prefix { $0.isASCII && $0.isNumber }
        let rest = text.dropFirst(majorDigits.count)
        guard !majorDigits.isEmpty, rest.first == "." else { return nil }
        let minorDigits = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
        guard !minorDigits.isEmpty, let major = Int(majorDigits), let minor = Int(minorDigits) else { return nil }
        return PTXVersion(major, minor)
    }

    /// The version the driver emits: the first `.version X.Y` directive that begins a line (PTX
    /// text, or a build log that quotes it), else ptxas's "current version is 'X.Y'".
    public static func emitted(in text: String) -> PTXVersion? {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix(".version") {
                let value = trimmed.dropFirst(".version".count).drop { $0 == " " || $0 == "\t" }
                if let version = parse(value) { return version }
            }
        }
        if let range = text.firstRange(of: "current version is ") {
            let value = text[range.upperBound...].drop { $0 == "'" || $0 == "\"" || $0 == " " }
            return parse(value)
        }
        return nil
    }

    /// The version a build log says an instruction needs ("requires PTX ISA .version 8.4").
    public static func required(in log: String) -> PTXVersion? {
        guard let range = log.firstRange(of: "PTX ISA") else { return nil }
        var rest = log[range.upperBound...].drop { $0 == " " }
        if rest.hasPrefix(".version") { rest = rest.dropFirst(".version".count).drop { $0 == " " } }
        return parse(rest)
    }

    /// The one-line reason for a failed fp8 `mma` build: the driver's PTX ISA version (from the
    /// program's PTX if there is one, else the log) against the 8.4 it needs, with the compiler's
    /// first error. `firstError` is that line (``OpenCLError/firstError(inBuildLog:)``).
    public static func fp8BuildFailure(log: String, ptx: String? = nil, firstError: String) -> String {
        let need = "fp8 mma (e4m3, m16n8k32) needs PTX ISA \(fp8MMA) (CUDA 12.4, NVIDIA driver R550 or later)"
        let driver = ptx.flatMap(emitted(in:)) ?? emitted(in: log)
        let what: String
        switch driver {
        case let version? where version < fp8MMA:
            what = "this driver emits PTX ISA \(version): update the driver"
        case let version?:
            what = "this driver emits PTX ISA \(version), which has it, so the failure has another cause"
        case nil:
            if let required = required(in: log) {
                what = "the driver's compiler says it requires PTX ISA \(required); its own version is not in the build log"
            } else {
                what = "the driver's PTX ISA version is not in its build log"
            }
        }
        return "\(need); \(what). Kernel build failed: \(firstError)"
    }
}
