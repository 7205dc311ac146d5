public import Foundation

/// The formats of a reading digest.
public enum DigestFormat: String, Sendable, Codable, CaseIterable {
    case markdown, html
}

extension Engine {
    /// A reading digest ready to mail: the papers picked for `user` from the last `days` days (with
    /// cropped abstracts, links and reasons), the starred papers coming back, and what is due next.
    ///
    /// A one-day digest is the day's queue (stored, like `today`); a longer one ranks the listings
    /// of the whole period the same way without storing anything.
    public func digest(user: String, now: Date = Date(), days: Int = 1, format: DigestFormat = .markdown) throws -> String {
        guard (1 ... 31).contains(days) else { throw FolioError(.invalidArgument, "a digest covers 1 to 31 days, not \(days)") }
        let queue = days == 1
            ? try today(user: user, now: now)
            : try withCore { core in
                try core.recommender.makeQueue(user: user, day: Day(now), now: now, limit: Digest.itemsPerDay * min(days, 3) + core.model.resurfacing.dailyBudget, windowDays: days)
            }
        let upcoming = try due(user: user, now: now, days: 7).upcoming
        let papers = try queue.items.map { try paper($0.id) }
        let digest = Digest(queue: queue, papers: papers, upcoming: upcoming, days: days)
        return format == .markdown ? digest.markdown() : digest.html()
    }
}

/// Renders a digest; no store access, so it is tested on plain values.
struct Digest {
    static let itemsPerDay = 10
    /// Abstracts are cropped to about this many characters, at a word boundary.
    static let abstractLength = 320

    let queue: DailyQueue
    let papers: [Paper]
    let upcoming: [DueList.Item]
    let days: Int

    var title: String {
        days == 1 ? "Folio digest for \(queue.user), \(queue.date)" : "Folio digest for \(queue.user), the \(days) days to \(queue.date)"
    }

    private var entries: [(item: QueueItem, paper: Paper)] { Array(zip(queue.items, papers)) }

    static func crop(_ text: String, to length: Int = abstractLength) -> String {
        guard text.count > length else { return text }
        let cut = text.prefix(length)
        return String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)]) + " …"
    }

    static func link(for paper: Paper) -> String? {
        if let link = paper.links.first { return link }
        let arxiv = ([paper.id] + paper.aliases).first { $0.first?.isNumber == true && $0.contains(".") }
        return arxiv.map { "https://arxiv.org/abs/\($0)" }
    }

    func markdown() -> String {
        var lines = ["# \(title)", ""]
        let new = entries.filter { $0.item.kind == .new }
        let back = entries.filter { $0.item.kind == .resurface }
        lines.append("## New for you (\(new.count))")
        lines.append("")
        for (index, entry) in new.enumerated() {
            let heading = Self.link(for: entry.paper).map { "[\(entry.paper.title)](\($0))" } ?? entry.paper.title
            lines.append("\(index + 1). **\(heading)**  ")
            lines.append("   `\(entry.paper.id)` · \(entry.item.reasons.joined(separator: " · "))")
            if !entry.paper.abstract.isEmpty { lines.append("   > \(Self.crop(entry.paper.abstract))") }
            lines.append("")
        }
        if !back.isEmpty {
            lines.append("## Coming back to re-read (\(back.count))")
            lines.append("")
            for entry in back {
                let heading = Self.link(for: entry.paper).map { "[\(entry.paper.title)](\($0))" } ?? entry.paper.title
                lines.append("- **\(heading)** · \(entry.item.reasons.joined(separator: " · "))")
            }
            lines.append("")
        }
        if queue.overdue > 0 { lines.append("\(queue.overdue) more starred papers are due and wait for the next days.\n") }
        if !upcoming.isEmpty {
            lines.append("## Due in the next week")
            lines.append("")
            for item in upcoming { lines.append("- \(item.card.due): \(item.title)") }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    func html() -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func heading(_ paper: Paper) -> String {
            Self.link(for: paper).map { "<a href=\"\(escape($0))\">\(escape(paper.title))</a>" } ?? escape(paper.title)
        }
        var html = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>\(escape(title))</title></head><body>", "<h1>\(escape(title))</h1>"]
        let new = entries.filter { $0.item.kind == .new }
        let back = entries.filter { $0.item.kind == .resurface }
        html.append("<h2>New for you (\(new.count))</h2><ol>")
        for entry in new {
            html.append("<li><p><strong>\(heading(entry.paper))</strong><br><code>\(escape(entry.paper.id))</code> · \(escape(entry.item.reasons.joined(separator: " · ")))</p>")
            if !entry.paper.abstract.isEmpty { html.append("<blockquote>\(escape(Self.crop(entry.paper.abstract)))</blockquote>") }
            html.append("</li>")
        }
        html.append("</ol>")
        if !back.isEmpty {
            html.append("<h2>Coming back to re-read (\(back.count))</h2><ul>")
            for entry in back { html.append("<li><strong>\(heading(entry.paper))</strong> · \(escape(entry.item.reasons.joined(separator: " · ")))</li>") }
            html.append("</ul>")
        }
        if queue.overdue > 0 { html.append("<p>\(queue.overdue) more starred papers are due and wait for the next days.</p>") }
        if !upcoming.isEmpty {
            html.append("<h2>Due in the next week</h2><ul>")
            for item in upcoming { html.append("<li>\(item.card.due): \(escape(item.title))</li>") }
            html.append("</ul>")
        }
        html.append("</body></html>")
        return html.joined(separator: "\n") + "\n"
    }
}
