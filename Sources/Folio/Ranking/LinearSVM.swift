/// A linear classifier trained as LIBLINEAR trains an L2-regularised, squared-hinge-loss SVM:
/// dual coordinate descent, one example at a time, each with its own misclassification cost.
///
/// This is the learner arxiv-sanity-lite uses (scikit-learn's `LinearSVC`), written out so that
/// costs can carry per-example strength (star over like, recent over old) and the result is
/// deterministic for the same examples.
struct LinearSVM: Sendable, Equatable {
    struct Example {
        var features: SparseVector
        /// +1 or −1.
        var label: Float
        /// The misclassification cost C of this example (already balanced and weighted).
        var cost: Float
    }

    /// Weight of each feature, looked up without hashing; features never seen in training weigh zero.
    let table: WeightTable
    let bias: Float

    /// The nonzero weights, in key order.
    var weights: SparseVector { table.vector }

    init(weights: SparseVector, bias: Float) {
        self.init(table: WeightTable(weights), bias: bias)
    }

    init(table: WeightTable, bias: Float) {
        self.table = table
        self.bias = bias
    }

    static func == (a: LinearSVM, b: LinearSVM) -> Bool { a.weights == b.weights && a.bias == b.bias }

    func score(_ vector: SparseVector) -> Float {
        bias + table.dot(vector)
    }

    func weight(of key: UInt64) -> Float {
        table.weight(of: key)
    }

    /// Trains on `examples` for `epochs` passes, visiting examples in an order drawn from `seed`.
    static func train(_ examples: [Example], epochs: Int, seed: UInt64) -> LinearSVM {
        // Dense indices for the features that occur, so the inner loop does no hashing; features that
        // are already small indices (a ranking space's) are mapped through an array.
        let largest = examples.lazy.compactMap(\.features.keys.last).max() ?? 0
        var slot = largest < WeightTable.denseLimit ? [Int32](repeating: -1, count: Int(largest) + 1) : []
        var indexOf: [UInt64: Int32] = [:]
        var keys: [UInt64] = []
        var rows: [(indices: [Int32], values: [Float])] = []
        rows.reserveCapacity(examples.count)
        for example in examples {
            var indices: [Int32] = []
            indices.reserveCapacity(example.features.count)
            for key in example.features.keys {
                let known = slot.isEmpty ? indexOf[key] : slot[Int(key)] >= 0 ? slot[Int(key)] : nil
                if let known {
                    indices.append(known)
                } else {
                    let index = Int32(keys.count)
                    if slot.isEmpty { indexOf[key] = index } else { slot[Int(key)] = index }
                    keys.append(key)
                    indices.append(index)
                }
            }
            rows.append((indices, example.features.values))
        }
        // The bias is one more feature, always 1, regularised like the others (as LIBLINEAR does).
        var w = [Float](repeating: 0, count: keys.count)
        var b: Float = 0
        var alpha = [Float](repeating: 0, count: examples.count)
        let diagonal = examples.map { 1 / (2 * $0.cost) }
        let squaredNorms = rows.map { row in row.values.reduce(Float(1)) { $0 + $1 * $1 } }
        var order = Array(examples.indices)
        var random = SplitMix64(seed: seed)
        for _ in 0 ..< epochs {
            random.shuffle(&order)
            var largestStep: Float = 0
            for i in order {
                let row = rows[i]
                let y = examples[i].label
                var margin = b
                for (index, value) in zip(row.indices, row.values) { margin += w[Int(index)] * value }
                let gradient = y * margin - 1 + diagonal[i] * alpha[i]
                let projected = alpha[i] == 0 ? min(gradient, 0) : gradient
                guard projected != 0 else { continue }
                let old = alpha[i]
                alpha[i] = max(old - gradient / (squaredNorms[i] + diagonal[i]), 0)
                let step = (alpha[i] - old) * y
                largestStep = max(largestStep, abs(step))
                for (index, value) in zip(row.indices, row.values) { w[Int(index)] += step * value }
                b += step
            }
            if largestStep < 1e-5 { break }
        }
        // In key order: through the slot array when there is one (already ordered), else by sorting.
        let kept = slot.isEmpty
            ? keys.indices.filter { w[$0] != 0 }.sorted { keys[$0] < keys[$1] }
            : slot.lazy.filter { $0 >= 0 && w[Int($0)] != 0 }.map(Int.init)
        return LinearSVM(weights: SparseVector(sortedKeys: kept.map { keys[$0] }, values: kept.map { w[$0] }), bias: b)
    }
}

/// A small, fast, seedable random number generator (Vigna's SplitMix64), so that every random
/// choice Folio makes is reproducible from stable data.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// A seed from text (a user name, a paper id): FNV-1a over its UTF-8 bytes.
    init(seedText: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in seedText.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        state = hash
    }

    /// A well-mixed 64-bit hash of a text: the first output of the generator seeded with it.
    static func hash(_ text: String) -> UInt64 {
        var generator = SplitMix64(seedText: text)
        return generator.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher–Yates with this generator (the standard library's shuffle does not promise a fixed algorithm).
    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            array.swapAt(i, j)
        }
    }
}
