/// FLOP counts of a dense decoder-only transformer, as pure functions (closed forms in the tests).
/// Attention counts the full s × s product (the convention of Megatron-LM and PaLM's MFU), even
/// where a causal kernel skips half of it.
public enum TransformerWork {
    /// Megatron-LM pads the vocabulary to a multiple of 128 × tensor parallelism.
    public static func paddedVocab(_ vocab: Int, tensor: Int) -> Int {
        let multiple = StepConstants.vocabPadding * max(tensor, 1)
        return (vocab + multiple - 1) / multiple * multiple
    }

    /// Weights multiplied in one layer's GEMMs (Q, K, V, output projection and MLP).
    public static func gemmWeightsPerLayer(_ shape: TransformerShape) -> Double {
        shape.attentionParametersPerLayer + shape.mlpParametersPerLayer
    }

    /// Forward FLOPs of one layer for one sequence of `seq` tokens: 2 per weight per token, plus
    /// 4·s²·h for the attention scores and the attention over values.
    public static func layerForwardFLOPs(_ shape: TransformerShape, seq: Int) -> Double {
        let s = Double(seq), h = Double(shape.hidden)
        return 2 * s * gemmWeightsPerLayer(shape) + 4 * s * s * h
    }

    /// Forward FLOPs of the output layer (logits) for one sequence.
    public static func logitsForwardFLOPs(_ shape: TransformerShape, seq: Int, vocab: Int) -> Double {
        2 * Double(seq) * Double(vocab) * Double(shape.hidden)
    }

    /// Model FLOPs of one iteration over `batch` sequences: forward plus a backward pass of twice
    /// the forward (MFU's numerator; PaLM appendix B).
    public static func modelFLOPs(_ shape: TransformerShape, batch: Int, seq: Int, vocab: Int) -> Double {
        let forward = Double(shape.layers) * layerForwardFLOPs(shape, seq: seq)
            + logitsForwardFLOPs(shape, seq: seq, vocab: vocab)
        return 3 * forward * Double(batch)
    }

    /// FLOPs repeated by activation recomputation in one iteration: full repeats each layer's
    /// forward; selective repeats the attention core (4·s²·h per layer); the output layer never.
    public static func recomputeFLOPs(_ shape: TransformerShape, batch: Int, seq: Int, recompute: Recompute) -> Double {
        let s = Double(seq), h = Double(shape.hidden), b = Double(batch), l = Double(shape.layers)
        switch recompute {
        case .none: return 0
        case .selective: return b * l * 4 * s * s * h
        case .full: return b * l * layerForwardFLOPs(shape, seq: seq)
        }
    }

    /// Hardware FLOPs: model FLOPs plus recomputation (HFU's numerator; PaLM §4.1).
    public static func hardwareFLOPs(
        _ shape: TransformerShape, batch: Int, seq: Int, vocab: Int, recompute: Recompute
    ) -> Double {
        modelFLOPs(shape, batch: batch, seq: seq, vocab: vocab)
            + recomputeFLOPs(shape, batch: batch, seq: seq, recompute: recompute)
    }
}

/// Activation memory per layer by Korthikanti et al. 2022 ("Reducing Activation Recomputation in
/// Large Transformer Models", §4), generalised to grouped-query attention and gated MLPs by the same
/// accounting: 2 bytes per stored activation element, 1 byte per dropout-mask element.
public enum ActivationMemory {
    /// Bytes one layer stores for one micro-batch of `microbatch` sequences of `seq` tokens on one
    /// tensor-parallel rank. For a GPT shape (kv heads = heads, ffn = 4h) this is Korthikanti's
    /// sbh(10 + 24/t + 5as/(ht)) without sequence parallelism and sbh(34/t + 5as/(ht)) with it;
    /// selective recomputation drops the 5as/(ht) term; full recomputation stores only the layer
    /// input, 2sbh (÷ t with sequence parallelism). Flash attention stores no s × s scores either.
    public static func perLayerBytes(
        _ shape: TransformerShape, seq: Int, microbatch: Int, tensor t: Int, sequenceParallel: Bool,
        recompute: Recompute, attention: AttentionKernel
    ) -> Double {
        let s = Double(seq), b = Double(microbatch), h = Double(shape.hidden), tt = Double(t)
        let sbh = s * b * h
        if recompute == .full { return 2 * sbh / (sequenceParallel ? tt : 1) }
        // Norm inputs (2 × 2sbh), QKV and MLP inputs (2 × 2sbh), two dropout masks (2 × sbh):
        // replicated across the tensor-parallel group unless sequence parallelism shards them.
        let replicated = 10 * sbh / (sequenceParallel ? tt : 1)
        // Q, K, V for the scores and the values (2sbh + 2·2·s·b·kv), attention output into the
        // projection (2sbh), the MLP's activation input and second-GEMM input (2·2·s·b·f, gated 3·2·s·b·f).
        let kv = Double(shape.kvWidth)
        let f = Double(shape.ffn)
        let split = (2 * sbh + 4 * s * b * kv + 2 * sbh + Double(shape.gatedFFN ? 6 : 4) * s * b * f) / tt
        // Softmax output (2), dropout mask (1), dropout output (2) bytes per score element.
        let scores = (recompute == .none && attention == .materialized)
            ? 5 * Double(shape.heads) * s * s * b / tt : 0
        return replicated + split + scores
    }
}
