import Foundation
import Testing
@testable import SuanliCore

/// The precision table and the number formats it names: every host conversion agrees with the
/// format's rounding, byte size and poison, so a wrong row shows up here and not as a GEMM that
/// fails on one device.
@Suite struct PrecisionTableTests {
    /// Values each format holds exactly (after its own rounding): small integers and halves.
    static func samples(_ format: NumberFormat) -> [Double] {
        let raw: [Double] = [1, -1, 2, -3, 0.5, -0.75, 7, 12, -96]
        return raw.map { format.round($0) }
    }

    @Test(arguments: NumberFormat.allCases)
    func encodeDecodeRoundTrips(_ format: NumberFormat) {
        let values = Self.samples(format)
        for encoding in [FP8Encoding.ocp, .fnuz] where format == .e4m3 || encoding == .ocp {
            let bytes = format.encode(values, fp8: encoding)
            #expect(bytes.count == values.count * format.bytes)
            #expect(format.decode(bytes, fp8: encoding) == values)
        }
    }

    @Test(arguments: NumberFormat.allCases)
    func bitsMatchTheEncoding(_ format: NumberFormat) {
        guard format != .float64 else { return }   // no 64-bit words in the packed layouts
        for value in Self.samples(format) {
            let bytes = format.encode([value])
            var word: UInt32 = 0
            for (i, b) in bytes.enumerated() { word |= UInt32(b) << (8 * UInt32(i)) }
            let mask: UInt32 = format.bytes == 4 ? .max : (1 << (8 * UInt32(format.bytes))) - 1
            #expect(format.bits(value, fp8: .ocp) & mask == word, "\(format) \(value)")
        }
    }

    @Test(arguments: NumberFormat.allCases)
    func poisonIsOutOfReach(_ format: NumberFormat) {
        let decoded = format.decode(format.poison(count: 3))
        #expect(decoded.count == 3)
        for v in decoded {
            switch format {
            case .int8: #expect(v == -128)
            case .int32: #expect(v == Double(Int32.min))
            default: #expect(v.isNaN, "\(format) poison decodes to \(v)")
            }
        }
    }

    @Test(arguments: NumberFormat.allCases)
    func roundingKeepsTheStatedSignificandBits(_ format: NumberFormat) {
        guard let bits = format.significandBits else {
            #expect(format.round(2.5) == 2 && format.round(-3.5) == -4)
            return
        }
        // 1 + 2^-(bits-1) is representable, 1 + 2^-bits is a tie that rounds to even (1).
        let ulp = Double(sign: .plus, exponent: -(bits - 1), significand: 1)
        #expect(format.round(1 + ulp) == 1 + ulp)
        #expect(format.round(1 + ulp / 2) == 1)
        #expect(format.unitRoundoff == ulp / 2)
    }

    @Test(arguments: Precision.allCases)
    func rowsAreConsistent(_ precision: Precision) {
        let t = precision.traits
        #expect(precision.elementBytes == t.input.bytes)
        #expect(precision.outputElementBytes == t.output.bytes)
        #expect(precision.isInteger == t.input.isInteger)
        #expect(t.accumulator.isInteger == t.output.isInteger)
        // The exact range fits the output and (but for fp8's reduced accumulator) the accumulator.
        if let outBits = t.output.significandBits {
            #expect(t.exactIntegerLimit <= Double(sign: .plus, exponent: outBits, significand: 1))
        }
        if t.accumulator.isInteger { #expect(t.accumulationUnitRoundoff == 0) }
        else { #expect(t.accumulationUnitRoundoff >= t.accumulator.unitRoundoff) }
        // The classic kernels' types are OpenCL C types; arithmetic in half or double names its extension.
        if let (real, acc) = t.classic {
            let defines = OpenCLBackend.precisionDefines(precision)
            #expect(defines.contains("-DREAL=\(real.openCLType!)") && defines.contains("-DACC=\(acc.openCLType!)"))
            #expect(defines.contains("USE_FP16") == (acc == .float16))
            #expect(defines.contains("USE_FP64") == (acc == .float64))
        }
        #expect((OpenCLBackend.vectorPeakDefines(precision) == nil) == (t.vectorPeak == nil))
    }
}
