/// How papers get their ids, and which ids are acceptable.
enum PaperID {
    static let maximumLength = 200
    /// The prefix of ids derived from titles, for listings that carry no id.
    static let titleDerivedPrefix = "t-"

    /// `http://arxiv.org/abs/2409.20559v1` → `2409.20559`; `…/abs/math/0601001v2` → `math/0601001`.
    static func arxiv(fromURL text: String) -> String {
        var id = Substring(text)
        if let range = id.range(of: "/abs/") { id = id[range.upperBound...] }
        return stripVersion(String(id))
    }

    /// Normalises an id given by a source: trims it, drops an `arXiv:` prefix and a version suffix.
    static func normalized(_ text: String) -> String {
        var id = text.trimmingWhitespace()
        if id.lowercased().hasPrefix("arxiv:") { id = String(id.dropFirst(6)) }
        if id.hasPrefix("http://") || id.hasPrefix("https://"), id.contains("arxiv.org/abs/") { return arxiv(fromURL: id) }
        return looksLikeArxiv(id) ? stripVersion(id) : id
    }

    /// A stable id for a paper that has none: a hash of its normalised title.
    static func derived(fromNormalizedTitle title: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in title.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return titleDerivedPrefix + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Why `id` cannot be used as a paper id, or `nil` if it can.
    static func problem(with id: String) -> String? {
        if id.isEmpty { return "the id is empty" }
        if id.utf8.count > maximumLength { return "the id is longer than \(maximumLength) bytes" }
        if id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "the id contains control characters" }
        if id.hasPrefix("@") { return "ids cannot start with @ (reserved for queue positions)" }
        return nil
    }

    private static func looksLikeArxiv(_ id: String) -> Bool {
        let parts = id.split(separator: ".")
        return parts.count == 2 && parts[0].count == 4 && parts[0].allSatisfy(\.isASCIIDigit)
            && parts[1].prefix(while: \.isASCIIDigit).count >= 4
    }

    private static func stripVersion(_ id: String) -> String {
        guard let v = id.lastIndex(of: "v"), v > id.startIndex else { return id }
        let digits = id[id.index(after: v)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), id[id.index(before: v)].isASCIIDigit else { return id }
        return String(id[..<v])
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
