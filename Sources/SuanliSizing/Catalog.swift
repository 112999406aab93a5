#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliSchema

/// One figure from a datasheet, a paper or a model card, with where it came from.
public struct Sourced<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var value: Value
    public var source: String
    public var verified: Bool
    public var note: String?

    public init(value: Value, source: String, verified: Bool = true, note: String? = nil) {
        self.value = value
        self.source = source
        self.verified = verified
        self.note = note
    }

    /// "NVIDIA A100 datasheet (2021)" or "... (unverified)".
    public var citation: String {
        source + (verified ? "" : " (unverified)")
    }
}

/// A number from a datasheet, with where it came from.
public typealias SourcedValue = Sourced<Double>

/// A public price figure, with its currency.
public struct SourcedPrice: Codable, Sendable, Equatable {
    public var value: Double
    public var currency: String
    public var source: String
    public var verified: Bool
}

/// One accelerator of the catalog.
@SnakeCaseCodingKeys(["intraNodeAllReduceBusBW": "intra_node_allreduce_busbw", "gemmBF16Sweep": "gemm_bf16_sweep_tflops"])
public struct Accelerator: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var vendor: String
    public var aliases: [String]
    /// Dense peak TFLOPS per precision (`fp32`, `tf32`, `bf16`, `fp16`, `fp8`; `int8` in TOPS).
    public var denseTFLOPS: [String: SourcedValue]
    /// Peaks with 2:4 structured sparsity. Listed for reference, never used by default.
    public var sparseTFLOPS: [String: SourcedValue]
    public var memoryGB: SourcedValue?
    public var memoryBandwidthGBps: SourcedValue?
    /// Bandwidth a streaming kernel reaches (the best of a published STREAM/BabelStream copy or
    /// triad), GB/s: memory-bound kernels run at it. The datasheet figure is an upper bound.
    public var achievableBandwidthGBps: SourcedValue?
    public var tdpWatts: SourcedValue?
    /// Datasheet interconnect figure (NVLink and similar count both directions).
    public var interconnectGBps: SourcedValue?
    /// A published nccl-tests all-reduce bus bandwidth curve inside one node: [message bytes, GB/s] pairs.
    public var intraNodeAllReduceBusBW: Sourced<[[Double]]>?
    /// Network bandwidth per device to other nodes, GB/s in one direction (a reference
    /// system's NICs divided by its devices, e.g. DGX A100: 8 × 200 Gb/s for 8 GPUs = 25 GB/s).
    public var scaleOutGBps: SourcedValue?
    /// The best measured dense bf16 GEMM as a fraction of the dense peak.
    public var maxGEMMEfficiency: SourcedValue?
    /// A published sweep of dense bf16 GEMM rates by shape: [m, n, k, TFLOPS] points on a grid. The
    /// step model interpolates it (as it does a `bench --suite gemm --sweep` file) in place of the
    /// best-shape efficiency, for bf16 and fp16 work.
    public var gemmBF16Sweep: Sourced<[[Double]]>?
    /// A published fused-attention (flash) kernel's forward rate with a causal mask, by sequence
    /// length: [sequence, TFLOPS] pairs, FLOPs counted as FlashAttention's papers count them (the
    /// masked half not counted). The step model's attention runs at it.
    public var attentionForwardTFLOPS: Sourced<[[Double]]>?
    /// The same kernel's backward rate (FLOPs 2.5× the forward's), [sequence, TFLOPS] pairs.
    public var attentionBackwardTFLOPS: Sourced<[[Double]]>?
    /// Streaming multiprocessors (NVIDIA): the GEMM model's wave quantization uses them.
    public var computeUnits: SourcedValue?
    public var price: SourcedPrice?
    public var notes: String?

    /// The default precision for training and serving: bf16, or fp16 where the
    /// device has no bf16 (V100, Ascend 910B), else the first one listed.
    /// Device memory in bytes, read as the catalog states it: GB of 1e9 bytes. Every sizing model
    /// (train, step, serve) reads capacities through this one conversion.
    public var memoryBytes: Double? { memoryGB.map { $0.value * Accelerator.memoryUnitBytes } }
    /// The unit of `memory_gb`: 1e9 bytes, as the datasheets write GB.
    public static let memoryUnitBytes = 1e9

    public var defaultPrecision: SizingPrecision? {
        SizingPrecision.defaultOrder.first { dense($0) != nil }
    }

    /// The dense peak at a precision (`mixed` at the fp16 peak; none for fp64).
    public func dense(_ p: SizingPrecision) -> SourcedValue? {
        p.catalogKey.flatMap { denseTFLOPS[$0] }
    }

    /// The precisions with a dense figure, in `SizingPrecision.catalogCases` order.
    public var densePrecisions: [String] {
        SizingPrecision.catalogCases.filter { dense($0) != nil }.map(\.rawValue)
    }
}

/// The accelerator catalog shipped inside the binary (`Catalog/accelerators.json`).
public struct Catalog: Codable, Sendable, Equatable {
    public var schema: String
    public var accelerators: [Accelerator]

    /// The catalog embedded at build time.
    public static func embedded() throws -> Catalog {
        guard let text = EmbeddedCatalog.files["accelerators.json"] else {
            throw SizingError.data("the accelerator catalog (accelerators.json) is missing from this build")
        }
        return try decode(Data(text.utf8), name: "embedded accelerators.json")
    }

    /// Decodes a catalog; a one-line `SizingError.data` when it is malformed.
    public static func decode(_ data: Data, name: String) throws -> Catalog {
        do {
            return try JSONDecoder().decode(Catalog.self, from: data)
        } catch {
            throw SizingError.data("\(name) is not a valid accelerator catalog: \(describe(error))")
        }
    }

    /// The entry a device reports itself as (a result file's device name): its id, name or an
    /// alias, ignoring case, spaces, `-`, `_` and a leading vendor word, so "NVIDIA H100 80GB HBM3"
    /// is h100-sxm (alias h100-80gb-hbm3). Nil unless exactly one entry matches: no guessing.
    public func match(deviceName: String) -> Accelerator? {
        var candidates = [Self.normalize(deviceName)]
        for vendor in ["nvidia", "amd", "advancedmicrodevicesinc", "advancedmicrodevices", "intel", "huawei", "google"]
        where candidates[0].hasPrefix(vendor) {
            candidates.append(String(candidates[0].dropFirst(vendor.count)))
        }
        let found = accelerators.filter { accelerator in
            ([accelerator.id, accelerator.name] + accelerator.aliases).contains { candidates.contains(Self.normalize($0)) }
        }
        return found.count == 1 ? found[0] : nil
    }

    /// Finds an accelerator by id, alias or name, ignoring case, spaces, `-` and `_`.
    /// Leading parts of an id match when unique ("tpu" is ambiguous, "h200" is not). Unknown names throw a usage error
    /// with the closest ids as suggestions; ambiguous prefixes list the candidates.
    public func lookup(_ query: String) throws -> Accelerator {
        let key = Self.normalize(query)
        guard !key.isEmpty else { throw SizingError.usage("--device needs a name; run 'suanli size devices' for the list") }
        let exact = accelerators.filter { accelerator in
            ([accelerator.id, accelerator.name] + accelerator.aliases).contains { Self.normalize($0) == key }
        }
        if exact.count == 1 { return exact[0] }
        // Leading dash-separated parts also match ("h100" → h100-sxm, h100-pcie), but not
        // partial parts: "h20" (a different chip) must not match h200.
        let prefixed = accelerators.filter { accelerator in
            ([accelerator.id] + accelerator.aliases).contains { name in
                let parts = name.lowercased().split { $0 == "-" || $0 == "_" || $0 == " " }
                return (1...max(parts.count, 1)).contains { Self.normalize(parts.prefix($0).joined()) == key }
            }
        }
        if prefixed.count == 1 { return prefixed[0] }
        if prefixed.count > 1 {
            let ids = prefixed.map(\.id).joined(separator: ", ")
            throw SizingError.usage("--device '\(query)' is ambiguous: \(ids)")
        }
        let suggestions = suggest(query)
        let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?"
        throw SizingError.usage(
            "--device '\(query)' is not in the catalog\(hint) (run 'suanli size devices' for the list)")
    }

    /// Up to three ids closest to `query` by edit distance (or sharing a substring).
    public func suggest(_ query: String) -> [String] {
        let key = Self.normalize(query)
        let scored = accelerators.map { accelerator -> (String, Int) in
            let names = [accelerator.id] + accelerator.aliases
            let best = names.map { name -> Int in
                let n = Self.normalize(name)
                if n.contains(key) || key.contains(n) { return 0 }
                return Self.editDistance(n, key)
            }.min() ?? Int.max
            return (accelerator.id, best)
        }
        let limit = max(2, key.count / 2)
        return scored.filter { $0.1 <= limit }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            .prefix(3).map(\.0)
    }

    static func normalize(_ text: String) -> String {
        String(text.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A short, one-line description of a decoding error (no coding-path dumps).
func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
        return "missing key '\(path(context.codingPath + [key]))'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        return "unexpected value at '\(path(context.codingPath))'"
    case DecodingError.dataCorrupted(let context):
        return context.codingPath.isEmpty ? "not valid JSON" : "bad value at '\(path(context.codingPath))'"
    default:
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unknown error"
    }
}

private func path(_ keys: [CodingKey]) -> String {
    keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
}
