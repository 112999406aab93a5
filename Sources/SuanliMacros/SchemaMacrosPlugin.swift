import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin behind SuanliSchema's `@MemberwiseInit` and `@SnakeCaseCodingKeys`.
@main
struct SchemaMacrosPlugin: CompilerPlugin {
    let providingMacros: [Macro.Type] = [MemberwiseInitMacro.self, SnakeCaseCodingKeysMacro.self]
}
