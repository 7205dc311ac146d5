import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads an arXiv API Atom feed (`<feed>` of `<entry>` elements), streaming with a SAX parser.
///
/// Ids become arXiv ids without version (`http://arxiv.org/abs/2409.20559v1` → `2409.20559`);
/// titles and summaries wrapped over lines are joined; every category is kept, the primary first.
struct AtomParser: ListingParser {
    let stream: InputStream

    mutating func parse(_ emit: (ParsedItem) throws -> Void) throws {
        let parser = XMLParser(stream: stream)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let (finished, sawFeed) = try withoutActuallyEscaping(emit) { emit in
            let delegate = AtomDelegate(emit: emit, parser: parser)
            parser.delegate = delegate
            defer { parser.delegate = nil }
            let finished = parser.parse()
            if let failure = delegate.emitFailure { throw failure }
            return (finished, delegate.sawFeed)
        }
        if !finished || parser.parserError != nil {
            let reason = (parser.parserError as NSError?).map(Self.describe) ?? "the XML is malformed"
            throw RecordProblem(line: max(parser.lineNumber, 1), message: "\(reason); expected a complete Atom feed")
        }
        if !sawFeed {
            throw RecordProblem(line: 1, message: "expected an Atom <feed> element")
        }
    }

    private static func describe(_ error: NSError) -> String {
        let text = error.localizedDescription
        if error.code == XMLParser.ErrorCode.prematureDocumentEndError.rawValue || text.contains("Extra content") == false && text.contains("end") {
            return "the XML ends early (truncated file?): \(text)"
        }
        return "malformed XML: \(text)"
    }
}

/// Collects one entry at a time and hands it on; abandons the parse when the receiver throws.
private final class AtomDelegate: NSObject, XMLParserDelegate {
    private let emit: (ParsedItem) throws -> Void
    private unowned let parser: XMLParser
    private(set) var emitFailure: (any Error)?
    private(set) var sawFeed = false

    private var entry: EntryFields?
    private var text = ""
    private var capturing = false

    private struct EntryFields {
        var line: Int
        var id = ""
        var title = ""
        var summary = ""
        var published = ""
        var updated = ""
        var authors: [String] = []
        var categories: [String] = []
        var primaryCategory: String?
        var links: [String] = []
        var inAuthor = false
    }

    init(emit: @escaping (ParsedItem) throws -> Void, parser: XMLParser) {
        self.emit = emit
        self.parser = parser
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "feed":
            sawFeed = true
        case "entry":
            entry = EntryFields(line: parser.lineNumber)
        case "author":
            entry?.inAuthor = true
        case "link":
            if let href = attributes["href"], !href.isEmpty, entry?.links.contains(href) == false { entry?.links.append(href) }
        case "category":
            if let term = attributes["term"], entry?.categories.contains(term) == false { entry?.categories.append(term) }
        case "arxiv:primary_category":
            entry?.primaryCategory = attributes["term"]
        case "id", "title", "summary", "published", "updated", "name":
            if entry != nil {
                capturing = true
                text = ""
            }
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if capturing { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard entry != nil else { return }
        let value = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        switch name {
        case "id": entry?.id = value
        case "title": entry?.title = value
        case "summary": entry?.summary = value
        case "published": entry?.published = value
        case "updated": entry?.updated = value
        case "name": if entry?.inAuthor == true, !value.isEmpty { entry?.authors.append(value) }
        case "author": entry?.inAuthor = false
        case "entry":
            if let fields = entry { finish(fields) }
            entry = nil
        default: break
        }
        capturing = false
        text = ""
    }

    private func finish(_ fields: EntryFields) {
        let item: ParsedItem
        if fields.id.isEmpty {
            item = .invalid(RecordProblem(line: fields.line, message: "entry has no <id>; expected an arXiv id such as http://arxiv.org/abs/2409.20559v1"))
        } else if fields.title.isEmpty {
            item = .invalid(RecordProblem(line: fields.line, message: "entry \(fields.id) has no <title>"))
        } else if let day = Day(iso: (fields.published.isEmpty ? fields.updated : fields.published).prefix(10)) {
            var categories = fields.categories
            if let primary = fields.primaryCategory {
                categories.removeAll { $0 == primary }
                categories.insert(primary, at: 0)
            }
            let paper = IncomingPaper(
                externalID: PaperID.arxiv(fromURL: fields.id), title: fields.title, abstract: fields.summary,
                authors: fields.authors, categories: categories,
                links: fields.links + LinkExtractor.links(in: fields.summary).filter { !fields.links.contains($0) },
                published: day, source: Appearance.arxivSource
            )
            item = .paper(paper, line: fields.line)
        } else {
            item = .invalid(RecordProblem(line: fields.line, message: "entry \(fields.id) has no valid <published> date; expected YYYY-MM-DDThh:mm:ssZ"))
        }
        do {
            try emit(item)
        } catch {
            emitFailure = error
            parser.abortParsing()
        }
    }
}
