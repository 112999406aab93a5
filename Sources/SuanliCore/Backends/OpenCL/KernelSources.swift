import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The OpenCL C sources: embedded at build time from `Kernels/*.cl`, or read from a folder
/// given with `--kernels DIR` (for kernel authors; a wrong kernel is caught by verification).
public struct KernelSources: Sendable {
    public let files: [String: String]
    /// `embedded` or the folder they were read from.
    public let origin: String

    public static let embedded = KernelSources(files: EmbeddedKernels.files, origin: "embedded")

    /// Reads every `*.cl` (and `*.json`) file of `directory`; a missing suite file falls back to
    /// nothing, so the suite fails with a clear message.
    public static func load(directory: String) throws -> KernelSources {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw BenchmarkError("--kernels \(directory): no such folder")
        }
        var files: [String: String] = [:]
        for name in names
        where name.hasSuffix(".cl") || name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw BenchmarkError("--kernels: cannot read \(directory)/\(name)")
            }
            files[name] = String(decoding: data, as: UTF8.self)
        }
        guard files.keys.contains(where: { $0.hasSuffix(".cl") }) else {
            throw BenchmarkError("--kernels \(directory): the folder holds no .cl file")
        }
        return KernelSources(files: files, origin: directory)
    }

    /// The text the compiler gets for program `name`: its preludes (`preludes.json`, in the
    /// declared order), then the file itself, each part opened by a `#line` directive so build
    /// messages name the right file and line. A folder given with `--kernels` that lacks a prelude
    /// or `preludes.json` uses the embedded one, so a folder holding one edited kernel still builds.
    public func source(_ name: String) throws -> String {
        guard let text = files[name] else { throw BenchmarkError("kernel source \(name) not found in \(origin) kernels") }
        let parts = try preludes(of: name).map { ($0, try prelude($0)) } + [(name, text)]
        if parts.count == 1 { return text }
        return parts.map { "#line 1 \"\($0.0)\"\n" + $0.1 + ($0.1.hasSuffix("\n") ? "" : "\n") }.joined()
    }

    /// The file that declares which preludes each program takes.
    public static let preludeTable = "preludes.json"

    /// The preludes joined in front of program `name`, in order (none when it declares none).
    public func preludes(of name: String) throws -> [String] {
        guard let text = files[Self.preludeTable] ?? Self.embedded.files[Self.preludeTable] else { return [] }
        let table: [String: [String]]
        do {
            table = try JSONDecoder().decode([String: [String]].self, from: Data(text.utf8))
        } catch {
            throw BenchmarkError("\(Self.preludeTable) in \(origin) kernels is not a JSON object of file name → prelude names")
        }
        return table[name] ?? []
    }

    private func prelude(_ name: String) throws -> String {
        guard let text = files[name] ?? Self.embedded.files[name] else {
            throw BenchmarkError("prelude \(name) (\(Self.preludeTable)) not found in \(origin) kernels")
        }
        return text
    }

    /// FNV-1a hash of a source text, for the tuning cache key.
    public static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}
