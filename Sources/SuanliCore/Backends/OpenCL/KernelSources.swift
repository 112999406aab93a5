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

    public func source(_ name: String) throws -> String {
        guard let text = files[name] else { throw BenchmarkError("kernel source \(name) not found in \(origin) kernels") }
        return text
    }

    /// FNV-1a hash of a source text, for the tuning cache key.
    public static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}
