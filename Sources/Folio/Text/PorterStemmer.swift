/// The Porter (1980) suffix-stripping stemmer, as published in "An algorithm for suffix stripping"
/// (steps 1a, 1b, 1c, 2, 3, 4, 5a and 5b), without the later changes of Porter's own C release.
///
/// It works on lowercase ASCII words only; anything else is returned unchanged.
enum PorterStemmer {
    /// The stem of `word`; words of two letters or fewer, and words with anything but `a`–`z`, come back unchanged.
    static func stem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        guard bytes.count > 2, bytes.allSatisfy(isLowercaseLetter) else { return word }
        stem(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Stems `word`, a run of lowercase ASCII letters, in place; callers check the letters.
    static func stem(_ word: inout [UInt8]) {
        guard word.count > 2 else { return }
        // Swapped in rather than copied, so a caller's reused buffer is not reallocated.
        var stem = Stem(bytes: [])
        swap(&stem.bytes, &word)
        stem.step1a()
        stem.step1b()
        stem.step1c()
        stem.step2()
        stem.step3()
        stem.step4()
        stem.step5a()
        stem.step5b()
        swap(&stem.bytes, &word)
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
    }
}

/// A rule of steps 2–4: a suffix and what replaces it.
private struct SuffixRule {
    let suffix: [UInt8]
    let replacement: [UInt8]
    /// Step 4 strips "ion" only after an s or a t.
    let needsSOrT: Bool

    init(_ suffix: String, _ replacement: String = "", needsSOrT: Bool = false) {
        self.suffix = Array(suffix.utf8)
        self.replacement = Array(replacement.utf8)
        self.needsSOrT = needsSOrT
    }
}

// The rule lists keep a longer suffix before any shorter one it ends with, because the
// paper applies only the longest matching suffix of a step, and only if its condition holds.
private let step2Rules: [SuffixRule] = [
    SuffixRule("ational", "ate"), SuffixRule("tional", "tion"), SuffixRule("enci", "ence"),
    SuffixRule("anci", "ance"), SuffixRule("izer", "ize"), SuffixRule("abli", "able"),
    SuffixRule("alli", "al"), SuffixRule("entli", "ent"), SuffixRule("eli", "e"),
    SuffixRule("ousli", "ous"), SuffixRule("ization", "ize"), SuffixRule("ation", "ate"),
    SuffixRule("ator", "ate"), SuffixRule("alism", "al"), SuffixRule("iveness", "ive"),
    SuffixRule("fulness", "ful"), SuffixRule("ousness", "ous"), SuffixRule("aliti", "al"),
    SuffixRule("iviti", "ive"), SuffixRule("biliti", "ble"),
]

private let step3Rules: [SuffixRule] = [
    SuffixRule("icate", "ic"), SuffixRule("ative"), SuffixRule("alize", "al"), SuffixRule("iciti", "ic"),
    SuffixRule("ical", "ic"), SuffixRule("ful"), SuffixRule("ness"),
]

private let step4Rules: [SuffixRule] = [
    SuffixRule("al"), SuffixRule("ance"), SuffixRule("ence"), SuffixRule("er"), SuffixRule("ic"),
    SuffixRule("able"), SuffixRule("ible"), SuffixRule("ant"), SuffixRule("ement"), SuffixRule("ment"),
    SuffixRule("ent"), SuffixRule("ion", needsSOrT: true), SuffixRule("ou"), SuffixRule("ism"), SuffixRule("ate"),
    SuffixRule("iti"), SuffixRule("ous"), SuffixRule("ive"), SuffixRule("ize"),
]

/// A word being stemmed, with the paper's measures of its leading part.
private struct Stem {
    var bytes: [UInt8]

    private static let a = UInt8(ascii: "a"), e = UInt8(ascii: "e"), i = UInt8(ascii: "i")
    private static let l = UInt8(ascii: "l"), o = UInt8(ascii: "o"), s = UInt8(ascii: "s")
    private static let t = UInt8(ascii: "t"), u = UInt8(ascii: "u"), w = UInt8(ascii: "w")
    private static let x = UInt8(ascii: "x"), y = UInt8(ascii: "y"), z = UInt8(ascii: "z")

    /// Whether the letter at `index` is a consonant: not a vowel, and `y` only after a vowel or first.
    func isConsonant(_ index: Int) -> Bool {
        switch bytes[index] {
        case Self.a, Self.e, Self.i, Self.o, Self.u: false
        case Self.y: index == 0 || !isConsonant(index - 1)
        default: true
        }
    }

    /// The paper's m: how many vowel-consonant sequences the first `length` letters hold.
    func measure(_ length: Int) -> Int {
        var count = 0
        var index = 0
        while index < length && isConsonant(index) { index += 1 }
        while index < length {
            while index < length && !isConsonant(index) { index += 1 }
            guard index < length else { break }
            count += 1
            while index < length && isConsonant(index) { index += 1 }
        }
        return count
    }

    /// Whether the first `length` letters hold a vowel (the paper's *v*).
    func hasVowel(_ length: Int) -> Bool {
        (0..<length).contains { !isConsonant($0) }
    }

    /// Whether the first `length` letters end in a doubled consonant (the paper's *d).
    func endsWithDoubleConsonant(_ length: Int) -> Bool {
        length >= 2 && bytes[length - 1] == bytes[length - 2] && isConsonant(length - 1)
    }

    /// Whether the first `length` letters end consonant-vowel-consonant, the last not w, x or y (the paper's *o).
    func endsCVC(_ length: Int) -> Bool {
        guard length >= 3, isConsonant(length - 1), !isConsonant(length - 2), isConsonant(length - 3) else {
            return false
        }
        let last = bytes[length - 1]
        return last != Self.w && last != Self.x && last != Self.y
    }

    func endsWith(_ suffix: StaticString) -> Bool {
        suffix.withUTF8Buffer(endsWith)
    }

    // Compares from the last letter back, where most candidate suffixes already differ.
    func endsWith<Suffix: BidirectionalCollection<UInt8>>(_ suffix: Suffix) -> Bool {
        guard suffix.count <= bytes.count else { return false }
        var index = bytes.count
        for byte in suffix.reversed() {
            index -= 1
            if bytes[index] != byte { return false }
        }
        return true
    }

    /// Plurals: sses → ss, ies → i, ss → ss, s → (nothing).
    mutating func step1a() {
        guard bytes.last == Self.s else { return }
        if endsWith("sses") || endsWith("ies") {
            bytes.removeLast(2)
        } else if !endsWith("ss") {
            bytes.removeLast()
        }
    }

    /// Past tenses and gerunds: eed → ee when m > 0; ed and ing go when a vowel stays, then the stem is tidied.
    mutating func step1b() {
        if endsWith("eed") {
            if measure(bytes.count - 3) > 0 { bytes.removeLast() }
            return
        }
        let suffixLength = endsWith("ed") ? 2 : endsWith("ing") ? 3 : 0
        guard suffixLength > 0, hasVowel(bytes.count - suffixLength) else { return }
        bytes.removeLast(suffixLength)
        if endsWith("at") || endsWith("bl") || endsWith("iz") {
            bytes.append(Self.e)
        } else if endsWithDoubleConsonant(bytes.count) {
            let last = bytes[bytes.count - 1]
            if last != Self.l && last != Self.s && last != Self.z { bytes.removeLast() }
        } else if measure(bytes.count) == 1 && endsCVC(bytes.count) {
            bytes.append(Self.e)
        }
    }

    /// A final y becomes i when the stem before it holds a vowel.
    mutating func step1c() {
        if bytes.last == Self.y && hasVowel(bytes.count - 1) {
            bytes[bytes.count - 1] = Self.i
        }
    }

    mutating func step2() { applyFirstMatch(of: step2Rules, minimumMeasure: 1) }

    mutating func step3() { applyFirstMatch(of: step3Rules, minimumMeasure: 1) }

    /// Strips a residual suffix when m > 1; "ion" only after s or t.
    mutating func step4() {
        guard let rule = step4Rules.first(where: { endsWith($0.suffix) }) else { return }
        let stemLength = bytes.count - rule.suffix.count
        guard measure(stemLength) > 1 else { return }
        if rule.needsSOrT && bytes[stemLength - 1] != Self.s && bytes[stemLength - 1] != Self.t { return }
        bytes.removeLast(rule.suffix.count)
    }

    /// A final e goes when m > 1, or when m = 1 and the stem does not end consonant-vowel-consonant.
    mutating func step5a() {
        guard bytes.last == Self.e else { return }
        let stemLength = bytes.count - 1
        let m = measure(stemLength)
        if m > 1 || (m == 1 && !endsCVC(stemLength)) { bytes.removeLast() }
    }

    /// A final ll becomes l when m > 1.
    mutating func step5b() {
        if bytes.last == Self.l && endsWithDoubleConsonant(bytes.count) && measure(bytes.count) > 1 {
            bytes.removeLast()
        }
    }

    private mutating func applyFirstMatch(of rules: [SuffixRule], minimumMeasure: Int) {
        guard let rule = rules.first(where: { endsWith($0.suffix) }) else { return }
        if measure(bytes.count - rule.suffix.count) >= minimumMeasure {
            bytes.removeLast(rule.suffix.count)
            bytes.append(contentsOf: rule.replacement)
        }
    }
}
