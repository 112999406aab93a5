import SuanliSchema

/// The shape of a dense decoder-only transformer: what the step, memory and serving models need.
///
/// Parameter count: per layer, the attention projections (Q and O: hidden × hidden; K and V:
/// hidden × kvHeads·headDim each), the MLP (two hidden × ffn matrices, three when gated, as
/// SwiGLU), and two norms (hidden each); plus the token embedding (vocab × hidden), a separate
/// output layer when the embeddings are not tied, and the final norm. Biases and learned position
/// embeddings are left out: under 0.1% for the catalog's models.
@SnakeCaseCodingKeys
public struct TransformerShape: Sendable, Equatable, Hashable, Codable {
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    /// Key/value heads: `heads` for multi-head attention, fewer for grouped-query attention.
    public var kvHeads: Int
    /// MLP inner width.
    public var ffn: Int
    /// A gated MLP (SwiGLU and alike): three hidden × ffn matrices instead of two.
    public var gatedFFN: Bool
    public var vocab: Int
    /// Sequence length in tokens (the model's training context unless told otherwise).
    public var seqLen: Int
    /// Whether the output layer shares the token embedding.
    public var tiedEmbeddings: Bool

    /// The sequence length used when none is given.
    public static let defaultSeqLen = 2048

    /// `kvHeads` defaults to `heads`, `ffn` to 4 × `hidden`.
    public init(
        layers: Int, hidden: Int, heads: Int, kvHeads: Int? = nil, ffn: Int? = nil, gatedFFN: Bool = false,
        vocab: Int, seqLen: Int = TransformerShape.defaultSeqLen, tiedEmbeddings: Bool = true
    ) {
        self.layers = layers
        self.hidden = hidden
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.ffn = ffn ?? 4 * hidden
        self.gatedFFN = gatedFFN
        self.vocab = vocab
        self.seqLen = seqLen
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Why a shape cannot be a transformer. Each names the option at fault.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case notPositive(option: String, value: Int)
        case headsDoNotDivideHidden(hidden: Int, heads: Int)
        case kvHeadsDoNotDivideHeads(heads: Int, kvHeads: Int)

        public var description: String {
            switch self {
            case .notPositive(let option, let value):
                return "--\(option) must be a positive whole number, got \(value)"
            case .headsDoNotDivideHidden(let hidden, let heads):
                return "--heads \(heads) does not divide --hidden \(hidden) (head size = hidden / heads)"
            case .kvHeadsDoNotDivideHeads(let heads, let kvHeads):
                return "--kv-heads \(kvHeads) does not divide --heads \(heads) (grouped-query attention shares each K/V head among heads / kv-heads)"
            }
        }
    }

    /// Every problem of this shape, in option order; empty when it is valid.
    public var problems: [Problem] {
        var found: [Problem] = []
        let sizes: [(String, Int)] = [
            ("layers", layers), ("hidden", hidden), ("heads", heads), ("kv-heads", kvHeads),
            ("ffn", ffn), ("vocab", vocab), ("seq-len", seqLen),
        ]
        for (option, value) in sizes where value <= 0 {
            found.append(.notPositive(option: option, value: value))
        }
        if heads > 0, hidden > 0, hidden % heads != 0 {
            found.append(.headsDoNotDivideHidden(hidden: hidden, heads: heads))
        }
        if heads > 0, kvHeads > 0, heads % kvHeads != 0 {
            found.append(.kvHeadsDoNotDivideHeads(heads: heads, kvHeads: kvHeads))
        }
        return found
    }

    /// Throws the first problem as a usage error (exit 64).
    public func validate() throws(SizingError) {
        if let first = problems.first { throw SizingError.usage(first.description) }
    }

    /// Size of one attention head: hidden / heads.
    public var headDim: Int { hidden / max(heads, 1) }
    /// Width of the K (or V) projection: kvHeads × headDim.
    public var kvWidth: Int { kvHeads * headDim }
    /// Heads that share one K/V head (1 for multi-head attention).
    public var queryGroup: Int { heads / max(kvHeads, 1) }

    /// Attention weights of one layer: Q, K, V and the output projection.
    public var attentionParametersPerLayer: Double {
        let h = Double(hidden), kv = Double(kvWidth)
        return 2 * h * h + 2 * h * kv
    }

    /// MLP weights of one layer.
    public var mlpParametersPerLayer: Double {
        Double(gatedFFN ? 3 : 2) * Double(hidden) * Double(ffn)
    }

    /// Norm weights of one layer (before attention and before the MLP).
    public var normParametersPerLayer: Double { 2 * Double(hidden) }

    /// All weights of one transformer layer.
    public var parametersPerLayer: Double {
        attentionParametersPerLayer + mlpParametersPerLayer + normParametersPerLayer
    }

    /// Token embedding, plus the output layer when it is not tied.
    public var embeddingParameters: Double {
        Double(vocab) * Double(hidden) * (tiedEmbeddings ? 1 : 2)
    }

    /// All weights: layers, embeddings and the final norm.
    public var parameterCount: Double {
        Double(layers) * parametersPerLayer + embeddingParameters + Double(hidden)
    }

    /// Weights outside the embeddings (the "non-embedding" count of Kaplan et al. 2020).
    public var nonEmbeddingParameters: Double {
        Double(layers) * parametersPerLayer + Double(hidden)
    }
}
