/// The encoder's numeric kernels on row-major float buffers: matrix products through OpenBLAS,
/// and the element-wise steps (LayerNorm, softmax, GELU) in 8-wide SIMD.
///
/// The element-wise steps matter for speed as much as the products: a 256-piece text needs about
/// 2.4 million GELUs and 4.7 million exponentials, and the C library's `erff` and `expf` (15 ns and
/// 4 ns each, not vectorised) would take longer than all the matrix work. So erf and exp are
/// approximated here to within a few float ulps, far below what moves a cosine similarity.
enum Kernels {
    typealias Vector = SIMD8<Float>
    static let lanes = 8

    /// `c[m×n] = alpha · a[m×k] · bᵀ + beta · c`, where `b` is stored n×k (a PyTorch `Linear` weight).
    static func multiplyTransposed(
        _ a: UnsafePointer<Float>, rowStride lda: Int, _ b: UnsafePointer<Float>, rowStride ldb: Int,
        into c: UnsafeMutablePointer<Float>, rowStride ldc: Int, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0
    ) {
        OpenBLAS.loaded.sgemm(OpenBLAS.rowMajor, OpenBLAS.noTranspose, OpenBLAS.transpose, Int32(m), Int32(n), Int32(k),
                              alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `c[m×n] = a[m×k] · b[k×n]`.
    static func multiply(
        _ a: UnsafePointer<Float>, rowStride lda: Int, _ b: UnsafePointer<Float>, rowStride ldb: Int,
        into c: UnsafeMutablePointer<Float>, rowStride ldc: Int, m: Int, n: Int, k: Int
    ) {
        OpenBLAS.loaded.sgemm(OpenBLAS.rowMajor, OpenBLAS.noTranspose, OpenBLAS.noTranspose, Int32(m), Int32(n), Int32(k),
                              1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// Sets OpenBLAS's thread count (process-wide).
    static func setBLASThreads(_ count: Int) {
        OpenBLAS.loaded.setThreadCount(Int32(count))
    }

    /// The CPU kernel family OpenBLAS chose, for benchmarks and diagnostics.
    static var blasCore: String {
        guard case let .success(library) = OpenBLAS.shared else { return "unavailable" }
        return library.coreName().map { String(cString: $0) } ?? "unknown"
    }

    // MARK: Row operations

    /// Fills each of `rows` rows of width `width` with `bias`, so a product with `beta: 1` adds to it.
    static func fillRows(_ c: UnsafeMutablePointer<Float>, rows: Int, width: Int, with bias: UnsafePointer<Float>) {
        for row in 0 ..< rows {
            (c + row * width).update(from: bias, count: width)
        }
    }

    /// `x = LayerNorm(x + residual) · gamma + beta`, row by row; `width` must be a multiple of 8.
    static func addAndNormalize(
        _ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>?, rows: Int, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        precondition(width % lanes == 0, "LayerNorm width must be a multiple of \(lanes)")
        for row in 0 ..< rows {
            let line = x + row * width
            var sum = Vector()
            var index = 0
            while index < width {
                var value = load(line + index)
                if let residual { value += load(residual + row * width + index) }
                store(value, line + index)
                sum += value
                index += lanes
            }
            let mean = sum.sum() / Float(width)
            var squares = Vector()
            index = 0
            while index < width {
                let centered = load(line + index) - mean
                squares += centered * centered
                index += lanes
            }
            let scale = 1 / (squares.sum() / Float(width) + epsilon).squareRoot()
            index = 0
            while index < width {
                let normalized = (load(line + index) - mean) * scale
                store(normalized * load(gamma + index) + load(beta + index), line + index)
                index += lanes
            }
        }
    }

    /// Softmax of each of `rows` rows of `count` values, in place.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, count: Int) {
        let whole = count - count % lanes
        for row in 0 ..< rows {
            let line = x + row * count
            var maximum = -Float.infinity
            var index = 0
            if whole > 0 {
                var lanesMaximum = load(line)
                index = lanes
                while index < whole {
                    let value = load(line + index)
                    lanesMaximum.replace(with: value, where: value .> lanesMaximum)
                    index += lanes
                }
                maximum = lanesMaximum.max()
            }
            while index < count {
                maximum = max(maximum, line[index])
                index += 1
            }
            var sum = Vector()
            index = 0
            while index < whole {
                let value = exp(load(line + index) - maximum)
                store(value, line + index)
                sum += value
                index += lanes
            }
            var total = sum.sum()
            if index < count {
                var tail = Vector(repeating: -Float.infinity)
                for lane in 0 ..< count - index { tail[lane] = line[index + lane] - maximum }
                let values = exp(tail)
                for lane in 0 ..< count - index {
                    line[index + lane] = values[lane]
                    total += values[lane]
                }
            }
            let scale = 1 / total
            index = 0
            while index < whole {
                store(load(line + index) * scale, line + index)
                index += lanes
            }
            while index < count {
                line[index] *= scale
                index += 1
            }
        }
    }

    /// The exact GELU, `x · (1 + erf(x / √2)) / 2`, in place; `count` must be a multiple of 8.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count % lanes == 0, "GELU length must be a multiple of \(lanes)")
        var index = 0
        while index < count {
            let value = load(x + index)
            store(0.5 * value * (1 + erf(value * 0.70710678118654752)), x + index)
            index += lanes
        }
    }

    // MARK: Approximations

    /// erf to within 4.1e-7 (absolute) everywhere: `x · P(x²) / Q(x²)` on [-4, 4], a rational least-squares
    /// fit of degree 5 over 5 made for Folio; beyond ±4, erf is ±1 in single precision.
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        let clamped = clamp(x, -4, 4)
        let y = clamped * clamped
        var p = Vector(repeating: 2.10910407e-06)
        p = p * y + 0.0002827125348
        p = p * y + 0.003578807109
        p = p * y + 0.05216511627
        p = p * y + 0.1857618579
        p = p * y + 1.128379161
        var q = Vector(repeating: 3.859802517e-05)
        q = q * y + 0.001121368247
        q = q * y + 0.01458837144
        q = q * y + 0.1122181145
        q = q * y + 0.4979602916
        q = q * y + 1
        return clamped * p / q
    }

    /// eˣ to within 2 ulps for x in [-87, 88] (clamped there): 2ᵏ · e^r with r = x − k·ln 2 in ±ln 2 / 2
    /// and e^r by its Taylor polynomial of degree 7; −∞ gives 0.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let clamped = clamp(x, -87, 88)
        // Rounds x / ln 2 to an integer without SSE4.1's rounding instruction (not in the baseline x86-64):
        // adding 1.5 · 2²³ leaves the integer in the low mantissa bits.
        let magic = Vector(repeating: 12_582_912)
        let shifted = clamped * 1.4426950408889634 + magic
        let k = shifted - magic
        let r = clamped - k * 0.693145751953125 - k * 1.428606765330187e-06
        var p = Vector(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: Vector.self)
        // Below the clamp (−∞ pads a partial row) the true value is 0 to single precision.
        return (p * scale).replacing(with: 0, where: x .< -87)
    }

    /// Clamps by masks: the standard library's `clamped` and `pointwiseMin` go lane by lane (to order NaNs), 8 times slower.
    @inline(__always)
    static func clamp(_ x: Vector, _ lower: Float, _ upper: Float) -> Vector {
        x.replacing(with: lower, where: x .< lower).replacing(with: upper, where: x .> upper)
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }
}
