import Testing

@Test func placeholderSuanliSizingTests() { #expect(Bool(true)) }
