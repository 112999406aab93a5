#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliSchema

/// A yes/no figure from a paper or a model card, with where it came from.
public typealias SourcedFlag = Sourced<Bool>

/// One model of the catalog: every figure of its shape with its source.
@SnakeCaseCodingKeys
public struct ModelEntry: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var aliases: [String]
    public var layers: SourcedValue
    public var hidden: SourcedValue
    public var heads: SourcedValue
    public var kvHeads: SourcedValue
    public var ffn: SourcedValue
    public var gatedFFN: SourcedFlag
    public var vocab: SourcedValue
    public var seqLen: SourcedValue
    public var tiedEmbeddings: SourcedFlag
    /// The published parameter count (as rounded in the publication).
    public var params: SourcedValue

    /// The shape these figures describe, at the model's own sequence length.
    public var shape: TransformerShape {
        TransformerShape(
            layers: Int(layers.value), hidden: Int(hidden.value), heads: Int(heads.value),
            kvHeads: Int(kvHeads.value), ffn: Int(ffn.value), gatedFFN: gatedFFN.value,
            vocab: Int(vocab.value), seqLen: Int(seqLen.value), tiedEmbeddings: tiedEmbeddings.value)
    }

    /// Each figure by its option name, for `sources` in JSON output.
    public var citations: [String: String] {
        [
            "layers": layers.citation, "hidden": hidden.citation, "heads": heads.citation,
            "kv_heads": kvHeads.citation, "ffn": ffn.citation, "gated_ffn": gatedFFN.citation,
            "vocab": vocab.citation, "seq_len": seqLen.citation, "tied_embeddings": tiedEmbeddings.citation,
        ]
    }

    /// Every whole-number figure, to check they are whole and positive.
    var countFigures: [(String, SourcedValue)] {
        [("layers", layers), ("hidden", hidden), ("heads", heads), ("kv_heads", kvHeads), ("ffn", ffn),
         ("vocab", vocab), ("seq_len", seqLen)]
    }
}

/// The model catalog shipped inside the binary (`Catalog/models.json`).
public struct ModelCatalog: Codable, Sendable, Equatable {
    public var schema: String
    public var models: [ModelEntry]

    public static let schemaName = "suanli.models/1"

    /// The catalog embedded at build time.
    public static func embedded() throws(SizingError) -> ModelCatalog {
        guard let text = EmbeddedCatalog.files["models.json"] else {
            throw SizingError.data("the model catalog (models.json) is missing from this build")
        }
        return try decode(Data(text.utf8), name: "embedded models.json")
    }

    /// Decodes and checks a catalog: the schema, whole positive figures and valid shapes.
    /// A one-line `SizingError.data` when it cannot be used.
    public static func decode(_ data: Data, name: String) throws(SizingError) -> ModelCatalog {
        let catalog: ModelCatalog
        do {
            catalog = try JSONDecoder().decode(ModelCatalog.self, from: data)
        } catch {
            throw SizingError.data("\(name) is not a valid model catalog: \(describe(error))")
        }
        guard catalog.schema == schemaName else {
            throw SizingError.data("\(name) has schema '\(catalog.schema)', expected '\(schemaName)'")
        }
        for model in catalog.models {
            for (key, figure) in model.countFigures
            where !(figure.value > 0 && figure.value.isFinite && figure.value.rounded() == figure.value && figure.value < 1e12) {
                throw SizingError.data("\(name): \(model.id).\(key) must be a positive whole number, got \(figure.value)")
            }
            if let problem = model.shape.problems.first {
                throw SizingError.data("\(name): \(model.id) is not a valid shape: \(problem)")
            }
        }
        return catalog
    }

    /// Finds a model by id, alias or name, ignoring case, spaces, `-`, `_` and `.`.
    /// Unknown or ambiguous names are usage errors naming `--model` and the known ids.
    public func lookup(_ query: String) throws(SizingError) -> ModelEntry {
        let key = Catalog.normalize(query)
        guard !key.isEmpty else { throw SizingError.usage("--model needs a name; known: \(ids)") }
        let matches = models.filter { model in
            ([model.id, model.name] + model.aliases).contains { Catalog.normalize($0) == key }
        }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw SizingError.usage("--model '\(query)' is ambiguous: \(matches.map(\.id).joined(separator: ", "))")
        }
        throw SizingError.usage("--model '\(query)' is not in the model catalog; known: \(ids)")
    }

    private var ids: String { models.map(\.id).joined(separator: ", ") }
}
