import Testing
@testable import SuanliSizing

@Test func placeholderBuild() { #expect(Quantity.parse("175B") == 175e9) }
