import Testing

@Test func placeholderSuanliCoreTests() { #expect(Bool(true)) }
