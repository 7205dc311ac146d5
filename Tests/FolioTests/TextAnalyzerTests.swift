@testable import Folio
import Testing

/// Words and their stems under the original Porter (1980) algorithm, most of them the examples
/// of its rules in the paper, the rest common words of paper abstracts.
private let porterStems: [(word: String, stem: String)] = [
    // Step 1a
    ("caresses", "caress"), ("ponies", "poni"), ("ties", "ti"), ("caress", "caress"), ("cats", "cat"),
    // Step 1b
    ("feed", "feed"), ("agreed", "agre"), ("plastered", "plaster"), ("bled", "bled"), ("motoring", "motor"),
    ("sing", "sing"), ("conflated", "conflat"), ("troubled", "troubl"), ("sized", "size"), ("hopping", "hop"),
    ("tanned", "tan"), ("falling", "fall"), ("hissing", "hiss"), ("fizzed", "fizz"), ("failing", "fail"),
    ("filing", "file"),
    // Step 1c
    ("happy", "happi"), ("sky", "sky"),
    // Step 2
    ("relational", "relat"), ("conditional", "condit"), ("rational", "ration"), ("valenci", "valenc"),
    ("hesitanci", "hesit"), ("digitizer", "digit"), ("conformabli", "conform"), ("radicalli", "radic"),
    ("differentli", "differ"), ("vileli", "vile"), ("analogousli", "analog"), ("vietnamization", "vietnam"),
    ("predication", "predic"), ("operator", "oper"), ("feudalism", "feudal"), ("decisiveness", "decis"),
    ("hopefulness", "hope"), ("callousness", "callous"), ("formaliti", "formal"), ("sensitiviti", "sensit"),
    ("sensibiliti", "sensibl"),
    // Step 3
    ("triplicate", "triplic"), ("formative", "form"), ("formalize", "formal"), ("electriciti", "electr"),
    ("electrical", "electr"), ("hopeful", "hope"), ("goodness", "good"),
    // Step 4
    ("revival", "reviv"), ("allowance", "allow"), ("inference", "infer"), ("airliner", "airlin"),
    ("gyroscopic", "gyroscop"), ("adjustable", "adjust"), ("defensible", "defens"), ("irritant", "irrit"),
    ("replacement", "replac"), ("adjustment", "adjust"), ("dependent", "depend"), ("adoption", "adopt"),
    ("homologou", "homolog"), ("communism", "commun"), ("activate", "activ"), ("angulariti", "angular"),
    ("homologous", "homolog"), ("effective", "effect"), ("bowdlerize", "bowdler"),
    // Step 5
    ("probate", "probat"), ("rate", "rate"), ("cease", "ceas"), ("controll", "control"), ("roll", "roll"),
    // Whole words through several steps
    ("generalization", "gener"), ("generalizations", "gener"), ("running", "run"), ("connection", "connect"),
    ("connected", "connect"), ("connecting", "connect"), ("connections", "connect"), ("oscillators", "oscil"),
    ("transformers", "transform"), ("attention", "attent"), ("retrieval", "retriev"), ("embeddings", "embed"),
    ("optimization", "optim"), ("learning", "learn"), ("networks", "network"), ("logical", "logic"),
    // The paper has no "logi" rule; Porter's later C release stems this to "archaeolog".
    ("archaeology", "archaeologi"),
]

@Suite struct TextAnalyzerTests {
    /// An analyzer without stop words, to see the tokenizer's own rules.
    let bare = TextAnalyzer(stopWords: [])
    let standard = TextAnalyzer.standard

    // MARK: Porter stemmer

    @Test(arguments: porterStems)
    func porterStem(word: String, stem: String) {
        #expect(PorterStemmer.stem(word) == stem)
    }

    @Test func stemmerLeavesShortAndNonLowercaseASCIIWordsAlone() {
        for word in ["", "a", "is", "as", "naïve", "gpt4", "Running", "llama2", "δίκτυα"] {
            #expect(PorterStemmer.stem(word) == word)
        }
    }

    @Test func stemmingInPlaceMatchesStemmingAString() {
        for (word, stem) in porterStems {
            var bytes = Array(word.utf8)
            PorterStemmer.stem(&bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == stem)
        }
    }

    // MARK: Tokenizer rules

    @Test func foldsDiacriticsAndCase() {
        #expect(bare.terms("Jörg NAÏVE Café") == ["jorg", "naiv", "cafe"])
        // Precomposed and decomposed spellings give the same terms.
        #expect(bare.terms("Cafe\u{301} nai\u{308}ve") == bare.terms("Café naïve"))
        #expect(bare.terms("ﬁne-tuning ＧＰＴ４") == ["fine", "tune", "gpt4"])
    }

    @Test func surfaceFormsGiveTheFirstWordOfEachTermAndOnlyTheWantedOnesWhenAsked() {
        let text = "Attention layers attend; the attentive reader trains a Transformer by training"
        let all = bare.surfaceForms(text)
        #expect(all["attent"] == "attention" && all["layer"] == "layers" && all["train"] == "trains" && all["transform"] == "transformer")
        let wanted = bare.surfaceForms(text, of: ["train", "attent", "nowhere"])
        #expect(wanted == ["train": "trains", "attent": "attention"])
        #expect(bare.surfaceForms(text, of: []).isEmpty)
    }

    @Test func wantedSurfaceFormsAreThoseOfAllTheTextsTermsOnRealAbstracts() throws {
        // Looking only at words that start as a wanted term does must find what looking at every word finds.
        let texts = try Fixtures.dailyPages.map { try String(contentsOfFile: $0, encoding: .utf8) }
        #expect(texts.joined().count > 10_000)
        for text in texts {
            let all = TextAnalyzer.standard.surfaceForms(text)
            #expect(all.count > 300)
            #expect(all.allSatisfy { term, word in term.utf8.first == word.utf8.first }, "a term starts with its word's first byte")
            let terms = all.keys.sorted()
            for index in stride(from: 0, to: terms.count, by: terms.count / 8) {
                let wanted: Set = [terms[index], terms[(index * 31 + 7) % terms.count], terms[(index * 17 + 3) % terms.count], "zzzz-absent"]
                #expect(TextAnalyzer.standard.surfaceForms(text, of: wanted) == all.filter { wanted.contains($0.key) })
            }
        }
    }

    @Test func punctuationSplitsTokens() {
        #expect(bare.terms("zero-shot") == ["zero", "shot"])
        #expect(bare.terms("encoder/decoder") == ["encod", "decod"])
        #expect(bare.terms("don't") == ["don"])
        #expect(bare.terms("we’re (finally) done; end.of.line") == ["we", "re", "final", "done", "end", "of", "line"])
        #expect(bare.terms("soft\u{AD}ware") == ["softwar"], "a soft hyphen sits inside a word")
    }

    @Test func dropsPureNumbersButKeepsAlphanumericsUnstemmed() {
        #expect(bare.terms("In 2024, 3.5 percent of 10,000 runs") == ["in", "percent", "of", "run"])
        #expect(bare.terms("GPT4 7B LLaMA2 H100 A100s 1e-5") == ["gpt4", "7b", "llama2", "h100", "a100s", "1e"])
        #expect(bare.terms("x² ½") == ["x2"], "compatibility forms fold to their digits")
    }

    @Test func skipsURLs() {
        #expect(
            bare.terms("code at https://github.com/org/repo-name and HTTP://Example.COM/x?y=1. done")
                == ["code", "at", "and", "done"]
        )
        #expect(bare.terms("(http://a.b/c)\nnext") == ["next"])
        #expect(bare.terms("the http protocol") == ["the", "http", "protocol"], "only a scheme with :// starts a URL")
    }

    @Test func skipsLaTeXCommands() {
        #expect(bare.terms("\\emph{foo}") == ["foo"])
        #expect(bare.terms("\\textbf{Graph} networks \\cite{smith}") == ["graph", "network", "smith"])
        #expect(bare.terms("$\\alpha$-divergence and 50\\% less") == ["diverg", "and", "less"])
        #expect(bare.terms("\\'a") == [], "an accent command leaves a one-letter word")
        // LaTeX accents fold like the characters they stand for.
        #expect(bare.terms("G\\\"odel Poincar\\'e Erd\\H{o}s G\\\"{o}del") == bare.terms("Gödel Poincaré Erdős Gödel"))
        #expect(bare.terms("G\\\"odel Poincar\\'e Erd\\H{o}s") == ["godel", "poincar", "erdo"])
    }

    @Test func dropsStopWordsBeforeStemming() {
        #expect(standard.terms("The model of the data") == ["model", "data"])
        #expect(standard.terms("In this paper, we propose a novel approach") == [])
        let analyzer = TextAnalyzer(stopWords: ["running"])
        #expect(analyzer.terms("running runs") == ["run"], "the stop word is matched unstemmed")
        #expect(TextAnalyzer(stopWords: ["The"]).terms("the end") == ["end"], "stop words are lowercased")
    }

    @Test func dropsTokensOutsideTheLengthLimits() {
        #expect(bare.terms("a b an ox") == ["an", "ox"])
        #expect(TextAnalyzer(stopWords: [], minimumTermLength: 3).terms("an ox saw big cats") == ["saw", "big", "cat"])
        let forty = String(repeating: "ab", count: 20)
        #expect(bare.terms("\(forty) \(forty)c") == [forty])
        #expect(TextAnalyzer(stopWords: [], maximumTermLength: 5).terms("short longer") == ["short"])
    }

    @Test func keepsNonLatinScripts() {
        #expect(bare.terms("Глубокое обучение") == ["глубокое", "обучение"])
        #expect(bare.terms("深度学习 模型。大") == ["深度学习", "模型"])
        #expect(bare.terms("ΕΛΛΗΝΙΚΆ Δίκτυα") == ["ελληνικα", "δικτυα"])
        #expect(bare.terms("ΟΔΟΣ") == bare.terms("οδος"), "final sigma folds to sigma")
    }

    @Test func emptyAndBlankTextHasNoTerms() {
        #expect(bare.terms("").isEmpty)
        #expect(standard.terms(" \n\t\r\n  ").isEmpty)
        #expect(standard.terms("-- ... !!! 2024").isEmpty)
    }

    @Test func oddCharactersDoNotBreakTokenizing() {
        #expect(bare.terms("\u{0}abc\u{0}def 🚀rocket 👍🏽 \u{FFFD}ok") == ["abc", "def", "rocket", "ok"])
        #expect(bare.terms("foo\\") == ["foo"])
        #expect(bare.terms("\\'{o") == [])
        #expect(bare.terms("\\H{o") == [])
        #expect(bare.terms("\u{301}\u{301} \u{200D}") == [])
        #expect(bare.terms("e\u{301}\u{0}\\") == [])
    }

    @Test func isDeterministic() {
        let abstract = """
            We introduce Folio-7B, a naïve \\emph{zero-shot} retriever trained on 1.2M arXiv abstracts \
            (see https://example.org/folio). Across 12 benchmarks it outperforms GPT-4 and LLaMA2-13B.
            """
        let terms = standard.terms(abstract)
        #expect(
            terms == [
                "introduc", "folio", "7b", "naiv", "zero", "shot", "retriev", "train", "2m", "arxiv", "abstract",
                "see", "benchmark", "outperform", "gpt", "llama2", "13b",
            ]
        )
        for _ in 0..<3 {
            #expect(standard.terms(abstract) == terms)
            #expect(TextAnalyzer.standard.terms(abstract) == terms)
        }
    }

    // MARK: Fast paths

    /// Text of every kind the repository holds (abstracts and titles of the fixtures, the example
    /// daily pages, JSON with escapes, an Atom feed), a line at a time, and the tokenizer's hard cases.
    private static let sampleTexts: [String] = {
        var texts = [
            "Jörg NAÏVE Café", "Cafe\u{301} nai\u{308}ve", "ﬁne-tuning ＧＰＴ４", "GPT4 7B LLaMA2 H100 A100s 1e-5",
            "G\\\"odel Poincar\\'e Erd\\H{o}s G\\\"{o}del", "abc\\'e\\\"{o}x", "x² ½ soft\u{AD}ware",
            "see https://github.com/org/repo and HTTP://Example.COM/x?y=1. hhttp://no http:/x",
            "Глубокое обучение ΕΛΛΗΝΙΚΆ 深度学习 模型", "mixedÄscii wordsé endé", "\u{0}abc\u{0}def 🚀rocket",
            "running runs connection generalizations oscillators archaeology ies sses ss",
        ]
        for path in Fixtures.dailyPages + [Fixtures.jsonLines, Fixtures.atomFeed] {
            texts += Fixtures.text(path).split(whereSeparator: \.isNewline).map(String.init)
        }
        return texts
    }()

    @Test func readingWholeASCIIRunsGivesTheTermsOfReadingEachCharacter() {
        for analyzer in [standard, bare] {
            for text in Self.sampleTexts {
                #expect(analyzer.terms(text) == analyzer.termsReadingEachCharacter(text), "\(text.prefix(80))")
            }
        }
    }

    @Test func wordMemoGivesTheSameTerms() {
        var memo = TextAnalyzer.WordMemo()
        // A memo that fills up and starts afresh many times on the way.
        var small = TextAnalyzer.WordMemo(capacity: 40)
        for _ in 0..<2 {
            for text in Self.sampleTexts {
                let terms = standard.terms(text)
                #expect(standard.terms(text, memo: &memo) == terms, "\(text.prefix(80))")
                #expect(standard.terms(text, memo: &small) == terms, "\(text.prefix(80))")
            }
        }
    }

    @Test func authorTokensOfOddNames() {
        #expect(AuthorTokens.token(for: "Jean-Luc Picard") == "au:picard_j")
        #expect(AuthorTokens.token(for: "van der Berg, Anna Maria") == "au:van-der-berg_a")
        #expect(AuthorTokens.token(for: "Erd\\H{o}s, Paul") == "au:erdos_p")
        #expect(AuthorTokens.token(for: "Ünal Çelik Öztürk") == "au:ozturk_u")
        #expect(AuthorTokens.token(for: "李 小龙") == "au:小龙_李")
        #expect(AuthorTokens.token(for: ", Anna") == nil)
        #expect(AuthorTokens.token(for: "Smith,") == "au:smith")
        #expect(AuthorTokens.token(for: "-- . --") == nil)
    }

    // MARK: Stop-word list

    @Test func standardStopWordsKeepContentWords() {
        let stopWords = standard.stopWords
        #expect(stopWords.count > 300)
        for word in ["the", "of", "and", "we", "which", "don", "paper", "propose", "however"] {
            #expect(stopWords.contains(word), "\(word)")
        }
        for word in ["model", "learning", "data", "network", "large", "language", "few", "self", "zero", "non"] {
            #expect(!stopWords.contains(word), "\(word)")
        }
        #expect(!stopWords.contains { $0.hasPrefix("#") || $0.contains(" ") || $0 != $0.lowercased() })
    }

    @Test func stopWordListParsing() {
        let list = "# header\n\nthe\n  And  \r\n# another comment\nof\n"
        #expect(TextAnalyzer.stopWords(fromList: list) == ["the", "and", "of"])
    }

    // MARK: Normalised titles

    @Test func normalizedTitles() {
        #expect(
            TextAnalyzer.normalizedTitle("LOGO -- Long cOntext aliGnment via efficient preference Optimization")
                == "logo long context alignment via efficient preference optimization"
        )
        #expect(
            TextAnalyzer.normalizedTitle("Efficient All-to-All Collective\n  Communication")
                == "efficient all to all collective communication"
        )
        #expect(TextAnalyzer.normalizedTitle("GPT-4 Technical Report") == "gpt 4 technical report")
        #expect(TextAnalyzer.normalizedTitle("  Jörg's Naïve Café: 2nd ed.  ") == "jorg s naive cafe 2nd ed")
        #expect(TextAnalyzer.normalizedTitle("On G\\\"odel's Proof") == TextAnalyzer.normalizedTitle("On Gödel’s proof"))
        #expect(TextAnalyzer.normalizedTitle("深度学习：综述") == "深度学习 综述")
        #expect(TextAnalyzer.normalizedTitle("").isEmpty)
        #expect(TextAnalyzer.normalizedTitle(" -- \n ").isEmpty)
    }

    @Test func normalizedTitleIsStableUnderRenormalizing() {
        for title in ["Attention Is All You Need", "LLaMA 2: Open Foundation and Fine-Tuned Chat Models", "Ünïcödé — ok"] {
            let key = TextAnalyzer.normalizedTitle(title)
            #expect(TextAnalyzer.normalizedTitle(key) == key)
        }
    }
}

@Suite struct NameTableTests {
    @Test func namesFindTheirValuesThroughGrowthAndTwoTablesAgree() {
        // Long and short names, shared prefixes, non-ASCII, the empty name: more than the first capacity.
        let names = (0 ..< 5_000).map { "term\($0)" } + ["", "é", "ée", "a-very-long-term-name-past-sixteen-bytes", "a-very-long-term-name-past-sixteen-bytez"]
        var first = NameTable<Int32>(), second = NameTable<Int32>()
        for (index, name) in names.enumerated() {
            first.insert(name, value: Int32(index))
            second.insert(name, value: Int32(index))
        }
        first.insert("term7", value: 99)
        #expect(first.count == names.count, "a name inserted again keeps its value and adds nothing")
        for (index, name) in names.enumerated() {
            #expect(first.value(of: name) == Int32(index))
            #expect(second.value(of: name) == Int32(index), "the seed places names, it does not change answers")
        }
        for missing in ["term5000", "term", "e", "a-very-long-term-name-past-sixteen-bytes!"] { #expect(first.value(of: missing) == nil) }
        first.removeAll()
        #expect(first.count == 0 && first.value(of: "term7") == nil)
        first.insert("term7", value: 3)
        #expect(first.value(of: "term7") == 3)

        // Optional values (a word that is no term) are told apart from absent names.
        var memo = NameTable<String?>()
        memo.insert("the", value: nil)
        #expect(memo.value(of: "the") == .some(nil) && memo.value(of: "then") == nil)
    }
}
