import SwiftDiagnostics
import SwiftSyntax

/// A stored instance property of a struct, as the memberwise initialiser and the coding keys
/// see it: its name, its declared type, and the value it starts with, if any.
struct StoredProperty {
    let name: String
    let type: TypeSyntax
    /// `var x: T = value`: the initialiser's default.
    let initialValue: ExprSyntax?
    let isLet: Bool
    /// `private` or `fileprivate` (a `private(set)` setter is not): no public initialiser may set it.
    let isPrivate: Bool

    var isOptional: Bool {
        if type.is(OptionalTypeSyntax.self) || type.is(ImplicitlyUnwrappedOptionalTypeSyntax.self) { return true }
        if let named = type.as(IdentifierTypeSyntax.self), named.name.text == "Optional" { return true }
        return false
    }

    /// The default a memberwise initialiser gives this parameter, as Swift's own does: the
    /// property's initial value, or `nil` for an optional `var`.
    var defaultArgument: String? {
        if let initialValue { return initialValue.trimmedDescription }
        return !isLet && isOptional ? "nil" : nil
    }
}

/// A macro's complaint about the declaration it is attached to.
struct SchemaMacroError: Error, CustomStringConvertible {
    let description: String
}

extension DeclGroupSyntax {
    /// The stored instance properties in declaration order; `let` properties with an initial value
    /// are constants, not members to initialise or code.
    func storedProperties() throws -> [StoredProperty] {
        var properties: [StoredProperty] = []
        for member in memberBlock.members {
            if member.decl.is(IfConfigDeclSyntax.self) {
                // A property inside #if would silently have no key and no parameter in some builds.
                throw SchemaMacroError(description: "stored properties inside #if are not supported")
            }
            guard let variable = member.decl.as(VariableDeclSyntax.self) else { continue }
            let isStatic = variable.modifiers.contains {
                $0.name.tokenKind == .keyword(.static) || $0.name.tokenKind == .keyword(.class)
            }
            if isStatic { continue }
            let isLet = variable.bindingSpecifier.tokenKind == .keyword(.let)
            for binding in variable.bindings {
                if let accessors = binding.accessorBlock, accessors.isComputed { continue }
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self) else {
                    throw SchemaMacroError(description: "stored properties must be named one by one")
                }
                if isLet && binding.initializer != nil { continue }
                guard let type = binding.typeAnnotation?.type else {
                    throw SchemaMacroError(description: "'\(identifier.identifier.text)' needs a written type")
                }
                properties.append(StoredProperty(
                    name: identifier.identifier.text, type: type.trimmed,
                    initialValue: binding.initializer?.value.trimmed, isLet: isLet,
                    isPrivate: variable.modifiers.contains {
                        ($0.name.tokenKind == .keyword(.private) || $0.name.tokenKind == .keyword(.fileprivate)) && $0.detail == nil
                    }))
            }
        }
        return properties
    }
}

extension AccessorBlockSyntax {
    /// A getter body, or accessors with `get`: computed. Only `willSet`/`didSet`: stored.
    var isComputed: Bool {
        switch accessors {
        case .getter: return true
        case .accessors(let list):
            return list.contains {
                [.keyword(.get), .keyword(.set), .keyword(._read), .keyword(._modify)].contains($0.accessorSpecifier.tokenKind)
            }
        }
    }
}
