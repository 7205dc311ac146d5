import Foundation

/// The daily queue's arithmetic: taste mixed with recency and popularity, then a diversity pass.
///
/// Pure functions of their inputs, so the queue's behaviour is tested without a store.
struct QueueScoring: Sendable {
    let settings: RankingModel.Queue

    /// 1 for a paper listed on `day`, halving every `recencyHalfLifeDays`; continuous, not a cut-off.
    func recency(published: Day, on day: Day) -> Double {
        let age = Double(max(0, published.days(until: day)))
        return pow(0.5, age / settings.recencyHalfLifeDays)
    }

    /// 0 for a paper on no daily page, rising with each page it was listed on towards 1;
    /// `popularitySaturation` pages give one half.
    func popularity(dailyPages: Int) -> Double {
        let pages = Double(max(0, dailyPages))
        return pages / (pages + settings.popularitySaturation)
    }

    /// The final score of a candidate whose standardised taste score is `taste`.
    func score(taste: Double, published: Day, dailyPages: Int, on day: Day) -> Double {
        settings.tasteWeight * taste
            + settings.recencyWeight * recency(published: published, on: day)
            + settings.popularityWeight * popularity(dailyPages: dailyPages)
    }

    /// Maximal marginal relevance: picks `limit` items one by one, each time the one with the best
    /// mix of its own score (scaled to 0…1) and dissimilarity to those already picked.
    /// - Parameters:
    ///   - similarity: the similarity (0…1) of two items, by index.
    ///   - tieBreak: orders items of equal value, for determinism.
    /// - Returns: indices into `scores`, in queue order.
    static func diversify(scores: [Double], limit: Int, lambda: Double, similarity: (Int, Int) -> Double, tieBreak: (Int, Int) -> Bool) -> [Int] {
        guard !scores.isEmpty, limit > 0 else { return [] }
        let low = scores.min()!, high = scores.max()!
        let scaled = scores.map { high > low ? ($0 - low) / (high - low) : 1 }
        var remaining = Array(scores.indices)
        var maximumSimilarity = [Double](repeating: 0, count: scores.count)
        var picked: [Int] = []
        while picked.count < limit, !remaining.isEmpty {
            var best = remaining[0]
            var bestValue = -Double.infinity
            for candidate in remaining {
                let value = lambda * scaled[candidate] - (1 - lambda) * maximumSimilarity[candidate]
                if value > bestValue || (value == bestValue && tieBreak(candidate, best)) {
                    best = candidate
                    bestValue = value
                }
            }
            picked.append(best)
            remaining.removeAll { $0 == best }
            for candidate in remaining {
                maximumSimilarity[candidate] = max(maximumSimilarity[candidate], similarity(candidate, best))
            }
        }
        return picked
    }
}
