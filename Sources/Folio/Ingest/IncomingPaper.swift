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
