import Testing
@testable import SuanliSizing

/// The JSON keys of every record whose `CodingKeys` the build generates (`@SnakeCaseCodingKeys`),
/// pinned as they were written by hand before the macro (sorted): a changed rule, a lost
/// exception or a renamed property fails here instead of changing a file format silently.
@Suite struct CatalogKeysTests {
    static func keys<Key: CodingKey & CaseIterable>(_: Key.Type) -> [String] { Key.allCases.map(\.stringValue).sorted() }

    @Test func catalogRecords() {
        #expect(Self.keys(Accelerator.CodingKeys.self) == ["achievable_bandwidth_gbps", "aliases", "attention_backward_tflops", "attention_forward_tflops", "compute_units", "dense_tflops", "gemm_bf16_sweep_tflops", "id", "interconnect_gbps", "intra_node_allreduce_busbw", "max_gemm_efficiency", "memory_bandwidth_gbps", "memory_gb", "name", "notes", "price", "scale_out_gbps", "sparse_tflops", "tdp_watts", "vendor"])
        #expect(Self.keys(ModelEntry.CodingKeys.self) == ["aliases", "ffn", "gated_ffn", "heads", "hidden", "id", "kv_heads", "layers", "name", "params", "seq_len", "tied_embeddings", "vocab"])
        #expect(Self.keys(TransformerShape.CodingKeys.self) == ["ffn", "gated_ffn", "heads", "hidden", "kv_heads", "layers", "seq_len", "tied_embeddings", "vocab"])
    }
}
