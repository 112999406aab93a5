#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

// Reading result files: parallel reads, decoding (with the samples read apart at CI scale),
// schema checks and validation. The record types themselves are in ResultDocument.swift.
extension ResultStore {
    /// Reads (and validates) several files at once, on every core: the result of each, in order.
    public static func readAll(_ paths: [String]) -> [Result<ResultDocument, any Error>] {
        let slots = Mutex<[Result<ResultDocument, any Error>?]>(Array(repeating: nil, count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let result = Result<ResultDocument, any Error> { try read(paths[index]) }
            slots.withLock { $0[index] = result }
        }
        return slots.withLock { $0.map { $0! } }
    }

    public static func read(_ path: String) throws -> ResultDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError("\(path): cannot be read")
        }
        return try decode(data, name: path)
    }

    /// Decodes a result file's bytes (any readable schema version, migrated to the current one)
    /// and checks that its figures can be true (`ResultValidation`): a one-line `BenchmarkError`
    /// naming `name` when it is not a readable result file, a `ResultValidationError` naming the
    /// file, the measurement and the field when a figure is impossible. Sizing's calibration reads
    /// files through it.
    public static func decode(_ data: Data, name path: String) throws -> ResultDocument {
        var document = try decodeUnchecked(data, name: path)
        try ResultValidation.validate(document, name: path)
        document.schema = ResultDocument.currentSchema
        return document
    }

    /// A decoder that reads the non-JSON numbers some writers produce, as the strings "NaN",
    /// "Infinity" and "-Infinity", so that validation can name them.
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity",
                                                                        nan: "NaN")
        return decoder
    }

    static func decodeUnchecked(_ data: Data, name path: String) throws -> ResultDocument {
        // The whole document first (one parse of a file that may hold millions of samples); the
        // header is looked at on its own only to say why a file does not decode.
        if let fast = try? decodeWithSamplesApart(data) {
            _ = try checkSchema(fast.schema, path: path)
            return fast
        }
        let decoded: ResultDocument
        do {
            decoded = try decoder().decode(ResultDocument.self, from: data)
        } catch let error {
            struct Header: Decodable { var schema: String? }
            guard let header = try? decoder().decode(Header.self, from: data) else {
                // Bare NaN or Infinity (as Python's json writes them) are not JSON: read them as the
                // strings the decoder accepts, so the file is refused for the figure, not as corrupt.
                if let quoted = quoteNonFiniteNumbers(data), (try? decoder().decode(Header.self, from: quoted)) != nil {
                    return try decodeUnchecked(quoted, name: path)
                }
                throw BenchmarkError("\(path): not a JSON object (corrupt or truncated?)")
            }
            let schema = try checkSchema(header.schema, path: path)
            switch error {
            case let DecodingError.keyNotFound(key, context):
                throw BenchmarkError("\(path): invalid \(schema) document: missing '\(key.stringValue)' at \(describe(context.codingPath))")
            case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
                throw BenchmarkError("\(path): invalid \(schema) document: wrong value at \(describe(context.codingPath))")
            case let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty:
                throw BenchmarkError("\(path): invalid \(schema) document: unreadable value at \(describe(context.codingPath))")
            default:
                throw BenchmarkError("\(path): invalid \(schema) document (corrupt or truncated)")
            }
        }
        _ = try checkSchema(decoded.schema, path: path)
        return decoded
    }

    /// Files of tens of thousands of measurements hold millions of samples, and the generic
    /// decoder spends most of its time on them: each measurement's `samples` array is read here
    /// with the C library's correctly rounded `strtod` (the conversion the decoder itself makes,
    /// so the values are the same to the bit), the rest of the document by the decoder. nil (and
    /// the caller decodes the whole file the ordinary way) for anything unusual: a sample that is
    /// not a plain JSON number, a measurement with two `samples`, malformed JSON.
    static func decodeWithSamplesApart(_ data: Data) throws -> ResultDocument? {
        guard let (slim, samples) = SamplesScanner.split(data) else { return nil }
        var document = try decoder().decode(ResultDocument.self, from: slim)
        for (index, values) in samples {
            guard index < document.measurements.count, document.measurements[index].samples.isEmpty else { return nil }
            document.measurements[index].samples = values
        }
        return document
    }

    /// The schema when this build reads it; a one-line error otherwise.
    static func checkSchema(_ schema: String?, path: String) throws -> String {
        guard let schema, schema.hasPrefix("suanli.result/") else {
            throw BenchmarkError("\(path): not a Suanli result file (no suanli.result schema)")
        }
        guard ResultDocument.readableSchemas.contains(schema) else {
            throw BenchmarkError("\(path): schema \(schema) is not supported (this build reads "
                                 + ResultDocument.readableSchemas.joined(separator: ", ") + ")")
        }
        return schema
    }

    /// The bytes with every bare `NaN`, `Infinity` and `-Infinity` outside strings quoted; nil
    /// when there is none.
    static func quoteNonFiniteNumbers(_ data: Data) -> Data? {
        let bytes = [UInt8](data)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var inString = false, escaped = false, changed = false
        var i = 0
        let tokens: [[UInt8]] = [Array("-Infinity".utf8), Array("Infinity".utf8), Array("NaN".utf8)]
        outer: while i < bytes.count {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                out.append(b)
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true }
            if b == UInt8(ascii: "N") || b == UInt8(ascii: "I") || b == UInt8(ascii: "-") {
                for token in tokens where i + token.count <= bytes.count && bytes[i..<(i + token.count)].elementsEqual(token) {
                    out.append(UInt8(ascii: "\""))
                    out.append(contentsOf: token)
                    out.append(UInt8(ascii: "\""))
                    i += token.count
                    changed = true
                    continue outer
                }
            }
            out.append(b)
            i += 1
        }
        return changed ? Data(out) : nil
    }
}

private func describe(_ path: [any CodingKey]) -> String {
    path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
}

/// Finds `measurements[i].samples` in a result file's bytes by following the JSON structure
/// (objects, arrays, strings with escapes), and reads those arrays of numbers directly.
enum SamplesScanner {
    /// The bytes with every measurement's samples array emptied, and the arrays by measurement
    /// index; nil when the structure is not plain (see `decodeWithSamplesApart`).
    static func split(_ data: Data) -> (Data, [(Int, [Double])])? {
        data.withUnsafeBytes { raw -> (Data, [(Int, [Double])])? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            return split(UnsafeBufferPointer(start: base, count: raw.count))
        }
    }

    private static let measurementsKey = Array("measurements".utf8)
    private static let samplesKey = Array("samples".utf8)

    static func split(_ b: UnsafeBufferPointer<UInt8>) -> (Data, [(Int, [Double])])? {
        let count = b.count
        var slim: [UInt8] = []
        slim.reserveCapacity(count / 4)
        var found: [(Int, [Double])] = []
        // Containers open: true for an object. Per level, the key last read (for objects: 1 for
        // "measurements", 2 for "samples", 0 other) and whether a key is expected next.
        var isObject: [Bool] = [], key: [Int] = [], expectingKey: [Bool] = []
        var measurementIndex = -1
        var copiedUpTo = 0
        var i = 0
        @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
        while i < count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let object = c == UInt8(ascii: "{")
                let depth = isObject.count
                if object && depth == 2 && isObject[0] && key[0] == 1 && !isObject[1] { measurementIndex += 1 }
                if !object && depth == 3 && isObject[0] && key[0] == 1 && !isObject[1] && isObject[2] && key[2] == 2 {
                    // measurements[measurementIndex].samples: numbers up to the closing bracket.
                    guard let (values, end) = numbers(b, from: i + 1) else { return nil }
                    slim.append(contentsOf: UnsafeBufferPointer(rebasing: b[copiedUpTo..<i]))
                    slim.append(contentsOf: [UInt8(ascii: "["), UInt8(ascii: "]")])
                    copiedUpTo = end
                    found.append((measurementIndex, values))
                    key[2] = 0
                    i = end
                    continue
                }
                isObject.append(object)
                key.append(0)
                expectingKey.append(object)
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard let last = isObject.popLast(), last == (c == UInt8(ascii: "}")) else { return nil }
                key.removeLast()
                expectingKey.removeLast()
                i += 1
            case UInt8(ascii: ","):
                if let last = isObject.last, last { expectingKey[expectingKey.count - 1] = true }
                i += 1
            case UInt8(ascii: ":"):
                i += 1
            case UInt8(ascii: "\""):
                let start = i + 1
                var j = start
                while j < count && b[j] != UInt8(ascii: "\"") { j += b[j] == UInt8(ascii: "\\") ? 2 : 1 }
                guard j < count else { return nil }
                if let last = isObject.last, last, expectingKey[expectingKey.count - 1] {
                    let name = UnsafeBufferPointer(rebasing: b[start..<j])
                    key[key.count - 1] = name.elementsEqual(measurementsKey) ? 1 : name.elementsEqual(samplesKey) ? 2 : 0
                    expectingKey[expectingKey.count - 1] = false
                }
                i = j + 1
            default:
                i += 1   // numbers, literals, white space
            }
        }
        guard isObject.isEmpty else { return nil }
        slim.append(contentsOf: UnsafeBufferPointer(rebasing: b[copiedUpTo..<count]))
        return (Data(slim), found)
    }

    /// The numbers of an array whose "[" is just before `from`, and the index after its "]";
    /// nil unless every element is a plain JSON number that converts to a finite Double.
    static func numbers(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> ([Double], Int)? {
        var values: [Double] = []
        var i = from
        let count = b.count
        @inline(__always) func skipSpace() {
            while i < count && (b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09) { i += 1 }
        }
        @inline(__always) func isDigit(_ k: Int) -> Bool { k < count && b[k] >= 0x30 && b[k] <= 0x39 }
        skipSpace()
        if i < count && b[i] == UInt8(ascii: "]") { return (values, i + 1) }
        var buffer = [CChar](repeating: 0, count: 64)
        while true {
            skipSpace()
            // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
            // Read on the way: the significant digits as an integer (while there are at most
            // 19) and the power of ten that scales them, for `exactValue`.
            let start = i
            var significand: UInt64 = 0, digits = 0, exponent = 0
            @inline(__always) func digit(_ k: Int) {
                let d = b[k] &- 0x30
                if significand != 0 || d != 0 {
                    digits += 1
                    significand = significand &* 10 &+ UInt64(d)
                }
            }
            let negative = i < count && b[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            guard isDigit(i) else { return nil }
            if b[i] == UInt8(ascii: "0") { i += 1 } else { while isDigit(i) { digit(i); i += 1 } }
            if i < count && b[i] == UInt8(ascii: ".") {
                i += 1
                guard isDigit(i) else { return nil }
                while isDigit(i) { digit(i); exponent -= 1; i += 1 }
            }
            var exact = true
            if i < count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
                i += 1
                var exponentNegative = false
                if i < count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) {
                    exponentNegative = b[i] == UInt8(ascii: "-")
                    i += 1
                }
                guard isDigit(i) else { return nil }
                var written = 0
                while isDigit(i) {
                    if written < 100_000 { written = written * 10 + Int(b[i] &- 0x30) } else { exact = false }
                    i += 1
                }
                exponent += exponentNegative ? -written : written
            }
            let length = i - start
            guard length < buffer.count else { return nil }
            let value: Double
            if exact && digits <= 19, let fast = exactValue(negative: negative, significand: significand, exponent: exponent) {
                value = fast
            } else {
                value = buffer.withUnsafeMutableBufferPointer { out in
                    for k in 0..<length { out[k] = CChar(bitPattern: b[start + k]) }
                    out[length] = 0
                    return strtod(out.baseAddress!, nil)
                }
            }
            guard value.isFinite else { return nil }
            values.append(value)
            skipSpace()
            guard i < count else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { return (values, i + 1) }
            return nil
        }
    }

    /// Powers of ten that are exact as Doubles (10^0 to 10^22).
    private static let exactPowers: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { value, _ in value * 10 } }

    #if arch(x86_64) && !os(Windows)
    /// Powers of ten that are exact in 80-bit extended precision (10^0 to 10^27: 5^27 < 2^64).
    private static let extendedPowers: [Float80] = (0...27).map { e in (0..<e).reduce(Float80(1)) { value, _ in value * 10 } }
    #endif

    /// The Double nearest to ±significand × 10^exponent (significand of at most 19 digits), as
    /// `strtod` gives it, when it can be had exactly without `strtod`; nil otherwise. With a
    /// significand ≤ 2^53 and |exponent| ≤ 22 both operands are exact Doubles, and one correctly
    /// rounded multiplication or division gives the nearest Double. Otherwise (x86-64) the same
    /// in 80-bit extended precision (the significand and 10^|exponent| ≤ 10^27 exact in its 64-bit
    /// significand), then rounded to a Double: that second rounding can only err when the extended
    /// result lies exactly halfway between two Doubles, and that case is left to `strtod`.
    static func exactValue(negative: Bool, significand: UInt64, exponent: Int) -> Double? {
        if significand == 0 { return negative ? -0.0 : 0.0 }
        var value: Double
        if significand <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            let p = exactPowers[abs(exponent)]
            value = exponent < 0 ? Double(significand) / p : Double(significand) * p
        } else {
            #if arch(x86_64) && !os(Windows)
            guard exponent >= -27 && exponent <= 27 else { return nil }
            let power = extendedPowers[abs(exponent)]
            let extended = exponent < 0 ? Float80(significand) / power : Float80(significand) * power
            // The 11 bits of the 64-bit significand below a Double's 53: exactly 100…0 is a tie.
            if extended.significandBitPattern & 0x7FF == 0x400 { return nil }
            value = Double(extended)
            #else
            return nil
            #endif
        }
        return negative ? -value : value
    }

    /// `exactValue` of the JSON number in `b[start..<end]` (already checked to be one).
    static func fastNumber(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        let negative = b[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var w: UInt64 = 0, digits = 0, exponent = 0
        var seenPoint = false
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: ".") { seenPoint = true; i += 1; continue }
            guard c >= 0x30 && c <= 0x39 else { break }
            if w != 0 || c != 0x30 {
                digits += 1
                guard digits <= 19 else { return nil }
                w = w &* 10 &+ UInt64(c &- 0x30)
            }
            if seenPoint { exponent -= 1 }
            i += 1
        }
        if i < end {
            // e or E, an optional sign, digits.
            i += 1
            var exponentNegative = false
            if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { exponentNegative = b[i] == UInt8(ascii: "-"); i += 1 }
            var written = 0
            while i < end {
                written = written * 10 + Int(b[i] &- 0x30)
                guard written < 10_000 else { return nil }
                i += 1
            }
            exponent += exponentNegative ? -written : written
        }
        return exactValue(negative: negative, significand: w, exponent: exponent)
    }
}
