import Foundation

/// The feature space ranking works in, frozen at one moment of the corpus: the document frequencies
/// of terms and of adjacent-term pairs, which features those limits keep, and the corpus sample's
/// mean vector.
///
/// A kept feature is a dense index into ``keys``, so a stored paper vector or a user's weights are
/// plain arrays indexed by feature, with no hashing when scoring. Every stored paper vector
/// (``PaperVector``) and every persisted taste carries the ``generation`` it was made in. Ingest
/// makes a new generation when the corpus has grown by `features.refreshGrowth` since the last one,
/// and re-weights every paper then; papers that arrive in between are weighted with the frozen
/// statistics (a word first seen after the space was made waits for the next generation). The cost
/// of consistent weights is so amortised over the papers added, as a growing array amortises copies.
struct RankingSpace: Sendable {
    /// What readers check before trusting stored vectors: small, read on every ranking call.
    struct Head: Sendable, Equatable {
        var generation: UInt32
        /// Papers in the corpus when the space was made.
        var documentCount: Int
        /// A fingerprint of the feature settings and sample size it was made with.
        var settings: UInt64
        /// How many features are kept.
        var featureCount: Int
    }

    var head: Head
    /// Makes term-level vectors with the frozen statistics (also for interests, which keep every word).
    let vectorizer: Vectorizer
    /// The kept feature keys (term id, or pair key), sorted: a feature's index is its position.
    let keys: [UInt64]
    /// The index of each term id (−1: not kept), and of each kept pair.
    private let termSlots: [Int32]
    private let pairSlots: PairSlots
    /// Each feature's inverse document frequency, and whether it enters the main vector (an author
    /// token above the document-frequency limit is kept for the author vector only).
    private let idf: [Float]
    private let inMainVector: [Bool]
    /// The corpus sample's mean vector: each paper vector records its product with it, which the
    /// taste's mean-centred centroid needs (so scoring never reads the mean itself).
    private(set) var mean = WeightTable(.empty)

    var generation: UInt32 { head.generation }

    init(head: Head, vocabulary: Vocabulary, features: RankingModel.Features) {
        self.head = head
        vectorizer = Vectorizer(vocabulary: vocabulary, features: features)
        var keys: [UInt64] = []
        for (term, frequency) in vocabulary.documentFrequencies.enumerated() where vectorizer.keeps(frequency: Int(frequency)) || (features.authors && vocabulary.isAuthor(UInt32(term)) && Int(frequency) >= features.minimumDocumentFrequency) {
            keys.append(UInt64(term))
        }
        if features.bigrams {
            for (pair, frequency) in vocabulary.pairFrequencies.sorted(by: { $0.key < $1.key }) where vectorizer.keeps(frequency: Int(frequency)) {
                keys.append(pair)
            }
        }
        self.keys = keys
        self.head.featureCount = keys.count
        var termSlots = [Int32](repeating: -1, count: vocabulary.documentFrequencies.count)
        var pairs: [(key: UInt64, slot: Int32)] = []
        for (index, key) in keys.enumerated() {
            if key < UInt64(termSlots.count) { termSlots[Int(key)] = Int32(index) } else { pairs.append((key, Int32(index))) }
        }
        self.termSlots = termSlots
        pairSlots = PairSlots(pairs)
        let vectorizer = vectorizer
        idf = keys.map { vectorizer.idf(vocabulary.documentFrequency(ofFeature: $0)) }
        inMainVector = keys.map { vectorizer.keeps(frequency: vocabulary.documentFrequency(ofFeature: $0)) }
    }

    /// The fingerprint stored in ``Head/settings``: a space made with other settings is rebuilt.
    /// The vector record version and the pack layout are part of it, so that a store whose vectors
    /// predate the current layout gets a new generation, in that layout, on first use.
    static func fingerprint(_ features: RankingModel.Features, sampleSize: Int, vectorRecordVersion: UInt8 = PaperVector.recordVersion,
                            packMarker: UInt8? = PaperVectorPack.marker) -> UInt64 {
        let version = vectorRecordVersion == 1 ? "" : " r\(vectorRecordVersion)"
        let packs = packMarker.map { " p\($0)" } ?? ""
        return SplitMix64.hash("\(features.titleWeight) \(features.minimumDocumentFrequency) \(features.maximumDocumentFraction) \(features.bigrams) \(features.authors) \(sampleSize) v3\(version)\(packs)")
    }

    /// The paper's vectors in this space: TF-IDF (terms, pairs, authors; unit length) and authors alone.
    ///
    /// The same vectors as the ``Vectorizer``'s over all terms, restricted to the features this space
    /// keeps and renumbered (``termSpaceVector(of:)``), computed straight in feature indices: this runs
    /// for every paper when a space is made.
    func vector(of terms: PaperTerms) -> PaperVector {
        let settings = vectorizer.features
        // Each occurrence as `slot << 32 | its position in weights`: sorting plain integers brings a
        // feature's occurrences together in the order they were added, so sums are as the Vectorizer's.
        let capacity = 2 * (terms.titleTerms.count + terms.abstractTerms.count) + terms.authorTerms.count
        var features: [UInt64] = []
        var weights: [Float] = []
        features.reserveCapacity(capacity)
        weights.reserveCapacity(capacity)
        func add(slot: Int32, weight: Float) {
            features.append(UInt64(slot) << 32 | UInt64(weights.count))
            weights.append(weight)
        }
        func add(term: UInt32, weight: Float) {
            let slot = Int(term) < termSlots.count ? termSlots[Int(term)] : -1
            if slot >= 0, inMainVector[Int(slot)] { add(slot: slot, weight: weight) }
        }
        let titleWeight = Float(settings.titleWeight)
        for term in terms.titleTerms { add(term: term, weight: titleWeight) }
        for term in terms.abstractTerms { add(term: term, weight: 1) }
        if settings.bigrams {
            for pair in Vectorizer.pairs(terms) {
                let slot = pairSlots[pair]
                if slot >= 0 { add(slot: slot, weight: 1) }
            }
        }
        var authorSlots: [Int32] = []
        for term in terms.authorTerms where Int(term) < termSlots.count && termSlots[Int(term)] >= 0 {
            authorSlots.append(termSlots[Int(term)])
        }
        authorSlots.sort()
        if settings.authors {
            var previous: Int32 = -1
            for slot in authorSlots where slot != previous && inMainVector[Int(slot)] {
                add(slot: slot, weight: 1)
                previous = slot
            }
        }
        var keys: [UInt64] = []
        var values: [Float] = []
        keys.reserveCapacity(features.count)
        values.reserveCapacity(features.count)
        features.sort()
        var index = 0
        while index < features.count {
            let slot = features[index] >> 32
            var count: Float = 0
            while index < features.count, features[index] >> 32 == slot {
                count += weights[Int(features[index] & 0xFFFF_FFFF)]
                index += 1
            }
            keys.append(slot)
            values.append(Self.sublinear(count) * idf[Int(slot)])
        }
        let vector = SparseVector(sortedKeys: keys, values: values).normalized()
        var authorKeys: [UInt64] = []
        var previous: Int32 = -1
        for slot in authorSlots where slot != previous {
            authorKeys.append(UInt64(slot))
            previous = slot
        }
        let authorVector = SparseVector(sortedKeys: authorKeys, values: authorKeys.map { idf[Int($0)] }).normalized()
        return PaperVector(generation: generation, vector: vector, authorVector: authorVector, meanProduct: mean.dot(vector),
                           listing: .init(published: terms.published, dailyPages: terms.dailyPages))
    }

    /// 1 + ln(count), from a table for the small whole counts nearly every feature has.
    private static func sublinear(_ count: Float) -> Float {
        let whole = Int(count)
        return Float(whole) == count && whole < sublinearTable.count ? sublinearTable[whole] : 1 + Float(log(Double(count)))
    }

    private static let sublinearTable: [Float] = (0 ..< 64).map { $0 == 0 ? 0 : 1 + Float(log(Double($0))) }

    /// The definition ``vector(of:)`` follows: the term-space vectors, restricted to kept features and renumbered.
    func termSpaceVector(of terms: PaperTerms) -> (vector: SparseVector, authorVector: SparseVector) {
        (reindexed(vectorizer.vector(terms)), reindexed(vectorizer.authorVector(terms)))
    }

    /// Term-level keys to dense indices; keys the space does not keep are dropped.
    private func reindexed(_ vector: SparseVector) -> SparseVector {
        var keys: [UInt64] = []
        var values: [Float] = []
        for (key, value) in zip(vector.keys, vector.values) {
            let index = key < UInt64(termSlots.count) ? termSlots[Int(key)] : pairSlots[key]
            if index >= 0 {
                keys.append(UInt64(index))
                values.append(value)
            }
        }
        return SparseVector(sortedKeys: keys, values: values)
    }

    /// The space with its mean vector, so that paper vectors record their product with it.
    func with(mean: SparseVector) -> RankingSpace {
        var space = self
        space.mean = WeightTable(mean)
        return space
    }

    // MARK: Making a space

    /// Makes the next generation from the store: document frequencies from the vocabulary, pair
    /// frequencies counted on the stable sample of at most `sampleSize` papers (all of a small corpus)
    /// and scaled to the corpus, and the sample's mean vector.
    static func make(from store: FolioStore, features: RankingModel.Features, sampleSize: Int, generation: UInt32) throws -> (space: RankingSpace, mean: SparseVector) {
        let counts = try store.counts()
        var frequencies = [Int32](repeating: 0, count: counts.terms)
        var authors = [Bool](repeating: false, count: counts.terms)
        try store.keyValues.scan(prefix: Keys.vocabulary) { key, value in
            let entry = try TermEntry(record: value)
            let index = Int(entry.id)
            if index >= frequencies.count {
                frequencies.append(contentsOf: repeatElement(0, count: index + 1 - frequencies.count))
                authors.append(contentsOf: repeatElement(false, count: index + 1 - authors.count))
            }
            frequencies[index] = Int32(clamping: entry.documentFrequency)
            authors[index] = AuthorTokens.isAuthor(Keys.lastComponent(of: key))
            return true
        }
        var vocabulary = Vocabulary(documentCount: counts.papers, documentFrequencies: frequencies, authorTerms: authors)

        var drawn: [PaperTerms] = []
        try store.keyValues.scan(prefix: Keys.sampleIndex) { key, _ in
            if let id = Keys.decodeSampleKey(key), let terms = try store.terms(of: id) { drawn.append(terms) }
            return drawn.count < sampleSize
        }
        if features.bigrams, !drawn.isEmpty {
            vocabulary.pairFrequencies = pairFrequencies(of: drawn, corpusSize: counts.papers, minimum: features.minimumDocumentFrequency)
        }
        let head = Head(generation: generation, documentCount: counts.papers, settings: fingerprint(features, sampleSize: sampleSize), featureCount: 0)
        let unweighted = RankingSpace(head: head, vocabulary: vocabulary, features: features)
        var sum = [Float](repeating: 0, count: unweighted.keys.count)
        for terms in drawn {
            let vector = unweighted.vector(of: terms).vector
            for (key, value) in zip(vector.keys, vector.values) { sum[Int(key)] += value }
        }
        let count = Float(max(drawn.count, 1))
        var meanKeys: [UInt64] = []
        var meanValues: [Float] = []
        for (index, value) in sum.enumerated() where value != 0 {
            meanKeys.append(UInt64(index))
            meanValues.append(value / count)
        }
        let mean = SparseVector(sortedKeys: meanKeys, values: meanValues)
        return (unweighted.with(mean: mean), mean)
    }

    /// Papers of the sample holding each adjacent pair, scaled to the corpus (exact when the sample is
    /// the corpus); pairs estimated below `minimum` are left out.
    static func pairFrequencies(of sample: [PaperTerms], corpusSize: Int, minimum: Int) -> [UInt64: Int32] {
        // All pairs of all sampled papers (each paper's once), sorted, then counted by runs: no hashing per pair.
        var all: [UInt64] = []
        for terms in sample {
            var own = Vectorizer.pairs(terms)
            own.sort()
            var previous: UInt64?
            for pair in own where pair != previous {
                all.append(pair)
                previous = pair
            }
        }
        all.sort()
        let scale = Double(max(corpusSize, sample.count)) / Double(max(sample.count, 1))
        var pairs: [UInt64: Int32] = [:]
        var index = 0
        while index < all.count {
            let pair = all[index]
            var count: Int32 = 0
            while index < all.count, all[index] == pair {
                count += 1
                index += 1
            }
            let estimate = Int32((Double(count) * scale).rounded())
            if estimate >= minimum { pairs[pair] = estimate }
        }
        return pairs
    }
}

// MARK: Records

extension RankingSpace.Head {
    static let recordVersion: UInt8 = 1

    func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        writer.byte(Self.recordVersion)
        writer.varint(UInt64(generation))
        writer.varint(documentCount)
        writer.bigEndian(settings)
        writer.varint(featureCount)
        return writer.bytes
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("ranking space head", bytes, version: Self.recordVersion) { reader throws(BinaryReader.Failure) in
            Self(generation: UInt32(truncatingIfNeeded: try reader.varint()), documentCount: try reader.count(),
                 settings: try reader.bigEndian64(), featureCount: try reader.count())
        }
    }
}

extension RankingSpace {
    static let recordVersion: UInt8 = 1

    /// The frozen statistics: document frequencies by term id, author flags, pair frequencies.
    func encodedStatistics() -> [UInt8] {
        let vocabulary = vectorizer.vocabulary
        var writer = BinaryWriter(capacity: 2 * vocabulary.documentFrequencies.count + 8 * vocabulary.pairFrequencies.count + 16)
        writer.byte(Self.recordVersion)
        writer.varint(vocabulary.documentCount)
        writer.varint(vocabulary.documentFrequencies.count)
        for (frequency, isAuthor) in zip(vocabulary.documentFrequencies, vocabulary.authorTerms) {
            writer.varint(UInt64(frequency) << 1 | (isAuthor ? 1 : 0))
        }
        writer.varint(vocabulary.pairFrequencies.count)
        var previous: UInt64 = 0
        for (pair, frequency) in vocabulary.pairFrequencies.sorted(by: { $0.key < $1.key }) {
            writer.varint(pair - previous)
            writer.varint(UInt64(frequency))
            previous = pair
        }
        return writer.bytes
    }

    init(head: Head, statistics bytes: [UInt8], features: RankingModel.Features) throws(RecordCodec.Failure) {
        let vocabulary = try RecordCodec.decode("ranking space", bytes, version: Self.recordVersion) { reader throws(BinaryReader.Failure) in
            let documentCount = try reader.count()
            let termCount = try reader.count(atMost: bytes.count)
            var frequencies: [Int32] = []
            var authors: [Bool] = []
            frequencies.reserveCapacity(termCount)
            authors.reserveCapacity(termCount)
            for _ in 0 ..< termCount {
                let raw = try reader.varint()
                frequencies.append(Int32(truncatingIfNeeded: raw >> 1))
                authors.append(raw & 1 == 1)
            }
            var vocabulary = Vocabulary(documentCount: documentCount, documentFrequencies: frequencies, authorTerms: authors)
            let pairCount = try reader.count(atMost: bytes.count)
            var pairs: [UInt64: Int32] = [:]
            pairs.reserveCapacity(pairCount)
            var pair: UInt64 = 0
            for _ in 0 ..< pairCount {
                pair &+= try reader.varint()
                pairs[pair] = Int32(truncatingIfNeeded: try reader.varint())
            }
            vocabulary.pairFrequencies = pairs
            return vocabulary
        }
        self.init(head: head, vocabulary: vocabulary, features: features)
        guard self.head.featureCount == head.featureCount else {
            throw RecordCodec.Failure(record: "ranking space", detail: "it keeps \(self.head.featureCount) features where its head says \(head.featureCount)")
        }
    }
}

/// The kept pairs' feature indices, looked up for every adjacent pair of every paper a space weights:
/// an open-addressing table with a multiplicative hash, built once and then only read.
struct PairSlots: Sendable {
    private let keys: [UInt64]
    /// A pair's feature index, or −1 where the table has no key.
    private let slots: [Int32]
    private let shift: UInt64
    /// One bit per 16 slots' worth of pairs, set for each kept pair's hash: about half the pairs a
    /// paper has are not kept, and most of those are turned away here, in a filter small enough to
    /// stay in cache, without touching the much larger table.
    private let filter: [UInt64]
    private let filterShift: UInt64

    init(_ pairs: [(key: UInt64, slot: Int32)]) {
        // At most half full, so that a probe ends after a step or two.
        var bits: UInt64 = 3
        while 1 << bits < 2 * pairs.count { bits += 1 }
        shift = 64 - bits
        var keys = [UInt64](repeating: 0, count: 1 << bits)
        var slots = [Int32](repeating: -1, count: 1 << bits)
        let mask = (1 << bits) - 1
        var filterBits: UInt64 = 9
        while 1 << filterBits < 16 * pairs.count { filterBits += 1 }
        filterShift = 64 - filterBits
        var filter = [UInt64](repeating: 0, count: 1 << (filterBits - 6))
        for (key, slot) in pairs {
            var position = Self.position(of: key, shift: shift)
            while slots[position] >= 0, keys[position] != key { position = (position + 1) & mask }
            keys[position] = key
            slots[position] = slot
            let bit = Self.filterBit(of: key, shift: filterShift)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.keys = keys
        self.slots = slots
        self.filter = filter
    }

    /// The feature index of `key`, or −1 if the pair is not kept.
    subscript(key: UInt64) -> Int32 {
        let bit = Self.filterBit(of: key, shift: filterShift)
        guard filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { return -1 }
        let mask = slots.count - 1
        var position = Self.position(of: key, shift: shift)
        while true {
            let slot = slots[position]
            if slot < 0 || keys[position] == key { return slot }
            position = (position + 1) & mask
        }
    }

    private static func position(of key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// A second hash, independent of the table's position.
    private static func filterBit(of key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: ((key ^ (key >> 29)) &* 0xBF58_476D_1CE4_E5B9) >> shift)
    }
}
