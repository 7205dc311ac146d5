import Foundation

/// Reads a file line by line in fixed-size chunks, so memory stays flat whatever the file's size.
///
/// Lines end at `\n` (a preceding `\r` is dropped). Each line is checked to be UTF-8 and to be no
/// longer than ``maximumLineBytes``; a violation is reported with its line number.
struct LineReader {
    static let maximumLineBytes = 16 << 20
    private static let chunkBytes = 1 << 16

    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline resumes: the bytes before it hold none.
    private var scanned = 0
    private var reachedEnd = false
    /// The number of the line returned last (1-based).
    private(set) var lineNumber = 0
    /// Bytes consumed from the file so far, for progress reports.
    private(set) var bytesRead = 0

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// The next line's bytes without its terminator, or `nil` at the end of the file.
    mutating func nextLineBytes() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                guard newline - start <= Self.maximumLineBytes else { throw overlong() }
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[start ..< end]
                start = newline + 1
                scanned = start
                lineNumber += 1
                return line
            }
            scanned = buffer.count
            if buffer.count - start > Self.maximumLineBytes { throw overlong() }
            if reachedEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                lineNumber += 1
                return line
            }
            let chunk = try handle.read(upToCount: Self.chunkBytes) ?? Data()
            if chunk.isEmpty {
                reachedEnd = true
            } else {
                bytesRead += chunk.count
                // Drop consumed lines only once they are most of the buffer, so long lines cost linear time.
                if start > 0, start >= buffer.count / 2 {
                    buffer.removeFirst(start)
                    scanned -= start
                    start = 0
                }
                buffer.append(contentsOf: chunk)
            }
        }
    }

    private func overlong() -> RecordProblem {
        RecordProblem(line: lineNumber + 1, message: "line is longer than \(Self.maximumLineBytes >> 20) MiB; expected one record per line")
    }

    /// The next line as text, or `nil` at the end of the file.
    /// - Throws: ``RecordProblem`` when the line is not valid UTF-8 or holds a NUL byte.
    mutating func nextLine() throws -> String? {
        guard let bytes = try nextLineBytes() else { return nil }
        return try Self.text(bytes, line: lineNumber)
    }

    static func text(_ bytes: ArraySlice<UInt8>, line: Int) throws(RecordProblem) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8Offset(bytes)
            throw RecordProblem(line: line, message: "invalid UTF-8 at byte \(offset + 1) of the line; expected UTF-8 text")
        }
        if bytes.contains(0) {
            throw RecordProblem(line: line, message: "NUL byte in text; expected plain UTF-8 text")
        }
        return text
    }

    /// Checks `bytes` as ``text(_:line:)`` does, without making the string: a line of ASCII without
    /// NUL (most lines) passes in one pass over its bytes.
    static func checkText(_ bytes: ArraySlice<UInt8>, line: Int) throws(RecordProblem) {
        let isPlainASCII = bytes.withUnsafeBufferPointer { buffer in
            var union: UInt8 = 0, lowest: UInt8 = 0xFF
            for byte in buffer {
                union |= byte
                lowest = min(lowest, byte)
            }
            return union < 0x80 && lowest > 0
        }
        if !isPlainASCII { _ = try text(bytes, line: line) }
    }

    private static func firstInvalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar):
                offset += UTF8.width(scalar)
            case .emptyInput, .error:
                return offset
            }
        }
    }
}
