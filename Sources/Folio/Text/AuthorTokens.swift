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
            // A normalised name is words joined by single spaces: the surname follows the last space,
            // the given names are everything before it.
            let words = TextAnalyzer.normalizedTitle(name)
            if let space = words.utf8.lastIndex(of: UInt8(ascii: " ")) {
                surname = String(decoding: words.utf8[words.utf8.index(after: space)...], as: UTF8.self)
                given = String(decoding: words.utf8[..<space], as: UTF8.self)
            } else {
                surname = words
                given = ""
            }
        }
        guard !surname.isEmpty else { return nil }
        let initial = given.first.map { "_\($0)" } ?? ""
        // Spaces are single ASCII bytes here, so swapping them byte by byte joins the surname's words.
        let joinedSurname = String(decoding: surname.utf8.map { $0 == UInt8(ascii: " ") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)
        return prefix + joinedSurname + initial
    }

    /// Each author's token once, in order.
    static func tokens(of authors: [String]) -> [String] {
        var seen: Set<String> = []
        return authors.compactMap(token(for:)).filter { seen.insert($0).inserted }
    }

    static func isAuthor(_ term: String) -> Bool { term.hasPrefix(prefix) }
}
