import Testing

@Test func placeholderCPUKernelsTests() { #expect(Bool(true)) }
