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
        // No step makes a word longer than it was (see `SuffixRule`), so the stem is rewritten
        // within the word's own bytes and the array only shrinks at the end.
        let length = word.withUnsafeMutableBufferPointer { letters in
            var stem = Stem(letters: letters)
            stem.step1a()
            stem.step1b()
            stem.step1c()
            stem.step2()
            stem.step3()
            stem.step4()
            stem.step5a()
            stem.step5b()
            return stem.count
        }
        word.removeLast(word.count - length)
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
        // The stemmer rewrites words in place, which needs every replacement to fit its suffix's room.
        precondition(replacement.utf8.count <= suffix.utf8.count, "a Porter rule never lengthens a word")
        self.suffix = Array(suffix.utf8)
        self.replacement = Array(replacement.utf8)
        self.needsSOrT = needsSOrT
    }
}

/// A step's rules grouped by the last letter of their suffix, each group in list order: a word
/// is compared only with the suffixes that end in its own last letter, and the first of those
/// that matches is the one the whole list would have found.
private struct SuffixRules {
    private let byLastLetter: [[SuffixRule]]

    init(_ rules: [SuffixRule]) {
        var groups = [[SuffixRule]](repeating: [], count: 26)
        for rule in rules { groups[Int(rule.suffix.last! - UInt8(ascii: "a"))].append(rule) }
        byLastLetter = groups
    }

    /// The rules whose suffix ends in `letter`.
    func endingIn(_ letter: UInt8) -> [SuffixRule] {
        guard letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") else { return [] }
        return byLastLetter[Int(letter - UInt8(ascii: "a"))]
    }
}

// The rule lists keep a longer suffix before any shorter one it ends with, because the
// paper applies only the longest matching suffix of a step, and only if its condition holds.
private let step2Rules = SuffixRules([
    SuffixRule("ational", "ate"), SuffixRule("tional", "tion"), SuffixRule("enci", "ence"),
    SuffixRule("anci", "ance"), SuffixRule("izer", "ize"), SuffixRule("abli", "able"),
    SuffixRule("alli", "al"), SuffixRule("entli", "ent"), SuffixRule("eli", "e"),
    SuffixRule("ousli", "ous"), SuffixRule("ization", "ize"), SuffixRule("ation", "ate"),
    SuffixRule("ator", "ate"), SuffixRule("alism", "al"), SuffixRule("iveness", "ive"),
    SuffixRule("fulness", "ful"), SuffixRule("ousness", "ous"), SuffixRule("aliti", "al"),
    SuffixRule("iviti", "ive"), SuffixRule("biliti", "ble"),
])

private let step3Rules = SuffixRules([
    SuffixRule("icate", "ic"), SuffixRule("ative"), SuffixRule("alize", "al"), SuffixRule("iciti", "ic"),
    SuffixRule("ical", "ic"), SuffixRule("ful"), SuffixRule("ness"),
])

private let step4Rules = SuffixRules([
    SuffixRule("al"), SuffixRule("ance"), SuffixRule("ence"), SuffixRule("er"), SuffixRule("ic"),
    SuffixRule("able"), SuffixRule("ible"), SuffixRule("ant"), SuffixRule("ement"), SuffixRule("ment"),
    SuffixRule("ent"), SuffixRule("ion", needsSOrT: true), SuffixRule("ou"), SuffixRule("ism"), SuffixRule("ate"),
    SuffixRule("iti"), SuffixRule("ous"), SuffixRule("ive"), SuffixRule("ize"),
])

/// A word being stemmed, with the paper's measures of its leading part.
///
/// The stem is the first `count` bytes of `letters`, the word's own storage: steps shorten it and
/// rewrite its end, and never make it longer than the word was.
private struct Stem {
    let letters: UnsafeMutableBufferPointer<UInt8>
    private(set) var count: Int

    init(letters: UnsafeMutableBufferPointer<UInt8>) {
        self.letters = letters
        count = letters.count
    }

    private static let a = UInt8(ascii: "a"), e = UInt8(ascii: "e"), i = UInt8(ascii: "i")
    private static let l = UInt8(ascii: "l"), o = UInt8(ascii: "o"), s = UInt8(ascii: "s")
    private static let t = UInt8(ascii: "t"), u = UInt8(ascii: "u"), w = UInt8(ascii: "w")
    private static let x = UInt8(ascii: "x"), y = UInt8(ascii: "y"), z = UInt8(ascii: "z")

    private var last: UInt8? { count > 0 ? letters[count - 1] : nil }

    private mutating func removeLast(_ length: Int = 1) { count -= length }

    /// Adds a letter in room a longer suffix left.
    private mutating func append(_ letter: UInt8) {
        precondition(count < letters.count, "a stem never grows past its word")
        letters[count] = letter
        count += 1
    }

    /// Whether the letter at `index` is a consonant: not a vowel, and `y` only after a vowel or first.
    func isConsonant(_ index: Int) -> Bool {
        switch letters[index] {
        case Self.a, Self.e, Self.i, Self.o, Self.u: false
        case Self.y: index == 0 || !isConsonant(index - 1)
        default: true
        }
    }

    /// The paper's m: how many vowel-consonant sequences the first `length` letters hold.
    func measure(_ length: Int) -> Int {
        var sequences = 0
        var index = 0
        while index < length && isConsonant(index) { index += 1 }
        while index < length {
            while index < length && !isConsonant(index) { index += 1 }
            guard index < length else { break }
            sequences += 1
            while index < length && isConsonant(index) { index += 1 }
        }
        return sequences
    }

    /// Whether the first `length` letters hold a vowel (the paper's *v*).
    func hasVowel(_ length: Int) -> Bool {
        (0..<length).contains { !isConsonant($0) }
    }

    /// Whether the first `length` letters end in a doubled consonant (the paper's *d).
    func endsWithDoubleConsonant(_ length: Int) -> Bool {
        length >= 2 && letters[length - 1] == letters[length - 2] && isConsonant(length - 1)
    }

    /// Whether the first `length` letters end consonant-vowel-consonant, the last not w, x or y (the paper's *o).
    func endsCVC(_ length: Int) -> Bool {
        guard length >= 3, isConsonant(length - 1), !isConsonant(length - 2), isConsonant(length - 3) else {
            return false
        }
        let last = letters[length - 1]
        return last != Self.w && last != Self.x && last != Self.y
    }

    func endsWith(_ suffix: StaticString) -> Bool {
        suffix.withUTF8Buffer(endsWith)
    }

    // Compares from the last letter back, where most candidate suffixes already differ.
    func endsWith<Suffix: BidirectionalCollection<UInt8>>(_ suffix: Suffix) -> Bool {
        guard suffix.count <= count else { return false }
        var index = count
        for byte in suffix.reversed() {
            index -= 1
            if letters[index] != byte { return false }
        }
        return true
    }

    /// Plurals: sses → ss, ies → i, ss → ss, s → (nothing).
    mutating func step1a() {
        guard last == Self.s else { return }
        if endsWith("sses") || endsWith("ies") {
            removeLast(2)
        } else if !endsWith("ss") {
            removeLast()
        }
    }

    /// Past tenses and gerunds: eed → ee when m > 0; ed and ing go when a vowel stays, then the stem is tidied.
    mutating func step1b() {
        if endsWith("eed") {
            if measure(count - 3) > 0 { removeLast() }
            return
        }
        let suffixLength = endsWith("ed") ? 2 : endsWith("ing") ? 3 : 0
        guard suffixLength > 0, hasVowel(count - suffixLength) else { return }
        removeLast(suffixLength)
        if endsWith("at") || endsWith("bl") || endsWith("iz") {
            append(Self.e)
        } else if endsWithDoubleConsonant(count) {
            if last != Self.l && last != Self.s && last != Self.z { removeLast() }
        } else if measure(count) == 1 && endsCVC(count) {
            append(Self.e)
        }
    }

    /// A final y becomes i when the stem before it holds a vowel.
    mutating func step1c() {
        if last == Self.y && hasVowel(count - 1) {
            letters[count - 1] = Self.i
        }
    }

    mutating func step2() { applyFirstMatch(of: step2Rules, minimumMeasure: 1) }

    mutating func step3() { applyFirstMatch(of: step3Rules, minimumMeasure: 1) }

    /// Strips a residual suffix when m > 1; "ion" only after s or t.
    mutating func step4() {
        guard let last, let rule = step4Rules.endingIn(last).first(where: { endsWith($0.suffix) }) else { return }
        let stemLength = count - rule.suffix.count
        guard measure(stemLength) > 1 else { return }
        if rule.needsSOrT && letters[stemLength - 1] != Self.s && letters[stemLength - 1] != Self.t { return }
        removeLast(rule.suffix.count)
    }

    /// A final e goes when m > 1, or when m = 1 and the stem does not end consonant-vowel-consonant.
    mutating func step5a() {
        guard last == Self.e else { return }
        let stemLength = count - 1
        let m = measure(stemLength)
        if m > 1 || (m == 1 && !endsCVC(stemLength)) { removeLast() }
    }

    /// A final ll becomes l when m > 1.
    mutating func step5b() {
        if last == Self.l && endsWithDoubleConsonant(count) && measure(count) > 1 {
            removeLast()
        }
    }

    private mutating func applyFirstMatch(of rules: SuffixRules, minimumMeasure: Int) {
        guard let last, let rule = rules.endingIn(last).first(where: { endsWith($0.suffix) }) else { return }
        if measure(count - rule.suffix.count) >= minimumMeasure {
            removeLast(rule.suffix.count)
            for letter in rule.replacement { append(letter) }
        }
    }
}
