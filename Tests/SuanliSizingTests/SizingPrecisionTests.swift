import Testing
@testable import SuanliSizing

/// The sizing side's precision vocabulary: each case's bytes, catalog key and bench names.
@Suite struct SizingPrecisionTests {
    struct Row: Sendable, CustomStringConvertible {
        var precision: SizingPrecision
        var bytes: Double
        var catalogKey: String?
        var bench: String
        var trainingBench: String
        var matrix: Bool
        var description: String { precision.rawValue }
    }

    static let table: [Row] = [
        Row(precision: .fp32, bytes: 4, catalogKey: "fp32", bench: "fp32", trainingBench: "fp32", matrix: false),
        Row(precision: .tf32, bytes: 4, catalogKey: "tf32", bench: "tf32", trainingBench: "tf32", matrix: true),
        Row(precision: .bf16, bytes: 2, catalogKey: "bf16", bench: "bf16", trainingBench: "bf16", matrix: true),
        Row(precision: .fp16, bytes: 2, catalogKey: "fp16", bench: "fp16", trainingBench: "mixed", matrix: true),
        Row(precision: .fp8, bytes: 1, catalogKey: "fp8", bench: "fp8", trainingBench: "fp8", matrix: true),
        Row(precision: .int8, bytes: 1, catalogKey: "int8", bench: "int8", trainingBench: "int8", matrix: true),
        Row(precision: .mixed, bytes: 2, catalogKey: "fp16", bench: "mixed", trainingBench: "mixed", matrix: true),
        Row(precision: .fp64, bytes: 8, catalogKey: nil, bench: "fp64", trainingBench: "fp64", matrix: false),
    ]

    @Test func everyCaseIsInTheTable() {
        #expect(Self.table.map(\.precision) == SizingPrecision.allCases)
    }

    @Test(arguments: table)
    func mapping(_ row: Row) {
        let p = row.precision
        #expect(p.bytes == row.bytes)
        #expect(p.isEightBit == (row.bytes == 1))
        #expect(p.catalogKey == row.catalogKey)
        #expect(p.benchName == row.bench)
        #expect(p.trainingBenchName == row.trainingBench)
        #expect(SizingPrecision.trainingBenchName(p.rawValue) == row.trainingBench)
        #expect(p.isMatrixType == row.matrix)
        #expect(SizingPrecision(bench: row.bench) == p)
        // Only the catalog's own precisions come back from their key (mixed shares fp16's).
        #expect(SizingPrecision(catalogKey: p.rawValue) == (SizingPrecision.catalogCases.contains(p) ? p : nil))
        #expect(Calibration.resultPrecision(for: p.rawValue) == row.trainingBench)
    }

    @Test func listsInTheirOrder() {
        #expect(SizingPrecision.catalogCases.map(\.rawValue) == ["fp32", "tf32", "bf16", "fp16", "fp8", "int8"])
        #expect(SizingPrecision.defaultOrder.map(\.rawValue) == ["bf16", "fp16", "fp8", "tf32", "fp32"])
        #expect(Calibration.trainingPrecisions == ["bf16", "fp16", "fp8", "tf32", "fp32", "mixed", "fp64"])
        #expect(SizingPrecision.servingCases.map(\.rawValue) == ["fp16", "bf16", "fp8", "int8"])
        #expect(Calibration.defaultPrecisionOrder == ["mixed", "fp16", "fp32"])
        // A result file's name the sizing side does not know passes through as the bench's.
        #expect(SizingPrecision.trainingBenchName("fp4") == "fp4")
        #expect(SizingPrecision(bench: "fp4") == nil)
    }

    @Test func parsersKeepTheirSpellingsAndMessages() throws {
        #expect(try SizingPrecision.serving("BF16", option: "--precision") == .bf16)
        #expect(throws: SizingError.usage("--kv-precision must be one of fp16, bf16, fp8, int8, got 'fp32'")) {
            try SizingPrecision.serving("fp32", option: "--kv-precision")
        }
        #expect(try SizingPrecision.training("mixed") == .mixed)
        #expect(throws: SizingError.usage("--precision must be one of bf16, fp16, fp8, tf32, fp32, mixed, fp64 with --calibrate, got 'BF16'")) {
            try SizingPrecision.training("BF16")
        }
    }
}
