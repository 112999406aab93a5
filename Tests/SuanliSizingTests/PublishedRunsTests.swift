import Foundation
import Testing
@testable import SuanliSizing

/// The uncalibrated step model against Megatron-LM's published runs (the rows of
/// `Scripts/training-cases.sh`, same inputs): prints each error and the mean and maximum, and fails
/// when they get worse than the figures Docs/sizing.md reports. Nothing is fitted to these rows; the
/// bounds only stop a change from making the model worse on them unnoticed.
@Suite("Step model: published Megatron-LM runs")
struct PublishedRunsTests {
    struct Row { let name: String; let published: Double; let options: StepOptions; let figure: (StepResult) -> Double }

    /// Megatron-LM README, images/model_table.png: GPT shapes, vocabulary 131,072, sequence 4,096, DP 48,
    /// sequence parallelism with TP, distributed optimizer, overlapped gradient reduction; model TFLOP/s per GPU.
    static var megatronH100: [Row] {
        [("1.7B", 16, 2048, 24, 1, 1, 192, 408.8), ("7.1B", 32, 4096, 30, 2, 1, 192, 465.9),
         ("16B", 48, 6144, 32, 4, 1, 192, 489.1), ("32B", 56, 7168, 48, 8, 1, 192, 459.6),
         ("70B", 64, 8192, 84, 8, 2, 384, 419.7), ("119B", 80, 10240, 92, 8, 4, 768, 420.5),
         ("177B", 96, 12288, 96, 8, 6, 1152, 432.8), ("314B", 128, 16384, 96, 8, 8, 1536, 474.4),
         ("462B", 144, 18432, 112, 8, 16, 3072, 459.9)].map { name, heads, hidden, layers, tp, pp, batch, published in
            var o = StepOptions.defaults
            o.device = "h100-sxm"; o.shape.details.vocab = 131_072; o.shape.seqLen = 4096; o.shape.details.untiedEmbeddings = true
            o.parallel.overlapGradReduce = true; o.parallel.zero = 1
            o.shape.layers = layers; o.shape.hidden = hidden; o.shape.details.heads = heads; o.parallel.tp = tp; o.parallel.pp = pp; o.parallel.dp = 48; o.parallel.globalBatch = batch
            o.parallel.sequenceParallel = tp > 1
            return Row(name: "Megatron-LM \(name)", published: published, options: o, figure: { $0.modelTFLOPSPerDevice })
        }
    }

    /// Korthikanti et al. 2022 (Megatron-LM on A100), iteration seconds: full recomputation, and selective
    /// recomputation with sequence parallelism.
    static var korthikantiA100: [Row] {
        [("22B", 48, 6144, 64, 1, 4, 4, 1, 1.42, 1.10), ("175B", 96, 12288, 96, 8, 64, 1, 3, 18.13, 13.75),
         ("530B", 105, 20480, 128, 35, 280, 1, 3, 49.05, 37.83), ("1T", 128, 25600, 160, 64, 512, 1, 1, 94.42, 71.49)]
            .flatMap { name, layers, hidden, heads, pp, batch, mb, v, full, selective -> [Row] in
                [(Recompute.full, full, "full recompute"), (.selective, selective, "selective + SP")].map { recompute, published, label in
                    var o = StepOptions.defaults
                    o.device = "a100-80gb"; o.parallel.attention = .materialized; o.shape.details.vocab = 51_200; o.shape.seqLen = 2048
                    o.shape.layers = layers; o.shape.hidden = hidden; o.shape.details.heads = heads; o.parallel.tp = 8; o.parallel.pp = pp
                    o.parallel.globalBatch = batch; o.parallel.microbatch = mb; o.parallel.interleave = v; o.recompute = recompute
                    o.parallel.sequenceParallel = recompute == .selective
                    return Row(name: "Korthikanti \(name) \(label)", published: published, options: o, figure: { $0.iterationSeconds })
                }
            }
    }

    /// Errors in percent, printed as a table with the mean |error| and the maximum.
    func errors(_ rows: [Row], title: String) throws -> (mean: Double, max: Double) {
        var lines = [title]
        var absolute: [Double] = []
        for row in rows {
            let r = try StepPlanner.plan(row.options, catalog: catalog, models: modelCatalog, readFile: files([:])).result
            let error = 100 * (row.figure(r) / row.published - 1)
            absolute.append(abs(error))
            let name = row.name.padding(toLength: 36, withPad: " ", startingAt: 0)
            lines.append("  " + name + String(format: " %10.2f %10.2f %+7.1f%%", row.figure(r), row.published, error))
        }
        let mean = absolute.reduce(0, +) / Double(absolute.count), worst = absolute.max() ?? 0
        lines.append(String(format: "  mean |error| %.1f%%, max %.1f%%", mean, worst))
        print(lines.joined(separator: "\n"))
        return (mean, worst)
    }

    @Test func megatronH100WeakScaling() throws {
        let e = try errors(Self.megatronH100, title: "Megatron-LM H100 weak scaling, model TFLOP/s per GPU (model, published, error)")
        // Docs/sizing.md: mean 12.4%, max 41.5% (the aim, ±5% mean and ±10% max, is not met).
        // It was 6.9% and 16.6% while the data-parallel ring ran over one NIC per rank: the
        // small models' agreement rested on that error (8× too slow a reduction at TP 1).
        #expect(e.mean <= 12.5 && e.max <= 41.6, "mean \(e.mean), max \(e.max)")
    }

    /// The same rows with more of what the README and Megatron-LM's defaults say the runs did:
    /// `--overlap-param-gather` (README; the library's `overlapParamGather`) and fp32 gradient
    /// accumulation and reduction under bf16 (megatron/training/arguments.py: "bfloat16 requires
    /// gradient accumulation and all-reduce to be done in fp32"), and `--tp-comm-overlap` (README;
    /// Megatron-LM accepts it only with sequence parallelism, so on the rows with TP > 1).
    /// Printed beside the script's rows; the bounds are the figures Docs/sizing.md reports.
    @Test func megatronH100WithThePublishedOverlaps() throws {
        let rows = Self.megatronH100.map { row -> Row in
            var o = row.options
            o.parallel.overlapParamGather = true
            o.gradientBytesPerParam = Amount(4)
            o.parallel.tpCommOverlap = o.parallel.tp > 1
            return Row(name: row.name, published: row.published, options: o, figure: row.figure)
        }
        let e = try errors(rows, title: "Megatron-LM H100 with the README's overlaps and fp32 gradients")
        // Docs/sizing.md: mean 20.6%, max 46.8% (14.0% and 45.6% before --tp-comm-overlap was modelled).
        #expect(e.mean <= 20.7 && e.max <= 46.9, "mean \(e.mean), max \(e.max)")
    }

    @Test func korthikantiA100() throws {
        let e = try errors(Self.korthikantiA100, title: "Korthikanti et al. 2022, A100, iteration seconds (model, published, error)")
        // Docs/sizing.md: mean 6.1%, max 10.1%.
        #expect(e.mean <= 6.2 && e.max <= 10.2, "mean \(e.mean), max \(e.max)")
    }
}
