import SwiftSyntax
import SwiftSyntaxMacros

/// `@SnakeCaseCodingKeys` or `@SnakeCaseCodingKeys(["startSeconds": "start_s"])`: the
/// `CodingKeys` of a record written to JSON, each stored property under its snake-case name
/// (`SnakeCase.key`), with the listed exceptions. The keys are `CaseIterable`, so tests can pin
/// the file format. Naming an exception that is not a stored
/// property is an error, so a renamed property cannot silently move its key.
public struct SnakeCaseCodingKeysMacro: MemberMacro {
    public static func expansion(
        of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
        conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        let properties = try declaration.storedProperties()
        let exceptions = try keyExceptions(node)
        let names = Set(properties.map(\.name))
        if let stray = exceptions.keys.sorted().first(where: { !names.contains($0) }) {
            throw SchemaMacroError(description: "'\(stray)' is not a stored property")
        }
        let cases = properties.map { property -> String in
            let key = exceptions[property.name] ?? SnakeCase.key(property.name)
            return key == property.name ? "case \(property.name)" : "case \(property.name) = \"\(key)\""
        }
        return [DeclSyntax(stringLiteral: "enum CodingKeys: String, CodingKey, CaseIterable {\n\(cases.joined(separator: "\n"))\n}")]
    }

    /// The dictionary literal of property name → key, if the attribute has one.
    static func keyExceptions(_ node: AttributeSyntax) throws -> [String: String] {
        guard let argument = node.arguments?.as(LabeledExprListSyntax.self)?.first?.expression else { return [:] }
        guard let dictionary = argument.as(DictionaryExprSyntax.self) else {
            throw SchemaMacroError(description: "the exceptions must be a dictionary literal of strings")
        }
        guard case .elements(let elements) = dictionary.content else { return [:] }
        var exceptions: [String: String] = [:]
        for element in elements {
            guard let name = element.key.as(StringLiteralExprSyntax.self)?.representedLiteralValue,
                  let key = element.value.as(StringLiteralExprSyntax.self)?.representedLiteralValue
            else { throw SchemaMacroError(description: "the exceptions must be a dictionary literal of strings") }
            exceptions[name] = key
        }
        return exceptions
    }
}

/// camelCase → snake_case for JSON keys. Words start at an upper-case letter after a lower-case
/// letter or a digit; digits stay with the word before them (`fp16`, `p90`); an acronym is one
/// word (`cpuModel` → `cpu_model`, `maxWorkGroupSize`), ends where a capitalised word begins
/// (`PCIAddress` → `pci_address`, `SIMDPerUnit` → `simd_per_unit`), and keeps a lower-case tail
/// of one letter, or of two that end the name (`sharedByCPUs` → `shared_by_cpus`, `amdPCIeID` →
/// `amd_pcie_id`, `maxClockMHz` → `max_clock_mhz`, `peakGBps` → `peak_gbps`).
public enum SnakeCase {
    public static func key(_ name: String) -> String {
        let characters = Array(name)
        var words: [String] = []
        var word = ""
        for (index, character) in characters.enumerated() {
            if index > 0, character.isUppercase, startsWord(at: index, in: characters), !word.isEmpty {
                words.append(word)
                word = ""
            }
            word.append(character)
        }
        if !word.isEmpty { words.append(word) }
        return words.map { $0.lowercased() }.joined(separator: "_")
    }

    /// Whether the upper-case letter at `index` begins a word.
    private static func startsWord(at index: Int, in characters: [Character]) -> Bool {
        let previous = characters[index - 1]
        if previous.isLowercase || previous.isNumber { return true }
        // Inside an acronym: a new word where a capitalised word begins, unless its lower-case
        // tail is a plural or unit of the acronym (one letter, or two that end the name).
        guard previous.isUppercase else { return false }
        var next = index + 1
        while next < characters.count, characters[next].isLowercase { next += 1 }
        let tail = next - index - 1
        return tail > 2 || (tail == 2 && next < characters.count)
    }
}
