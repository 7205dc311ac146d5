public import Foundation

/// Parsing of the instants users type: `--now 2024-08-14`, `--now 2024-08-14T09:30:00Z`.
///
/// Read by hand rather than by `ISO8601DateFormatter`, whose first use loads ICU's calendars: a
/// third of a short command's time (`folio today --now …` answers in about 20 ms).
public enum Instant {
    /// A date (`YYYY-MM-DD`, taken as midnight UTC) or an RFC 3339 date-time, `YYYY-MM-DDTHH:MM:SS`
    /// with optional fractional seconds and `Z` or an offset `±HH:MM`; `nil` if the text is neither.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingWhitespace()
        if let day = Day(iso: trimmed) { return day.start }
        let bytes = Array(trimmed.utf8)
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let day = Day(iso: String(decoding: bytes[0 ..< 10], as: UTF8.self)),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let hour = number(bytes[11 ..< 13]), hour < 24,
              let minute = number(bytes[14 ..< 16]), minute < 60,
              let second = number(bytes[17 ..< 19]), second < 60 else { return nil }
        var position = 19
        var fraction = 0.0
        if bytes[position] == UInt8(ascii: ".") {
            position += 1
            var scale = 0.1
            let start = position
            while position < bytes.count, let digit = digit(bytes[position]) {
                fraction += Double(digit) * scale
                scale /= 10
                position += 1
            }
            guard position > start, position < bytes.count else { return nil }
        }
        let offset: Int
        switch bytes[position] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard position + 1 == bytes.count else { return nil }
            offset = 0
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard position + 6 == bytes.count, bytes[position + 3] == UInt8(ascii: ":"),
                  let hours = number(bytes[position + 1 ..< position + 3]), hours < 24,
                  let minutes = number(bytes[position + 4 ..< position + 6]), minutes < 60 else { return nil }
            offset = (bytes[position] == UInt8(ascii: "+") ? 1 : -1) * (hours * 3600 + minutes * 60)
        default:
            return nil
        }
        let seconds = Int(day.daysSinceEpoch) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard let digit = digit(byte) else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
