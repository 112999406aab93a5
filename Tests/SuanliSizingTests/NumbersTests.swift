import Testing
@testable import SuanliSizing

@Suite("Quantities and formatting")
struct NumbersTests {
    @Test(arguments: [
        ("175e9", 175e9), ("175B", 175e9), ("1.4T", 1.4e12), ("300M", 300e6), ("2.5k", 2500.0),
        ("2.5K", 2500.0), ("1_000", 1000.0), ("0.6", 0.6), ("  42 ", 42.0), ("3.2P", 3.2e15), ("7G", 7e9),
    ])
    func parsesSuffixes(text: String, expected: Double) {
        let value = Quantity.parse(text)
        #expect(value != nil)
        if let value { #expect(abs(value - expected) <= 1e-9 * expected) }
    }

    @Test(arguments: ["", "abc", "175X", "1.4.4T", "0x10", "5m", "B", "--3"])
    func rejectsNonNumbers(text: String) {
        #expect(Quantity.parse(text) == nil)
    }

    @Test func nonFiniteParseButAreRejectedWithTheOptionName() {
        #expect(Quantity.parse("nan")?.isNaN == true)
        #expect(Quantity.parse("inf") == .infinity)
        for bad in ["nan", "inf", "-inf", "infinity"] {
            #expect(throws: SizingError.usage("--tokens must be a finite number, got '\(bad)'")) {
                try Quantity.positive(bad, option: "--tokens")
            }
        }
    }

    @Test func zeroAndNegativeAreRejected() throws {
        #expect(throws: SizingError.usage("--params must be greater than 0, got '0'")) {
            try Quantity.positive("0", option: "--params")
        }
        #expect(throws: SizingError.self) { try Quantity.positive("-1B", option: "--params") }
        #expect(throws: SizingError.self) { try Quantity.count("2.5", option: "--devices") }
        #expect(throws: SizingError.self) { try Quantity.fraction("1", option: "--interconnect-loss", allowOne: false) }
        #expect(throws: SizingError.self) { try Quantity.fractionAboveZero("1.01", option: "--mfu") }
        #expect(try Quantity.fraction("0", option: "--overlap", allowOne: true) == 0)
        #expect(try Quantity.count("1k", option: "--devices") == 1000)
    }

    @Test func errorsAreOneLineAndNameTheOption() {
        do {
            _ = try Quantity.positive("12Q", option: "--days")
            Issue.record("expected an error")
        } catch let error as SizingError {
            #expect(error.description.contains("--days"))
            #expect(!error.description.contains("\n"))
            #expect(error.exitCode == 64)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func formatsNumbers() {
        #expect(Format.number(6066.6666) == "6,066.67")
        #expect(Format.number(6067, decimals: 0) == "6,067")
        #expect(Format.number(1_011_200_000) == "1,011,200,000")
        #expect(Format.number(0.5) == "0.5")
        #expect(Format.number(-12.345) == "-12.35")
        #expect(Format.number(3.15e23) == "3.15e23")
        #expect(Format.scientific(9.996e20) == "1e21")
        #expect(Format.scientific(1.2345e-5) == "1.23e-5")
        #expect(Format.short(175e9) == "175B")
        #expect(Format.short(1.4e12) == "1.4T")
        #expect(Format.short(2500) == "2.5k")
    }
}
