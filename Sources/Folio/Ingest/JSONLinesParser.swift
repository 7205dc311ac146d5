import Foundation
import Synchronization

/// Reads JSON Lines, one paper per line:
/// `{"id", "title", "abstract", "authors"?: [..], "published"?: "YYYY-MM-DD", "source"?, "url"?, "categories"?: [..]}`.
///
/// `title` is required; a missing `id` is derived from the title. Unknown fields are ignored.
///
/// A line is read in two ways. ``RecordScanner`` takes a plain, well-formed record straight from its
/// UTF-8 bytes: each string is found as a span and built once, and only strings holding escapes are
/// decoded on the side. Any line it does not take (a syntax error, a number or a boolean where Folio
/// expects text, a field given twice, a number `JSONSerialization` might not represent) goes to the
/// general path, `JSONSerialization`, which decides and words the error. Both give ``RecordFields``,
/// which one function turns into a paper, so the checks and messages are the same either way.
struct JSONLinesParser: ListingParser {
    var lines: LineReader
    /// When set, each paper comes with its ``PaperAnalysis``, made on the worker threads that parse it.
    var analyzer: TextAnalyzer?
    private let memos = WordMemoPool()

    /// Lines are read and parsed a batch at a time on worker threads, while the caller takes the batch before.
    static let batchLines = 1024
    /// A batch also ends after this many bytes, so that long lines keep memory bounded.
    static let batchBytes = 4 << 20
    /// A worker takes this many lines of a batch at a time.
    static let sliceLines = 64

    init(lines: LineReader, analyzer: TextAnalyzer? = nil) {
        self.lines = lines
        self.analyzer = analyzer
    }

    /// Records are independent, so batches of lines are read and parsed (and analysed) on worker
    /// threads, and handed to `emit` in file order on the calling thread: the caller sees what it
    /// would see if every line were parsed in turn, problems included, and may keep state without locks.
    mutating func parse(_ emit: (ParsedItem) throws -> Void) throws {
        var sawRecord = false
        var preparing: BackgroundWork<Batch>? = prepareBatch(reading: lines)
        while let work = preparing {
            let batch = work.result()
            // The reader travels with the work: the next batch is read where this one ended, while
            // this one's records are handed on.
            preparing = batch.isLast ? nil : prepareBatch(reading: batch.reader)
            if batch.isLast { lines = batch.reader }
            sawRecord = sawRecord || !batch.items.isEmpty
            try batch.items.forEach(emit)
            // A line that cannot be read ends the file after the records before it, as when read in turn.
            if let problem = batch.readProblem { throw problem }
        }
        if !sawRecord {
            throw RecordProblem(line: 1, message: "the file is empty; expected one JSON object per line")
        }
    }

    /// A batch's records in file order, with the reader as the batch left it.
    private struct Batch: Sendable {
        var reader: LineReader
        var items: [ParsedItem]
        /// What stopped reading before the end of the file, if anything did.
        var readProblem: (any Error)?
        var isLast: Bool
    }

    /// Non-blank lines copied out of the reader's buffer, with their line numbers.
    private struct LineBatch: Sendable {
        var bytes: [UInt8] = []
        var lines: [(range: Range<Int>, number: Int)] = []
    }

    /// Reads the batch after `reader`'s position on a worker thread, and parses it there on all cores.
    private func prepareBatch(reading reader: LineReader) -> BackgroundWork<Batch> {
        BackgroundWork { [analyzer, memos] in
            var reader = reader
            var batch = LineBatch()
            var reachedEnd = false
            var readProblem: (any Error)?
            do {
                while batch.lines.count < Self.batchLines && batch.bytes.count < Self.batchBytes {
                    guard let line = try reader.nextLineBytes() else {
                        reachedEnd = true
                        break
                    }
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    let start = batch.bytes.count
                    batch.bytes.append(contentsOf: line)
                    batch.lines.append((start ..< batch.bytes.count, reader.lineNumber))
                }
            } catch {
                readProblem = error
            }
            let items = Self.items(in: batch, analyzer: analyzer, memos: memos)
            return Batch(reader: reader, items: items, readProblem: readProblem, isLast: reachedEnd || readProblem != nil)
        }
    }

    /// The batch's records in order, parsed in slices on all cores.
    private static func items(in batch: LineBatch, analyzer: TextAnalyzer?, memos: WordMemoPool) -> [ParsedItem] {
        let sliceCount = (batch.lines.count + sliceLines - 1) / sliceLines
        let slices = Mutex([[ParsedItem]](repeating: [], count: sliceCount))
        DispatchQueue.concurrentPerform(iterations: sliceCount) { slice in
            let lines = batch.lines[slice * sliceLines ..< min((slice + 1) * sliceLines, batch.lines.count)]
            let items = memos.withMemo { memo in
                lines.map { line in item(batch.bytes[line.range], line: line.number, analyzer: analyzer, memo: &memo) }
            }
            slices.withLock { $0[slice] = items }
        }
        return slices.withLock { $0.flatMap { $0 } }
    }

    private static func item(_ bytes: ArraySlice<UInt8>, line: Int, analyzer: TextAnalyzer?, memo: inout TextAnalyzer.WordMemo) -> ParsedItem {
        do {
            var paper = try paper(from: bytes, line: line)
            if let analyzer {
                paper.analysis = PaperAnalysis(title: paper.title, abstract: paper.abstract, authors: paper.authors, analyzer: analyzer, memo: &memo)
            }
            return .paper(paper, line: line)
        } catch {
            return .invalid(error)
        }
    }

    static func paper(from bytes: ArraySlice<UInt8>, line: Int) throws(RecordProblem) -> IncomingPaper {
        // Invalid UTF-8 and NUL bytes are refused first, with the messages every format gives.
        try LineReader.checkText(bytes, line: line)
        let fields: RecordFields
        if let scanned = scannedFields(bytes) {
            fields = scanned
        } else {
            fields = try generalFields(bytes, line: line)
        }
        return try paper(from: fields, line: line)
    }

    /// The fields of a plain record read from its bytes, or `nil` when the general path must judge the line.
    static func scannedFields(_ bytes: ArraySlice<UInt8>) -> RecordFields? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = RecordScanner(bytes: buffer)
            return scanner.scanRecord()
        }
    }

    /// The fields of any line, through `JSONSerialization`; its errors become the line's problem.
    static func generalFields(_ bytes: ArraySlice<UInt8>, line: Int) throws(RecordProblem) -> RecordFields {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw RecordProblem(line: line, message: "not valid JSON (\(Self.reason(error))); expected one JSON object per line")
        }
        guard let dictionary = object as? [String: Any] else {
            throw RecordProblem(line: line, message: "expected a JSON object {\"id\": …, \"title\": …}, found \(Self.kind(of: object))")
        }
        var fields = RecordFields()
        for name in RecordFields.Name.allCases {
            guard let value = dictionary[name.key], !(value is NSNull) else { continue }
            if let text = value as? String {
                fields[name] = .string(text)
            } else if let list = value as? [Any], let texts = list as? [String] {
                fields[name] = .strings(texts)
            } else {
                fields[name] = .other(kind: Self.kind(of: value))
            }
        }
        return fields
    }

    /// Checks a record's fields and makes the paper.
    static func paper(from fields: RecordFields, line: Int) throws(RecordProblem) -> IncomingPaper {
        func string(_ name: RecordFields.Name, required: Bool = false) throws(RecordProblem) -> String? {
            guard let value = fields[name] else {
                if required { throw RecordProblem(line: line, message: "missing field \"\(name.key)\"; expected a string") }
                return nil
            }
            guard case let .string(text) = value else {
                throw RecordProblem(line: line, message: "field \"\(name.key)\" is \(value.kind); expected a string")
            }
            return text
        }
        func strings(_ name: RecordFields.Name) throws(RecordProblem) -> [String] {
            guard let value = fields[name] else { return [] }
            guard case let .strings(texts) = value else {
                throw RecordProblem(line: line, message: "field \"\(name.key)\" is \(value.kind); expected an array of strings")
            }
            return texts.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }

        let title = try string(.title, required: true)!.trimmingWhitespace()
        guard !title.isEmpty else { throw RecordProblem(line: line, message: "field \"title\" is empty; expected the paper's title") }
        var externalID: String?
        if let id = try string(.id) {
            let normalized = PaperID.normalized(id)
            if let problem = PaperID.problem(with: normalized) {
                throw RecordProblem(line: line, message: "field \"id\": \(problem)")
            }
            externalID = normalized
        }
        var published: Day?
        if let text = try string(.published) {
            guard let day = Day(iso: text.prefix(10)) else {
                throw RecordProblem(line: line, message: "field \"published\" is \"\(text.prefix(40))\"; expected a date YYYY-MM-DD")
            }
            published = day
        }
        let abstract = (try string(.abstract) ?? "").trimmingWhitespace()
        var links = try strings(.links)
        if let url = try string(.url)?.trimmingWhitespace(), !url.isEmpty, !links.contains(url) { links.insert(url, at: 0) }
        for link in LinkExtractor.links(in: abstract) where !links.contains(link) { links.append(link) }
        let source = try string(.source)?.trimmingWhitespace()
        return IncomingPaper(
            externalID: externalID, title: title, abstract: abstract,
            authors: try strings(.authors), categories: try strings(.categories), links: links,
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

/// The fields of one JSON Lines record that Folio reads, as the line gives them (`null` reads as absent).
struct RecordFields: Equatable, Sendable {
    enum Name: Int, CaseIterable, Sendable {
        case id, title, abstract, authors, published, source, url, categories, links

        /// The field's JSON key.
        var key: String {
            switch self {
            case .id: "id"
            case .title: "title"
            case .abstract: "abstract"
            case .authors: "authors"
            case .published: "published"
            case .source: "source"
            case .url: "url"
            case .categories: "categories"
            case .links: "links"
            }
        }
    }

    enum Value: Equatable, Sendable {
        case string(String)
        case strings([String])
        /// Anything else, by the words an error message uses for its kind ("a number").
        case other(kind: String)

        var kind: String {
            switch self {
            case .string: "a string"
            case .strings: "an array"
            case let .other(kind): kind
            }
        }
    }

    private var values = [Value?](repeating: nil, count: Name.allCases.count)

    subscript(name: Name) -> Value? {
        get { values[name.rawValue] }
        set { values[name.rawValue] = newValue }
    }
}

/// Reads a plain JSON object from one line's UTF-8 bytes, keeping the ``RecordFields`` and checking
/// the syntax of everything else.
///
/// It accepts a subset of what `JSONSerialization` accepts and reads it the same way; whatever lies
/// outside that subset makes it give up (`nil`), and the general path takes the line. The bytes are
/// known to be valid UTF-8 without NUL, so a string's bytes can become a `String` as they are.
private struct RecordScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    /// Nesting deeper than this in ignored fields is left to the general path, which has its own limit.
    private static let maximumDepth = 64
    /// Longer numbers may not fit a Double; the general path decides what they become.
    private static let maximumNumberBytes = 15

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    /// A string's bytes between its quotes, escapes not yet decoded.
    struct StringSpan {
        var range: Range<Int>
        var hasEscapes: Bool
    }

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func scanRecord() -> RecordFields? {
        var fields = RecordFields()
        var seen: Set<RecordFields.Name> = []
        skipWhitespace()
        guard take("{") else { return nil }
        skipWhitespace()
        if !take("}") {
            repeat {
                skipWhitespace()
                guard let key = scanString() else { return nil }
                skipWhitespace()
                guard take(":") else { return nil }
                skipWhitespace()
                guard let name = fieldName(key) else {
                    guard skipValue(depth: 1) else { return nil }
                    skipWhitespace()
                    continue
                }
                // JSONSerialization keeps the last of repeated keys; such a line is rare enough to leave to it.
                guard seen.insert(name).inserted else { return nil }
                switch current {
                case Self.quote:
                    guard let span = scanString() else { return nil }
                    fields[name] = .string(text(of: span))
                case UInt8(ascii: "["):
                    guard let texts = scanStringArray() else { return nil }
                    fields[name] = .strings(texts)
                case UInt8(ascii: "n"):
                    // null reads as an absent field.
                    guard takeWord("null") else { return nil }
                default:
                    // Numbers, booleans and objects: the general path names their kind in the error.
                    return nil
                }
                skipWhitespace()
            } while take(",")
            guard take("}") else { return nil }
        }
        skipWhitespace()
        return index == bytes.count ? fields : nil
    }

    // MARK: Values

    /// An array of strings only; any other element leaves the line to the general path.
    private mutating func scanStringArray() -> [String]? {
        guard take("[") else { return nil }
        var texts: [String] = []
        skipWhitespace()
        if take("]") { return texts }
        repeat {
            skipWhitespace()
            guard current == Self.quote, let span = scanString() else { return nil }
            texts.append(text(of: span))
            skipWhitespace()
        } while take(",")
        return take("]") ? texts : nil
    }

    /// Checks and passes over any value of a field Folio does not read.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth <= Self.maximumDepth, let byte = current else { return false }
        switch byte {
        case Self.quote:
            return scanString() != nil
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if take("]") { return true }
            repeat {
                skipWhitespace()
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
            } while take(",")
            return take("]")
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if take("}") { return true }
            repeat {
                skipWhitespace()
                guard scanString() != nil else { return false }
                skipWhitespace()
                guard take(":") else { return false }
                skipWhitespace()
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
            } while take(",")
            return take("}")
        case UInt8(ascii: "t"): return takeWord("true")
        case UInt8(ascii: "f"): return takeWord("false")
        case UInt8(ascii: "n"): return takeWord("null")
        default: return skipNumber()
        }
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?`, at most ``maximumNumberBytes`` long; exponents go to the general
    /// path, which refuses numbers beyond a Double's range.
    private mutating func skipNumber() -> Bool {
        let start = index
        _ = take("-")
        guard let first = current, Self.isDigit(first) else { return false }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if take(".") {
            guard let digit = current, Self.isDigit(digit) else { return false }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") { return false }
        return index - start <= Self.maximumNumberBytes
    }

    private mutating func skipDigits() {
        while let byte = current, Self.isDigit(byte) { index += 1 }
    }

    // MARK: Strings

    /// Passes over a string at the current quote, checking its escapes; `nil` if it is malformed.
    /// Control characters must be escaped in JSON, and a `\u` surrogate must be a whole pair.
    private mutating func scanString() -> StringSpan? {
        guard take("\"") else { return nil }
        let start = index
        var hasEscapes = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Self.quote {
                index += 1
                return StringSpan(range: start ..< index - 1, hasEscapes: hasEscapes)
            }
            if byte < 0x20 { return nil }
            if byte == Self.backslash {
                hasEscapes = true
                guard index + 1 < bytes.count else { return nil }
                switch bytes[index + 1] {
                case Self.quote, Self.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard let (_, width) = escapedScalar(at: index) else { return nil }
                    index += width
                default:
                    return nil
                }
            } else {
                index += 1
            }
        }
        return nil
    }

    /// The text of a string already checked by ``scanString()``.
    private func text(of span: StringSpan) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[span.range])
        guard span.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(raw.count)
        var position = span.range.lowerBound
        while position < span.range.upperBound {
            let byte = bytes[position]
            guard byte == Self.backslash else {
                utf8.append(byte)
                position += 1
                continue
            }
            let escape = bytes[position + 1]
            switch escape {
            case UInt8(ascii: "u"):
                let (scalar, width) = escapedScalar(at: position)!
                UTF8.encode(scalar) { utf8.append($0) }
                position += width
                continue
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            default: utf8.append(escape) // \" \\ \/
            }
            position += 2
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The scalar of a `\uXXXX` escape at `position`, joined with the low half that must follow a high
    /// surrogate, and the escape's length in bytes; `nil` for bad hex or a lone surrogate.
    private func escapedScalar(at position: Int) -> (Unicode.Scalar, width: Int)? {
        guard let value = hexValue(at: position + 2) else { return nil }
        switch value {
        case 0xD800 ..< 0xDC00:
            guard position + 7 < bytes.count, bytes[position + 6] == Self.backslash, bytes[position + 7] == UInt8(ascii: "u"),
                  let low = hexValue(at: position + 8), (0xDC00 ..< 0xE000).contains(low)
            else { return nil }
            return Unicode.Scalar(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)).map { ($0, 12) }
        case 0xDC00 ..< 0xE000:
            return nil
        default:
            return Unicode.Scalar(value).map { ($0, 6) }
        }
    }

    /// The four hex digits at `position`, if there are four.
    private func hexValue(at position: Int) -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[position ..< position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The field a key names, if Folio reads it.
    private func fieldName(_ key: StringSpan) -> RecordFields.Name? {
        if key.hasEscapes {
            let text = text(of: key)
            return RecordFields.Name.allCases.first { $0.key == text }
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[key.range])
        return RecordFields.Name.allCases.first { $0.key.utf8.elementsEqual(raw) }
    }

    // MARK: Bytes

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func take(_ byte: Unicode.Scalar) -> Bool {
        guard current == UInt8(ascii: byte) else { return false }
        index += 1
        return true
    }

    private mutating func takeWord(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              UnsafeBufferPointer(start: word.utf8Start, count: count).elementsEqual(bytes[index ..< index + count])
        else { return false }
        index += count
        return true
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

/// Word memos for the slices of every batch of a file: a slice takes one and puts it back when done,
/// so each memo learns from many slices (most words of an abstract are then found in it), while no
/// two threads ever use the same memo at once.
private final class WordMemoPool: Sendable {
    private let idle = Mutex<[TextAnalyzer.WordMemo]>([])

    func withMemo<Result>(_ body: (inout TextAnalyzer.WordMemo) -> Result) -> Result {
        var memo = idle.withLock { $0.popLast() } ?? TextAnalyzer.WordMemo()
        let result = body(&memo)
        idle.withLock { $0.append(memo) }
        return result
    }
}

/// Work started on a global queue, whose result is collected later on the thread that needs it.
final class BackgroundWork<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> Value) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = work()
            value.withLock { $0 = result }
            done.signal()
        }
    }

    /// Waits for the work to finish, then hands over its result; called once.
    func result() -> Value {
        done.wait()
        return value.withLock { $0.take()! }
    }
}
