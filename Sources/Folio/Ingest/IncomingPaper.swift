/// A paper as one listing describes it, before it is merged into the store.
struct IncomingPaper: Sendable, Equatable {
    /// The source's id (arXiv id without version, or a JSON Lines `id`), if the listing has one.
    var externalID: String?
    var title: String
    var abstract: String
    var authors: [String] = []
    var categories: [String] = []
    var links: [String] = []
    /// The listing or publication day, if the listing gives one.
    var published: Day?
    /// Where it was listed: ``Appearance/source``.
    var source: String
    /// The paper's text already analysed, when its parser did that on another thread (JSON Lines);
    /// otherwise the ingester analyses it.
    var analysis: PaperAnalysis?

    /// The title's ``TextAnalyzer/normalizedTitle(_:)``, from the analysis when it is of this title.
    var normalizedTitle: String {
        analysis?.normalizedTitle(ofTitle: title) ?? TextAnalyzer.normalizedTitle(title)
    }
}

/// The index terms of a paper's title, abstract and authors, worked out ahead of the ingester.
///
/// Analysing text is most of the work of ingesting a paper and depends on nothing else, so parsers
/// that read many papers at once do it on all cores; the ingester, which numbers terms and writes
/// batches, runs on one thread and takes these terms as they are. It uses them only for the texts
/// they were made from (``isAnalysis(ofTitle:abstract:authors:)``), so a paper changed after parsing
/// is analysed afresh.
struct PaperAnalysis: Sendable, Equatable {
    /// ``TextAnalyzer/normalizedTitle(_:)`` of the title: the key that finds the paper under other spellings.
    var normalizedTitle: String
    var titleTerms: [String]
    var abstractTerms: [String]
    /// ``AuthorTokens/tokens(of:)`` of the authors.
    var authorTerms: [String]
    /// The texts analysed (shared with the paper's own strings, not copies).
    private let title: String, abstract: String, authors: [String]

    init(title: String, abstract: String, authors: [String], analyzer: TextAnalyzer) {
        var memo = TextAnalyzer.WordMemo.disabled
        self.init(title: title, abstract: abstract, authors: authors, analyzer: analyzer, memo: &memo)
    }

    /// Analyses with a memo of words seen in earlier papers (see ``TextAnalyzer/WordMemo``).
    init(title: String, abstract: String, authors: [String], analyzer: TextAnalyzer, memo: inout TextAnalyzer.WordMemo) {
        normalizedTitle = TextAnalyzer.normalizedTitle(title)
        titleTerms = analyzer.terms(title, memo: &memo)
        abstractTerms = analyzer.terms(abstract, memo: &memo)
        authorTerms = AuthorTokens.tokens(of: authors)
        self.title = title
        self.abstract = abstract
        self.authors = authors
    }

    /// The normalised title, if this is the analysis of `title`.
    func normalizedTitle(ofTitle title: String) -> String? {
        self.title == title ? normalizedTitle : nil
    }

    /// Whether this is the analysis of exactly these texts.
    func isAnalysis(ofTitle title: String, abstract: String, authors: [String]) -> Bool {
        self.title == title && self.abstract == abstract && self.authors == authors
    }
}

/// What a parser found at one place in its input.
enum ParsedItem: Sendable {
    case paper(IncomingPaper, line: Int)
    /// A record that could not be read; parsing went on after it.
    case invalid(RecordProblem)
}

/// A problem in an input file, located by line.
struct RecordProblem: Error, Sendable, Equatable, CustomStringConvertible {
    var line: Int
    var message: String
    var description: String { "line \(line): \(message)" }
}

/// Parsers read one input file and hand each record to `emit`, in file order, without holding
/// the whole file in memory. A problem that makes the rest of the file unreadable is thrown;
/// a problem confined to one record is emitted as ``ParsedItem/invalid(_:)`` and parsing goes on.
protocol ListingParser {
    mutating func parse(_ emit: (ParsedItem) throws -> Void) throws
}
