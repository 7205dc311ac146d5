import Foundation

/// BERT's uncased WordPiece tokenizer, read from a `vocab.txt` (one word piece per line, the line
/// number being its id), as the Hugging Face fast tokenizer runs it for all-MiniLM-L6-v2.
///
/// Text is first split into words: control characters dropped, every whitespace character a space,
/// each CJK ideograph a word of its own, accents stripped (NFD, then nonspacing marks removed),
/// lower-cased, and every punctuation character a word of its own. Each word then becomes the
/// longest vocabulary pieces that spell it from the left, later pieces marked `##`; a word that
/// cannot be spelled so, or is longer than ``maxCharactersPerWord``, becomes `[UNK]`.
struct WordPieceTokenizer: Sendable {
    /// Word pieces by id.
    let pieces: [String]
    private let ids: [String: Int32]
    let unknownID: Int32
    let classifyID: Int32
    let separatorID: Int32
    let maxCharactersPerWord: Int

    static let unknown = "[UNK]", classify = "[CLS]", separator = "[SEP]", padding = "[PAD]"
    /// The prefix of a piece that continues a word rather than starting it.
    static let continuation = "##"

    init(vocabularyFile path: String, maxCharactersPerWord: Int) throws(FolioError) {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FolioError(.invalidInput, "cannot read the vocabulary: \(error.localizedDescription)", file: path)
        }
        // Split the bytes, not the String: Swift makes "\r\n" one Character, which a split on "\n" would not cut.
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            // Tolerate a copy with Windows line ends; no BERT piece ends in a carriage return.
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, maxCharactersPerWord: maxCharactersPerWord, file: path)
    }

    init(vocabulary: [String], maxCharactersPerWord: Int, file: String? = nil) throws(FolioError) {
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (index, piece) in vocabulary.enumerated() where ids[piece] == nil {
            ids[piece] = Int32(index)
        }
        func special(_ name: String) throws(FolioError) -> Int32 {
            guard let id = ids[name] else { throw FolioError(.invalidInput, "the vocabulary has no \(name) piece; is it a BERT vocab.txt?", file: file) }
            return id
        }
        pieces = vocabulary
        self.ids = ids
        unknownID = try special(Self.unknown)
        classifyID = try special(Self.classify)
        separatorID = try special(Self.separator)
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    /// The model's input for `text`: [CLS], its word pieces, [SEP], cut to `maxPieces` in all.
    func tokenIDs(_ text: String, maxPieces: Int) -> [Int32] {
        precondition(maxPieces >= 2, "room for [CLS] and [SEP] is needed")
        var result: [Int32] = [classifyID]
        result.reserveCapacity(min(maxPieces, text.utf8.count / 3 + 2))
        let room = maxPieces - 1
        outer: for word in Self.words(text) {
            for id in wordPieces(word) {
                guard result.count < room else { break outer }
                result.append(id)
            }
        }
        result.append(separatorID)
        return result
    }

    /// The word pieces of `text` as strings, without [CLS] and [SEP] and uncut (for tests and explanations).
    func pieceNames(_ text: String) -> [String] {
        Self.words(text).flatMap(wordPieces).map { pieces[Int($0)] }
    }

    /// Greedy longest-match-first pieces of one word, or [UNK] for the whole word.
    func wordPieces(_ word: [Unicode.Scalar]) -> [Int32] {
        guard word.count <= maxCharactersPerWord else { return [unknownID] }
        var found: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var match: Int32?
            while end > start {
                var candidate = start > 0 ? Self.continuation : ""
                candidate.unicodeScalars.append(contentsOf: word[start ..< end])
                if let id = ids[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else { return [unknownID] }
            found.append(match)
            start = end
        }
        return found
    }

    /// BERT's basic tokenization: cleaned, CJK-split, accent-stripped, lower-cased words and punctuation marks.
    static func words(_ text: String) -> [[Unicode.Scalar]] {
        // Clean and space out CJK ideographs before decomposing, as the reference does.
        var cleaned = String.UnicodeScalarView()
        var isASCII = true
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0 || value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJK(value) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
                isASCII = false
            } else {
                cleaned.append(scalar)
                if value >= 0x80 { isASCII = false }
            }
        }
        // ASCII has no accents to strip; decomposing everything else costs a Foundation call per text.
        let decomposed = isASCII ? String(cleaned) : String(cleaned).decomposedStringWithCanonicalMapping

        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        func flush() {
            if !current.isEmpty { words.append(current) }
            current.removeAll(keepingCapacity: true)
        }
        for scalar in decomposed.unicodeScalars {
            if scalar == " " {
                flush()
                continue
            }
            if !isASCII, scalar.properties.generalCategory == .nonspacingMark { continue }
            if isPunctuation(scalar) {
                flush()
                words.append(lowercased(scalar))
                continue
            }
            current += lowercased(scalar)
        }
        flush()
        return words
    }

    private static func lowercased(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.isASCII {
            let value = scalar.value
            return [(65 ... 90).contains(value) ? Unicode.Scalar(UInt8(value + 32)) : scalar]
        }
        return Array(scalar.properties.lowercaseMapping.unicodeScalars)
    }

    /// Tab, newline and carriage return count as whitespace, not control.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// BERT splits on ASCII punctuation (which includes symbols such as `$`, `+` and `^`) and on Unicode punctuation.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33 ... 47).contains(value) || (58 ... 64).contains(value) || (91 ... 96).contains(value) || (123 ... 126).contains(value) {
            return true
        }
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT treats as words of their own (not kana or hangul, which are spaced).
    static func isCJK(_ value: UInt32) -> Bool {
        (0x4E00 ... 0x9FFF).contains(value) || (0x3400 ... 0x4DBF).contains(value) || (0x20000 ... 0x2A6DF).contains(value)
            || (0x2A700 ... 0x2B73F).contains(value) || (0x2B740 ... 0x2B81F).contains(value) || (0x2B820 ... 0x2CEAF).contains(value)
            || (0xF900 ... 0xFAFF).contains(value) || (0x2F800 ... 0x2FA1F).contains(value)
    }
}
