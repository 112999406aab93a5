import Testing

@Test func placeholderOpenCLKitTests() { #expect(Bool(true)) }
