import SwiftSyntax
import SwiftSyntaxMacros

/// `@MemberwiseInit`: the public memberwise initialiser Swift synthesises only internally.
/// Parameters follow the stored properties in order; a `var`'s initial value, or `nil` for an
/// optional `var`, is its default, as in Swift's own memberwise initialiser.
public struct MemberwiseInitMacro: MemberMacro {
    public static func expansion(
        of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
        conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard declaration.is(StructDeclSyntax.self) else {
            throw SchemaMacroError(description: "@MemberwiseInit applies to structs")
        }
        let properties = try declaration.storedProperties()
        if let hidden = properties.first(where: \.isPrivate) {
            throw SchemaMacroError(description: "'\(hidden.name)' is private: a public memberwise initialiser would expose it")
        }
        let parameters = properties.map { property -> String in
            let type = property.type.is(FunctionTypeSyntax.self) ? "@escaping \(property.type)" : "\(property.type)"
            return "\(property.name): \(type)" + (property.defaultArgument.map { " = \($0)" } ?? "")
        }
        let assignments = properties.map { "self.\($0.name) = \($0.name)" }
        let text = "public init(\(parameters.joined(separator: ", "))) {\n\(assignments.joined(separator: "\n"))\n}"
        return [DeclSyntax(stringLiteral: text)]
    }
}
