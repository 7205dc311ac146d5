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
    ///
    /// An item's value can only fall as items are picked, and never exceeds `lambda` × its scaled
    /// score, so each round visits items by that bound and stops at the first that cannot reach the
    /// best value found: only the items near the top have their similarities computed (a day of
    /// 19,000 candidates costs a few hundred, not 19,000 × `limit`), and the picks are exactly those
    /// of comparing every item every round.
    /// - Parameters:
    ///   - similarity: the similarity (0…1) of two items, by index.
    ///   - tieBreak: orders items of equal value, for determinism.
    /// - Returns: indices into `scores`, in queue order.
    static func diversify(scores: [Double], limit: Int, lambda: Double, similarity: (Int, Int) -> Double, tieBreak: (Int, Int) -> Bool) -> [Int] {
        guard !scores.isEmpty, limit > 0 else { return [] }
        let low = scores.min()!, high = scores.max()!
        let bound = scores.map { lambda * (high > low ? ($0 - low) / (high - low) : 1) }
        let order = scores.indices.sorted { bound[$0] > bound[$1] }
        var maximumSimilarity = [Double](repeating: 0, count: scores.count)
        /// How many of the picked items each item's maximum similarity has seen.
        var seen = [Int](repeating: 0, count: scores.count)
        var isPicked = [Bool](repeating: false, count: scores.count)
        var picked: [Int] = []
        while picked.count < limit, picked.count < scores.count {
            var best = -1
            var bestValue = -Double.infinity
            for candidate in order where !isPicked[candidate] {
                if bound[candidate] < bestValue { break }
                while seen[candidate] < picked.count {
                    maximumSimilarity[candidate] = max(maximumSimilarity[candidate], similarity(candidate, picked[seen[candidate]]))
                    seen[candidate] += 1
                }
                let value = bound[candidate] - (1 - lambda) * maximumSimilarity[candidate]
                if best < 0 || value > bestValue || (value == bestValue && tieBreak(candidate, best)) {
                    best = candidate
                    bestValue = value
                }
            }
            picked.append(best)
            isPicked[best] = true
        }
        return picked
    }
}
