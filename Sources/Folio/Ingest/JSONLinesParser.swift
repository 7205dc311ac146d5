import Foundation

/// Reads JSON Lines, one paper per line:
/// `{"id", "title", "abstract", "authors"?: [..], "published"?: "YYYY-MM-DD", "source"?, "url"?, "categories"?: [..]}`.
///
/// `title` is required; a missing `id` is derived from the title. Unknown fields are ignored.
struct JSONLinesParser: ListingParser {
    var lines: LineReader

    mutating func parse(_ emit: (ParsedItem) throws -> Void) throws {
        var sawRecord = false
        while true {
            let bytes: ArraySlice<UInt8>
            do {
                guard let next = try lines.nextLineBytes() else { break }
                bytes = next
            }
            let line = lines.lineNumber
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            sawRecord = true
            do {
                try emit(.paper(try Self.paper(from: bytes, line: line), line: line))
            } catch let problem as RecordProblem {
                try emit(.invalid(problem))
            }
        }
        if !sawRecord {
            throw RecordProblem(line: 1, message: "the file is empty; expected one JSON object per line")
        }
    }

    static func paper(from bytes: ArraySlice<UInt8>, line: Int) throws(RecordProblem) -> IncomingPaper {
        _ = try LineReader.text(bytes, line: line)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw RecordProblem(line: line, message: "not valid JSON (\(Self.reason(error))); expected one JSON object per line")
        }
        guard let fields = object as? [String: Any] else {
            throw RecordProblem(line: line, message: "expected a JSON object {\"id\": …, \"title\": …}, found \(Self.kind(of: object))")
        }
        func string(_ name: String, required: Bool = false) throws(RecordProblem) -> String? {
            guard let value = fields[name], !(value is NSNull) else {
                if required { throw RecordProblem(line: line, message: "missing field \"\(name)\"; expected a string") }
                return nil
            }
            guard let text = value as? String else {
                throw RecordProblem(line: line, message: "field \"\(name)\" is \(Self.kind(of: value)); expected a string")
            }
            return text
        }
        func strings(_ name: String) throws(RecordProblem) -> [String] {
            guard let value = fields[name], !(value is NSNull) else { return [] }
            guard let list = value as? [Any], let texts = list as? [String] else {
                throw RecordProblem(line: line, message: "field \"\(name)\" is \(Self.kind(of: value)); expected an array of strings")
            }
            return texts.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }

        let title = try string("title", required: true)!.trimmingWhitespace()
        guard !title.isEmpty else { throw RecordProblem(line: line, message: "field \"title\" is empty; expected the paper's title") }
        var externalID: String?
        if let id = try string("id") {
            let normalized = PaperID.normalized(id)
            if let problem = PaperID.problem(with: normalized) {
                throw RecordProblem(line: line, message: "field \"id\": \(problem)")
            }
            externalID = normalized
        }
        var published: Day?
        if let text = try string("published") {
            guard let day = Day(iso: text.prefix(10)) else {
                throw RecordProblem(line: line, message: "field \"published\" is \"\(text.prefix(40))\"; expected a date YYYY-MM-DD")
            }
            published = day
        }
        let abstract = (try string("abstract") ?? "").trimmingWhitespace()
        var links = try strings("links")
        if let url = try string("url")?.trimmingWhitespace(), !url.isEmpty, !links.contains(url) { links.insert(url, at: 0) }
        for link in LinkExtractor.links(in: abstract) where !links.contains(link) { links.append(link) }
        let source = try string("source")?.trimmingWhitespace()
        return IncomingPaper(
            externalID: externalID, title: title, abstract: abstract,
            authors: try strings("authors"), categories: try strings("categories"), links: links,
            published: published, source: (source?.isEmpty == false ? source! : Appearance.jsonLinesSource)
        )
    }

    private static func kind(of value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is Bool: "a boolean"
        case is NSNumber: "a number"
        default: "a \(type(of: value))"
        }
    }

    private static func reason(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return text ?? "\(error)"
    }
}
