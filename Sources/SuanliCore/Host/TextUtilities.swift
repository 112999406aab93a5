extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, newlines and the given quote characters.
    func trimmed(also extra: Set<Character> = []) -> String {
        let drop: (Character) -> Bool = { $0.isWhitespace || extra.contains($0) }
        guard let start = firstIndex(where: { !drop($0) }) else { return "" }
        let end = lastIndex(where: { !drop($0) })!
        return String(self[start...end])
    }
}
