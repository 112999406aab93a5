#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import SuanliSizing

@Suite("Model catalog and transformer shapes")
struct ModelCatalogTests {
    let models: ModelCatalog = {
        do { return try ModelCatalog.embedded() } catch { fatalError("embedded model catalog: \(error)") }
    }()

    @Test func holdsTheModelsOfTheIssueWithSources() {
        let ids = Set(models.models.map(\.id))
        for id in ["gpt3-175b", "bloom-176b", "mt-nlg-530b", "opt-175b", "llama2-70b", "llama3-405b"] {
            #expect(ids.contains(id), "\(id)")
        }
        #expect(ids.count == models.models.count, "ids are unique")
        for model in models.models {
            for (key, citation) in model.citations { #expect(!citation.isEmpty, "\(model.id).\(key)") }
            #expect(!model.params.source.isEmpty)
        }
    }

    /// The computed count matches each published count to within its rounding (Llama 2 70B is 69.0B
    /// computed; the paper rounds to 70B) and the left-out biases and position embeddings.
    @Test func parameterCountsMatchThePublishedOnes() {
        for model in models.models {
            let computed = model.shape.parameterCount
            let published = model.params.value
            #expect(abs(computed / published - 1) < 0.02, "\(model.id): \(computed) vs \(published)")
        }
    }

    @Test func closedFormCountsOfKnownShapes() {
        // GPT-style: 12·L·h² + 13·L·h-ish; here exactly L·(4h² + 8h² + 2h) + V·h + h.
        let gpt = TransformerShape(layers: 2, hidden: 8, heads: 2, vocab: 10)
        #expect(gpt.parameterCount == Double(2 * (4 * 64 + 2 * 8 * 32 + 2 * 8) + 10 * 8 + 8))
        #expect(gpt.ffn == 32 && gpt.kvHeads == 2 && gpt.headDim == 4)
        // Grouped-query, gated, untied: Q,O 2h², K,V 2·h·(kv·d), MLP 3·h·f, output layer separate.
        let llama = TransformerShape(layers: 3, hidden: 16, heads: 4, kvHeads: 2, ffn: 40, gatedFFN: true,
                                     vocab: 7, tiedEmbeddings: false)
        let perLayer = 2 * 16 * 16 + 2 * 16 * 8 + 3 * 16 * 40 + 2 * 16
        #expect(llama.parameterCount == Double(3 * perLayer + 2 * 7 * 16 + 16))
        #expect(llama.queryGroup == 2 && llama.kvWidth == 8)
    }

    @Test func invalidShapesNameTheOption() {
        let zero = TransformerShape(layers: 0, hidden: 8, heads: 2, vocab: 10)
        #expect(zero.problems == [.notPositive(option: "layers", value: 0)])
        let badHeads = TransformerShape(layers: 1, hidden: 10, heads: 3, vocab: 10)
        #expect(badHeads.problems.contains(.headsDoNotDivideHidden(hidden: 10, heads: 3)))
        let badKV = TransformerShape(layers: 1, hidden: 12, heads: 4, kvHeads: 3, vocab: 10)
        #expect(badKV.problems.contains(.kvHeadsDoNotDivideHeads(heads: 4, kvHeads: 3)))
        #expect(throws: SizingError.self) { try badKV.validate() }
        #expect(badKV.problems.first.map { "\($0)" }?.contains("--kv-heads") == true)
    }

    @Test func lookupByIdAliasAndName() throws {
        #expect(try models.lookup("BLOOM").id == "bloom-176b")
        #expect(try models.lookup("Llama 3 405B").id == "llama3-405b")
        #expect(try models.lookup("llama-3.1-405b").id == "llama3-405b")
        #expect(try models.lookup("mt_nlg").id == "mt-nlg-530b")
        do {
            _ = try models.lookup("gpt5")
            Issue.record("unknown model accepted")
        } catch {
            #expect(error.exitCode == 64)
            #expect(error.description.contains("--model 'gpt5'") && error.description.contains("bloom-176b"))
        }
    }

    @Test func malformedCatalogsAreDataErrors() {
        #expect(throws: SizingError.self) { _ = try ModelCatalog.decode(Data("{".utf8), name: "m.json") }
        let wrongSchema = #"{"schema": "other/1", "models": []}"#
        do {
            _ = try ModelCatalog.decode(Data(wrongSchema.utf8), name: "m.json")
            Issue.record("wrong schema accepted")
        } catch { #expect(error.exitCode == 65) }
    }
}
