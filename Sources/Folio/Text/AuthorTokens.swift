/// Author names as index terms: `au:` + folded surname + `_` + first initial, so that "Arita, Masanori",
/// "Masanori Arita" and "M. Arita" are one token, and two papers sharing authors share a feature.
enum AuthorTokens {
    static let prefix = "au:"

    static func token(for name: String) -> String? {
        let surname: String, given: String
        if let comma = name.firstIndex(of: ",") {
            surname = TextAnalyzer.normalizedTitle(String(name[..<comma]))
            given = TextAnalyzer.normalizedTitle(String(name[name.index(after: comma)...]))
        } else {
            let words = TextAnalyzer.normalizedTitle(name).split(separator: " ")
            guard let last = words.last else { return nil }
            surname = String(last)
            given = words.dropLast().joined(separator: " ")
        }
        guard !surname.isEmpty else { return nil }
        let initial = given.first.map { "_\($0)" } ?? ""
        return prefix + surname.replacingOccurrences(of: " ", with: "-") + initial
    }

    /// Each author's token once, in order.
    static func tokens(of authors: [String]) -> [String] {
        var seen: Set<String> = []
        return authors.compactMap(token(for:)).filter { seen.insert($0).inserted }
    }

    static func isAuthor(_ term: String) -> Bool { term.hasPrefix(prefix) }
}
