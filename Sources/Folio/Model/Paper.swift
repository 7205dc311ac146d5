/// A research paper as Folio stores it, merged from every listing it appeared in.
public struct Paper: Sendable, Hashable, Codable {
    /// Folio's id: the arXiv id without version (`2408.01234`), the source's own id, or for
    /// listings without ids a stable id derived from the normalised title (`t-…`).
    public var id: String
    public var title: String
    public var abstract: String
    public var authors: [String]
    /// Subject categories (arXiv's `cs.LG`, …), primary first.
    public var categories: [String]
    /// Links to the paper and to what it points at: abstract page, PDF, code, project page.
    public var links: [String]
    /// Other ids the same paper arrived under, after it was merged into this record.
    public var aliases: [String]
    /// The earliest date it was published or listed.
    public var published: Day
    /// Every listing it appeared in; duplicates across days and sources become more appearances.
    public var appearances: [Appearance]

    public init(
        id: String, title: String, abstract: String = "", authors: [String] = [], categories: [String] = [],
        links: [String] = [], aliases: [String] = [], published: Day, appearances: [Appearance] = []
    ) {
        self.id = id
        self.title = title
        self.abstract = abstract
        self.authors = authors
        self.categories = categories
        self.links = links
        self.aliases = aliases
        self.published = published
        self.appearances = appearances
    }

    /// The latest day it was listed between `since` and `until` (inclusive, either open).
    public func latestListing(since: Day? = nil, until: Day? = nil) -> Day? {
        appearances.map(\.day).filter { day in since.map { day >= $0 } ?? true && until.map { day <= $0 } ?? true }.max()
    }

    /// How many daily-papers pages listed it: a popularity signal.
    public var dailyPageCount: Int {
        appearances.count { $0.source == Appearance.dailyPapersSource }
    }
}

/// One listing of a paper: where it was seen and on which day.
public struct Appearance: Sendable, Hashable, Codable, Comparable {
    /// The source kind: `hf-daily` for daily-papers pages, `arxiv` for Atom feeds, or a JSON Lines record's `source`.
    public var source: String
    public var day: Day

    public init(source: String, day: Day) {
        self.source = source
        self.day = day
    }

    public static let dailyPapersSource = "hf-daily"
    public static let arxivSource = "arxiv"
    public static let jsonLinesSource = "jsonl"

    public static func < (lhs: Appearance, rhs: Appearance) -> Bool {
        (lhs.day, lhs.source) < (rhs.day, rhs.source)
    }
}
