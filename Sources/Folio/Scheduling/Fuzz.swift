import Foundation

/// Interval fuzz with load balancing: spreads papers starred together over nearby days, and
/// prefers the days that already hold fewer resurfacing papers.
///
/// The range is Anki's and py-fsrs's; the draw is seeded from the paper id and review count,
/// so the same review always lands on the same day.
struct IntervalFuzz {
    /// Intervals shorter than this many days are never fuzzed (Anki `fuzz_delta`, py-fsrs).
    static let shortestFuzzed = 2.5
    /// The fuzz in each direction is 1 day plus these fractions of the interval's days in each
    /// band: Anki's `FUZZ_RANGES` (rslib/src/scheduler/states/fuzz.rs), copied by py-fsrs.
    static let baseDelta = 1.0
    static let bands: [(start: Double, end: Double, factor: Double)] = [
        (2.5, 7, 0.15),
        (7, 20, 0.10),
        (20, .infinity, 0.05),
    ]
    /// A fuzzed interval is never shorter than this (py-fsrs `_get_fuzz_range`: `max(2, min_ivl)`).
    static let shortestResult = 2
    /// A day holding `load` papers weighs (1 / (load + 1))^this. After Anki's load balancer
    /// (rslib/src/scheduler/states/load_balancer.rs), which weighs a day 1 when empty and
    /// (1 / load)² · (1 / interval) otherwise; the + 1 keeps empty days on the same curve, and the
    /// exponent makes a crowded day rare while an emptier one nearby is free.
    static let loadExponent = 2.15

    /// How far the interval may move in each direction, in days.
    static func delta(interval: Int) -> Double {
        let days = Double(interval)
        guard days >= shortestFuzzed else { return 0 }
        // Same order of operations as py-fsrs, so the rounded bounds agree to the last bit.
        var delta = baseDelta
        for band in bands {
            delta += band.factor * max(min(days, band.end) - band.start, 0)
        }
        return delta
    }

    /// The days a fuzzed `interval` may take; just `interval` when it is too short to fuzz.
    static func range(interval: Int, maximum: Int) -> ClosedRange<Int> {
        guard Double(interval) >= shortestFuzzed else { return interval ... interval }
        let delta = delta(interval: interval)
        // Python's round() rounds halves to even; py-fsrs computes the bounds with it.
        var lower = Int((Double(interval) - delta).rounded(.toNearestOrEven))
        var upper = Int((Double(interval) + delta).rounded(.toNearestOrEven))
        lower = max(shortestResult, lower)
        upper = min(upper, maximum)
        lower = min(lower, upper)
        return lower ... upper
    }

    /// The interval to schedule: a day from ``range(interval:maximum:)`` drawn with weights that
    /// favour light days, from a generator seeded by `paperID` and `reviewCount`.
    ///
    /// `load(days)` is how many resurfacing papers the user already has due `days` after the review
    /// day. With the same load on every day the draw is uniform over the range.
    static func fuzzed(interval: Int, maximum: Int, paperID: String, reviewCount: Int, load: (Int) -> Int) -> Int {
        guard Double(interval) >= shortestFuzzed else { return interval }
        let days = range(interval: interval, maximum: maximum)
        guard days.count > 1 else { return days.lowerBound }
        var generator = generator(paperID: paperID, reviewCount: reviewCount)
        let weights = days.map { weight(load: load($0)) }
        return days.lowerBound + pick(weights: weights, using: &generator)
    }

    /// The generator for one review's draw: FNV-1a 64 over "paperID#reviewCount", then SplitMix64.
    static func generator(paperID: String, reviewCount: Int) -> SplitMix64 {
        SplitMix64(seedText: "\(paperID)#\(reviewCount)")
    }

    /// A day's weight from the papers already due on it.
    static func weight(load: Int) -> Double {
        pow(1 / Double(max(load, 0) + 1), loadExponent)
    }

    /// An index drawn with probability proportional to its weight.
    ///
    /// Weights are scaled so the largest is exactly 1: equal weights then sum to whole numbers and
    /// the draw is exactly the uniform one, `Int(u · count)`.
    static func pick(weights: [Double], using generator: inout SplitMix64) -> Int {
        let largest = weights.max() ?? 0
        let unit = Double(generator.next() >> 11) * 0x1p-53
        guard largest > 0 else { return min(Int(unit * Double(weights.count)), weights.count - 1) }
        let scaled = weights.map { $0 / largest }
        let target = unit * scaled.reduce(0, +)
        var cumulative = 0.0
        for (index, weight) in scaled.enumerated() {
            cumulative += weight
            if target < cumulative { return index }
        }
        return scaled.lastIndex { $0 > 0 } ?? weights.count - 1
    }
}
