internal import FolioModels
internal import Foundation

/// Turns a paper's title and abstract into the index terms that TF-IDF ranking and search work on.
///
/// Text is folded (compatibility-decomposed, diacritics stripped, lowercased) and split into runs
/// of letters and digits. URLs and LaTeX commands are skipped, pure numbers and stop words dropped,
/// and plain ASCII words Porter-stemmed; words mixing letters and digits ("gpt4", "7b") stay as they are.
struct TextAnalyzer: Sendable {
    /// Folded lowercase words that are never terms, matched before stemming.
    let stopWords: Set<String>
    /// Tokens with fewer characters than this are dropped.
    let minimumTermLength: Int
    /// Tokens with more characters than this are dropped: they are rarely words.
    let maximumTermLength: Int

    init(stopWords: Set<String>, minimumTermLength: Int = 2, maximumTermLength: Int = 40) {
        self.stopWords = Set(stopWords.map { $0.lowercased() })
        self.minimumTermLength = minimumTermLength
        self.maximumTermLength = maximumTermLength
    }

    /// The analyzer Folio indexes with: the bundled English stop-word list and the default lengths.
    static let standard: TextAnalyzer = {
        guard let list = BundledModels.text(named: "stopwords-en.txt") else {
            preconditionFailure(
                "The bundled model stopwords-en.txt is missing: the EmbedModels plugin did not compile Models/ into FolioModels"
            )
        }
        return TextAnalyzer(stopWords: stopWords(fromList: list))
    }()

    /// The words of a stop-word list: one a line, `#` starting a comment line, blank lines ignored.
    static func stopWords(fromList list: String) -> Set<String> {
        var words: Set<String> = []
        for line in list.split(whereSeparator: \.isNewline) {
            let word = line.trimmingWhitespace()
            if !word.isEmpty && !word.hasPrefix("#") { words.insert(word.lowercased()) }
        }
        return words
    }

    /// The index terms of `text`, in text order, repeats included.
    func terms(_ text: String) -> [String] {
        var memo = WordMemo.disabled
        return terms(text, wholeASCIIRuns: true, memo: &memo)
    }

    /// The index terms of `text`, looking words up in `memo` first and adding those it lacks.
    func terms(_ text: String, memo: inout WordMemo) -> [String] {
        terms(text, wholeASCIIRuns: true, memo: &memo)
    }

    /// The index terms of `text` with ASCII words read a character at a time, like any other text,
    /// instead of in one go: the slow path the fast one must agree with (tests compare them).
    func termsReadingEachCharacter(_ text: String) -> [String] {
        var memo = WordMemo.disabled
        return terms(text, wholeASCIIRuns: false, memo: &memo)
    }

    private func terms(_ text: String, wholeASCIIRuns: Bool, memo: inout WordMemo) -> [String] {
        var terms: [String] = []
        terms.reserveCapacity(text.utf8.count / 8)
        Tokenizer.forEachToken(in: text, wholeASCIIRuns: wholeASCIIRuns) { token in
            if let term = term(for: &token, memo: &memo) { terms.append(term) }
        }
        return terms
    }

    /// What ASCII words analysed to, so that a word met again costs one lookup instead of a stop-word
    /// check, stemming and a new string: in a stream of abstracts most words are repeats.
    ///
    /// Only ASCII words are kept: they are nearly all the words of a corpus, and a word's term plainly
    /// depends on its letters alone. A memo serves one analyzer (the stop words decide), and starts
    /// afresh when it holds `capacity` words, so its memory stays bounded.
    struct WordMemo: Sendable {
        /// Each word's term, or `nil` for a word that is not a term (a stop word).
        fileprivate var terms = NameTable<String?>()
        let capacity: Int

        init(capacity: Int = 1 << 16) {
            self.capacity = capacity
        }

        /// A memo that remembers nothing.
        static var disabled: WordMemo { WordMemo(capacity: 0) }
    }

    /// For each index term of `text` (or each of `wanted`, when given), the first word that produced
    /// it, as written (folded): turns stems back into words a reader recognises ("attent" → "attention").
    ///
    /// With `wanted`, no word is stemmed once all of them are found: a reason names a few terms of a
    /// paper, and stemming the rest of its abstract was most of the time its reasons took.
    func surfaceForms(_ text: String, of wanted: Set<String>? = nil) -> [String: String] {
        var forms: [String: String] = [:]
        var memo = WordMemo.disabled
        // A term starts with its word's first byte (stemming only rewrites endings, and keeps words of
        // two letters whole), so a word whose first byte starts no wanted term is passed over unstemmed.
        var wantedFirstBytes = [Bool](repeating: wanted == nil, count: 256)
        for term in wanted ?? [] { term.utf8.first.map { wantedFirstBytes[Int($0)] = true } }
        Tokenizer.forEachToken(in: text) { token in
            if let wanted, forms.count == wanted.count { return }
            guard let first = token.bytes.first, wantedFirstBytes[Int(first)] else { return }
            let surface = String(decoding: token.bytes, as: UTF8.self)
            guard let term = term(for: &token, memo: &memo), forms[term] == nil, wanted?.contains(term) ?? true else { return }
            forms[term] = surface
        }
        return forms
    }

    /// The key that finds the same paper under different sources' spellings of its title: folded,
    /// lowercased, only letters and digits, words separated by single spaces.
    ///
    /// It splits words as `terms(_:)` does, LaTeX and URLs included, but keeps every word as it is.
    static func normalizedTitle(_ title: String) -> String {
        var key: [UInt8] = []
        key.reserveCapacity(title.utf8.count)
        Tokenizer.forEachToken(in: title) { token in
            if !key.isEmpty { key.append(UInt8(ascii: " ")) }
            key.append(contentsOf: token.bytes)
        }
        return String(decoding: key, as: UTF8.self)
    }

    private func term(for token: inout Token, memo: inout WordMemo) -> String? {
        guard token.hasLetter, token.length >= minimumTermLength, token.length <= maximumTermLength else {
            return nil
        }
        let word = String(decoding: token.bytes, as: UTF8.self)
        let remembers = token.isASCII && memo.capacity > 0
        if remembers, let known = memo.terms.value(of: word) { return known }
        let term = term(for: &token, word: word)
        if remembers {
            if memo.terms.count >= memo.capacity { memo.terms.removeAll() }
            memo.terms.insert(word, value: term)
        }
        return term
    }

    /// The term of a token of the right length, whose text is `word`.
    private func term(for token: inout Token, word: String) -> String? {
        guard !stopWords.contains(word) else { return nil }
        // Words with digits are names (gpt4, h100, llama2) that stemming would only mangle.
        guard token.isASCII && !token.hasDigit else { return word }
        PorterStemmer.stem(&token.bytes)
        return String(decoding: token.bytes, as: UTF8.self)
    }
}

extension TextAnalyzer {
    /// A folded token: lowercase letters and digits only, as UTF-8.
    fileprivate struct Token {
        var bytes: [UInt8] = []
        /// The token's length in Unicode scalars.
        var length = 0
        var hasLetter = false
        var hasDigit = false
        var isASCII = true

        init() { bytes.reserveCapacity(64) }

        mutating func appendASCII(_ byte: UInt8, isLetter: Bool) {
            bytes.append(byte)
            length += 1
            if isLetter { hasLetter = true } else { hasDigit = true }
        }

        /// Appends a run of ASCII letters and digits, lowercased, in one go.
        mutating func appendASCII(_ run: Slice<UnsafeBufferPointer<UInt8>>) {
            let start = bytes.count
            bytes.append(contentsOf: run)
            bytes.withUnsafeMutableBufferPointer { token in
                // Setting bit 5 lowercases an ASCII letter and leaves a digit as it is (0x30–0x39 have it set).
                for index in start..<token.count { token[index] |= 0x20 }
            }
            length += run.count
            if !hasLetter { hasLetter = run.contains(where: TokenScanner.isASCIILetter) }
            if !hasDigit { hasDigit = run.contains(where: TokenScanner.isASCIIDigit) }
        }

        mutating func append(_ scalar: Unicode.Scalar, isLetter: Bool) {
            if scalar.isASCII {
                appendASCII(UInt8(scalar.value), isLetter: isLetter)
                return
            }
            bytes.append(contentsOf: UTF8.encode(scalar)!)
            length += 1
            isASCII = false
            if isLetter { hasLetter = true } else { hasDigit = true }
        }

        mutating func reset() {
            bytes.removeAll(keepingCapacity: true)
            length = 0
            hasLetter = false
            hasDigit = false
            isASCII = true
        }
    }

    /// Splits text into folded tokens, reading UTF-8 bytes with a fast path for ASCII.
    fileprivate enum Tokenizer {
        static func forEachToken(in text: String, wholeASCIIRuns: Bool = true, _ body: (inout Token) -> Void) {
            var text = text
            text.withUTF8 { utf8 in
                var scanner = TokenScanner(utf8: utf8, wholeASCIIRuns: wholeASCIIRuns)
                scanner.scan(body)
            }
        }
    }

    fileprivate struct TokenScanner {
        let utf8: UnsafeBufferPointer<UInt8>
        /// Whether a run of ASCII letters and digits is taken at once (the fast path) rather than byte by byte.
        let wholeASCIIRuns: Bool
        var index = 0
        /// The current run of token characters, unfolded while `runIsASCII` is false.
        var run = Token()
        var runIsASCII = true
        /// Where non-ASCII runs are folded into tokens.
        var folded = Token()

        init(utf8: UnsafeBufferPointer<UInt8>, wholeASCIIRuns: Bool = true) {
            self.utf8 = utf8
            self.wholeASCIIRuns = wholeASCIIRuns
        }

        mutating func scan(_ body: (inout Token) -> Void) {
            while index < utf8.count {
                let byte = utf8[index]
                if byte >= 0x80 {
                    scanNonASCII(body)
                } else if Self.isASCIILetter(byte) || Self.isASCIIDigit(byte) {
                    if run.bytes.isEmpty && (byte | 0x20) == UInt8(ascii: "h") && skipURL() { continue }
                    if wholeASCIIRuns {
                        takeASCIIRun()
                    } else {
                        // `| 0x20` lowercases a letter and leaves a digit as it is.
                        run.appendASCII(byte | 0x20, isLetter: Self.isASCIILetter(byte))
                        index += 1
                    }
                } else if byte == UInt8(ascii: "\\") {
                    scanLaTeXCommand(body)
                } else {
                    finishRun(body)
                    index += 1
                }
            }
            finishRun(body)
        }

        /// Takes the ASCII letters and digits from here on into the run at once: most words are only
        /// that. Whatever ends them (a space, a backslash, a non-ASCII letter) is left to the main loop,
        /// which goes on with the run or finishes it exactly as it would after a single character.
        private mutating func takeASCIIRun() {
            let start = index
            while index < utf8.count && (Self.isASCIILetter(utf8[index]) || Self.isASCIIDigit(utf8[index])) { index += 1 }
            run.appendASCII(utf8[start..<index])
        }

        private mutating func scanNonASCII(_ body: (inout Token) -> Void) {
            let (scalar, width) = decodeScalar(at: index)
            index += width
            if Self.invisibleScalars.contains(scalar) { return }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .nonspacingMark, .spacingMark, .enclosingMark,
                .decimalNumber, .letterNumber, .otherNumber:
                // Kept raw: folding needs the whole run, since decomposing may merge or split it.
                run.bytes.append(contentsOf: utf8[(index - width)..<index])
                runIsASCII = false
            default:
                finishRun(body)
            }
        }

        // Soft hyphens and joiners sit inside words without ending them.
        private static let invisibleScalars: Set<Unicode.Scalar> = ["\u{AD}", "\u{200C}", "\u{200D}", "\u{2060}"]

        /// Skips an http:// or https:// URL up to the next whitespace, if one starts here.
        private mutating func skipURL() -> Bool {
            var end = index
            for expected in "http".utf8 {
                guard end < utf8.count, utf8[end] | 0x20 == expected else { return false }
                end += 1
            }
            if end < utf8.count && utf8[end] | 0x20 == UInt8(ascii: "s") { end += 1 }
            for expected in "://".utf8 {
                guard end < utf8.count, utf8[end] == expected else { return false }
                end += 1
            }
            while end < utf8.count {
                let byte = utf8[end]
                if byte < 0x80 {
                    if Self.isASCIIWhitespace(byte) { break }
                    end += 1
                } else {
                    let (scalar, width) = decodeScalar(at: end)
                    if scalar.properties.isWhitespace { break }
                    end += width
                }
            }
            index = end
            return true
        }

        /// Skips a LaTeX command at a backslash. Accents (`\'e`, `\"{o}`, `\v{s}`) vanish and keep their
        /// letter in the word, so "G\"odel" reads as "godel"; other commands (`\emph`, `\%`) end the word.
        private mutating func scanLaTeXCommand(_ body: (inout Token) -> Void) {
            let next = index + 1
            guard next < utf8.count else {
                finishRun(body)
                index = next
                return
            }
            let byte = utf8[next]
            var end = next
            while end < utf8.count && Self.isASCIILetter(utf8[end]) { end += 1 }
            let isSymbolAccent = Self.symbolAccents.contains(byte)
            let isLetterAccent = end == next + 1 && Self.letterAccents.contains(byte)
                && end < utf8.count && utf8[end] == UInt8(ascii: "{")
            guard isSymbolAccent || isLetterAccent else {
                finishRun(body)
                // A control word is its letters; a control symbol is one character.
                index = end > next ? end : (byte < 0x80 ? next + 1 : next)
                return
            }
            index = isSymbolAccent ? next + 1 : end
            scanAccentedLetters()
        }

        /// Takes a braced group an accent applies to, `{o}` or `{\i}` (a dotless i), into the run;
        /// a bare letter after an accent needs nothing, as the main loop takes it.
        private mutating func scanAccentedLetters() {
            guard index < utf8.count, utf8[index] == UInt8(ascii: "{") else { return }
            var end = index + 1
            var letters: [UInt8] = []
            while end < utf8.count {
                let byte = utf8[end]
                if Self.isASCIILetter(byte) {
                    letters.append(byte | 0x20)
                    end += 1
                } else if byte == UInt8(ascii: "\\") && end + 1 < utf8.count && utf8[end + 1] == UInt8(ascii: "i")
                    && (end + 2 == utf8.count || !Self.isASCIILetter(utf8[end + 2])) {
                    letters.append(UInt8(ascii: "i"))
                    end += 2
                } else {
                    break
                }
            }
            // Only a closed group like {o} joins the word; anything else is left to the main loop.
            guard end < utf8.count, utf8[end] == UInt8(ascii: "}") else { return }
            for letter in letters { run.appendASCII(letter, isLetter: true) }
            index = end + 1
        }

        private static let symbolAccents: Set<UInt8> = Set("'`^\"~=.".utf8)
        private static let letterAccents: Set<UInt8> = Set("cvuHkrdbt".utf8)

        private mutating func finishRun(_ body: (inout Token) -> Void) {
            guard !run.bytes.isEmpty else { return }
            if runIsASCII {
                body(&run)
            } else {
                foldRun(body)
            }
            run.reset()
            runIsASCII = true
        }

        /// Folds a run with non-ASCII characters: compatibility decomposition, marks dropped,
        /// lowercased; what decomposes to anything but letters and digits splits the run.
        private mutating func foldRun(_ body: (inout Token) -> Void) {
            let text = String(decoding: run.bytes, as: UTF8.self).decomposedStringWithCompatibilityMapping
            folded.reset()
            for scalar in text.unicodeScalars {
                if scalar.isASCII {
                    let byte = UInt8(scalar.value)
                    if Self.isASCIILetter(byte) {
                        folded.appendASCII(byte | 0x20, isLetter: true)
                    } else if Self.isASCIIDigit(byte) {
                        folded.appendASCII(byte, isLetter: false)
                    } else {
                        emitFolded(body)
                    }
                    continue
                }
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark:
                    continue
                case .decimalNumber, .letterNumber, .otherNumber:
                    folded.append(scalar, isLetter: false)
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                    for lower in scalar.properties.lowercaseMapping.unicodeScalars where !Self.isMark(lower) {
                        // Final sigma is σ spelled at a word's end; lowercasing "Σ" gives σ everywhere.
                        folded.append(lower == "\u{03C2}" ? "\u{03C3}" : lower, isLetter: true)
                    }
                default:
                    emitFolded(body)
                }
            }
            emitFolded(body)
        }

        private mutating func emitFolded(_ body: (inout Token) -> Void) {
            guard !folded.bytes.isEmpty else { return }
            body(&folded)
            folded.reset()
        }

        private func decodeScalar(at position: Int) -> (Unicode.Scalar, width: Int) {
            let lead = utf8[position]
            let width = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            var value = UInt32(lead) & (0x7F >> width)
            for offset in 1..<width where position + offset < utf8.count {
                value = value << 6 | UInt32(utf8[position + offset] & 0x3F)
            }
            return (Unicode.Scalar(value) ?? "\u{FFFD}", width)
        }

        static func isASCIILetter(_ byte: UInt8) -> Bool {
            (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
        }

        static func isASCIIDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
        }

        static func isMark(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: true
            default: false
            }
        }
    }
}
