public import Foundation

/// Parsing of the instants users type: `--now 2024-08-14`, `--now 2024-08-14T09:30:00Z`.
public enum Instant {
    /// A date (`YYYY-MM-DD`, taken as midnight UTC) or an ISO-8601 date-time with `Z` or an offset,
    /// optionally with fractional seconds; `nil` if the text is neither.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingWhitespace()
        if let day = Day(iso: trimmed) { return day.start }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }
}
