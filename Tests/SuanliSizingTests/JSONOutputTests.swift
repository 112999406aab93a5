import Foundation
import Testing
@testable import SuanliSizing

/// `--format json` output is hand-ordered but must be JSON that any parser reads back exactly.
@Suite struct JSONOutputTests {
    @Test func stringsReadBackExactly() throws {
        let texts = ["plain", "quote \" and backslash \\", "line\nbreak\ttab\rreturn", "bell \u{07} and \u{1F}",
                     "path/with/slashes", "2 × 256-bit, ≈ 0.6, 算力", ""]
        let value = JSONValue.object(texts.enumerated().map { ("k\($0.offset)", .string($0.element)) })
        let text = value.rendered()
        #expect(text.contains("path/with/slashes"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        for (index, original) in texts.enumerated() {
            #expect(parsed["k\(index)"] == original)
        }
    }
}
