import Foundation
import Synchronization

/// Keeps the ranking space and every paper's stored vector in step with the corpus.
///
/// Ingest calls ``refreshIfNeeded()`` after each run; ranking calls it before reading vectors, so a
/// store written by an older Folio, or one whose ingest was cut short, is brought up to date on first use.
struct RankingIndex {
    let store: FolioStore
    let features: RankingModel.Features
    let sampleSize: Int

    /// Bytes of paper vectors written per batch while re-weighting the corpus.
    static let batchBytes = 8 << 20

    init(store: FolioStore, model: RankingModel) {
        self.store = store
        features = model.features
        sampleSize = model.learner.maximumUnlabeled
    }

    func head() throws -> RankingSpace.Head? {
        guard let bytes = try store.keyValues.value(for: Keys.rankingHead) else { return nil }
        return try decoding { () throws(RecordCodec.Failure) in try RankingSpace.Head(record: bytes) }
    }

    /// Whether `head` still serves a corpus of `papers` papers: made with these settings, and the corpus
    /// has not grown by more than `refreshGrowth` since.
    func isCurrent(_ head: RankingSpace.Head?, papers: Int) -> Bool {
        guard let head, head.settings == RankingSpace.fingerprint(features, sampleSize: sampleSize) else { return false }
        return Double(papers) <= Double(head.documentCount) * (1 + features.refreshGrowth) && papers >= head.documentCount / 2
    }

    /// The current space, or `nil` when a new generation is due.
    func currentSpace() throws -> RankingSpace? {
        let head = try head()
        guard isCurrent(head, papers: try store.counts().papers), let head else { return nil }
        return try space(head)
    }

    func space(_ head: RankingSpace.Head) throws -> RankingSpace {
        guard let bytes = try store.keyValues.value(for: Keys.rankingSpace) else {
            throw FolioError(.damagedRecord, "the ranking space of the store at \(store.path) is missing its statistics; run `folio doctor --rebuild`")
        }
        let space = try decoding { () throws(RecordCodec.Failure) in try RankingSpace(head: head, statistics: bytes, features: features) }
        return space.with(mean: try mean())
    }

    func mean() throws -> SparseVector {
        guard let bytes = try store.keyValues.value(for: Keys.rankingMean) else { return .empty }
        return try decoding { () throws(RecordCodec.Failure) in
            try RecordCodec.decode("corpus mean", bytes, version: 1) { reader throws(BinaryReader.Failure) in try SparseVector.read(&reader, limit: bytes.count) }
        }
    }

    /// The keys of the given features (indices in the space), read in one pass over the stored keys
    /// that stops at the largest index: naming a queue's features does not decode all of them.
    func featureKeys(of features: some Sequence<UInt64>) throws -> [UInt64: UInt64] {
        let wanted = Set(features).sorted()
        guard !wanted.isEmpty else { return [:] }
        // The record holds every feature's key (megabytes at 100k papers): read where it lies, not copied.
        return try store.keyValues.lendValue(for: Keys.rankingKeys) { bytes in
            guard let bytes else { return [:] }
            return try decoding { () throws(RecordCodec.Failure) in try Self.featureKeys(wanted, record: bytes) }
        }
    }

    /// Decodes the feature-keys record (a version byte, the count, then each key's gap from the one
    /// before, as varints) up to the largest of `wanted` (sorted, distinct).
    static func featureKeys(_ wanted: [UInt64], record bytes: UnsafeBufferPointer<UInt8>) throws(RecordCodec.Failure) -> [UInt64: UInt64] {
        var offset = 1
        func varint() throws(RecordCodec.Failure) -> UInt64 {
            guard let value = bytes.varint(at: &offset) else { throw RecordCodec.Failure(record: "feature keys", detail: "truncated varint at byte \(offset)") }
            return value
        }
        guard bytes.first == 1 else {
            throw RecordCodec.Failure(record: "feature keys", detail: bytes.first.map { "version \($0), this build reads version 1" } ?? "empty",
                                      newerVersion: bytes.first.flatMap { $0 > 1 ? $0 : nil })
        }
        let count = try varint()
        var keys: [UInt64: UInt64] = [:]
        var key: UInt64 = 0
        var next = 0
        for index in 0 ..< min(count, wanted[wanted.count - 1] + 1) {
            key &+= try varint()
            if index == wanted[next] {
                keys[index] = key
                next += 1
            }
        }
        return keys
    }

    /// The head of a current space, making a new generation first if needed.
    @discardableResult
    func refreshIfNeeded() throws -> RankingSpace.Head {
        let head = try head()
        if isCurrent(head, papers: try store.counts().papers), let head { return head }
        return try rebuild(after: head?.generation ?? 0)
    }

    /// Makes the next generation: new statistics, then every paper re-weighted in batches, and the head
    /// last, so readers keep using the old generation (and vectors it does not know are made on the fly)
    /// until the new one is complete.
    @discardableResult
    func rebuild(after generation: UInt32) throws -> RankingSpace.Head {
        let (space, mean) = try RankingSpace.make(from: store, features: features, sampleSize: sampleSize, generation: generation &+ 1)
        // Papers are re-weighted on all cores, each thread over its own key range, writing its own batches.
        let bounds = try KeyRanges.split(store: store, into: KeyRanges.partitions(forPapers: space.head.documentCount), key: Keys.paperTerms)
        let failure = Mutex<(any Error)?>(nil)
        let store = store
        DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { part in
            do {
                // The vector records in this range now (single records, older packs): each goes, unless
                // a new pack takes its key.
                func vectorKey(_ termsKey: [UInt8]?) -> [UInt8]? { termsKey.map { Keys.paperVector(Keys.component(after: Keys.paperTermsPrefix, in: $0)) } }
                let vectorsEnd = vectorKey(bounds[part + 1])
                var previous: [[UInt8]] = []
                try store.keyValues.scanInPlace(prefix: Keys.paperVectors, from: vectorKey(bounds[part])) { key, _ in
                    if let vectorsEnd, !Keys.precedes(key, vectorsEnd) { return false }
                    previous.append(Array(key))
                    return true
                }
                var batch = KeyValueBatch()
                var pack: [(id: String, record: [UInt8])] = []
                var packed = Set<[UInt8]>()
                func writePack() {
                    guard let last = pack.last else { return }
                    let key = Keys.paperVectorPack(last: last.id)
                    batch.put(PaperVectorPack.encode(pack), for: key)
                    packed.insert(key)
                    pack.removeAll(keepingCapacity: true)
                }
                try store.keyValues.scan(prefix: Keys.paperTermsPrefix, from: bounds[part], reverse: false) { key, value in
                    if let end = bounds[part + 1], !key.lexicographicallyPrecedes(end) { return false }
                    let id = Keys.component(after: Keys.paperTermsPrefix, in: key)
                    let terms: PaperTerms
                    do throws(RecordCodec.Failure) {
                        terms = try PaperTerms(record: value)
                    } catch {
                        throw FolioError.unreadable(error, inStoreAt: store.path, advice: "run `folio doctor --rebuild`")
                    }
                    pack.append((id, space.vector(of: terms).encoded()))
                    if pack.count == PaperVectorPack.capacity { writePack() }
                    if batch.byteCount >= Self.batchBytes {
                        try store.keyValues.write(batch, durable: false)
                        batch = KeyValueBatch()
                    }
                    return failure.withLock { $0 == nil }
                }
                writePack()
                for key in previous where !packed.contains(key) { batch.delete(key) }
                try store.keyValues.write(batch, durable: false)
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var batch = KeyValueBatch()
        batch.put(space.encodedStatistics(), for: Keys.rankingSpace)
        var writer = BinaryWriter(capacity: 8 * mean.count + 8)
        writer.byte(1)
        mean.write(to: &writer)
        batch.put(writer.bytes, for: Keys.rankingMean)
        var keys = BinaryWriter(capacity: 3 * space.keys.count + 8)
        keys.byte(1)
        keys.varint(space.keys.count)
        var previous: UInt64 = 0
        for key in space.keys {
            keys.varint(key - previous)
            previous = key
        }
        batch.put(keys.bytes, for: Keys.rankingKeys)
        batch.put(space.head.encoded(), for: Keys.rankingHead)
        try store.keyValues.write(batch, durable: true)
        return space.head
    }

    private func decoding<T>(_ body: () throws(RecordCodec.Failure) -> T) throws(FolioError) -> T {
        do {
            return try body()
        } catch {
            throw FolioError.unreadable(error, inStoreAt: store.path, advice: "run `folio doctor --rebuild`")
        }
    }
}
