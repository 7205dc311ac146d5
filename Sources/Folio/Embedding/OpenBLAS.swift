import Foundation

/// OpenBLAS, opened when the sentence encoder is first made rather than linked into every Folio binary.
///
/// Linked at build time, OpenBLAS starts its thread pool when any Folio process starts, which costs
/// `folio today` a few milliseconds and keeps idle threads spinning beside it on a 2-core machine.
/// Only the encoder multiplies matrices, so only the encoder loads the library (Debian's
/// `libopenblas0`, which `libopenblas-dev` installs).
struct OpenBLAS: @unchecked Sendable {
    // C function pointers into a library that stays loaded for the life of the process: immutable, so shared freely.
    typealias MatrixProduct = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32
    ) -> Void

    /// cblas_sgemm
    let sgemm: MatrixProduct
    /// openblas_set_num_threads
    let setThreadCount: @convention(c) (Int32) -> Void
    /// openblas_get_corename
    let coreName: @convention(c) () -> UnsafeMutablePointer<CChar>?

    /// CBLAS's enumerations, as cblas.h numbers them.
    static let rowMajor: Int32 = 101
    static let noTranspose: Int32 = 111
    static let transpose: Int32 = 112

    /// Where the library may be found, most specific first.
    static let libraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas.0.dylib", "libopenblas.dylib"]

    /// The library, or why it could not be opened.
    static let shared: Result<OpenBLAS, FolioError> = load()

    /// The loaded library, for code that runs after ``SentenceEncoder`` was made (which checks it).
    static var loaded: OpenBLAS {
        switch shared {
        case let .success(library): return library
        case let .failure(error): preconditionFailure("OpenBLAS is used before the encoder checked it: \(error)")
        }
    }

    private static func load() -> Result<OpenBLAS, FolioError> {
        var problems: [String] = []
        for name in libraryNames {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                problems.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            guard let sgemm = dlsym(handle, "cblas_sgemm"), let threads = dlsym(handle, "openblas_set_num_threads"),
                  let core = dlsym(handle, "openblas_get_corename")
            else {
                problems.append("\(name) lacks cblas_sgemm, openblas_set_num_threads or openblas_get_corename")
                continue
            }
            return .success(OpenBLAS(sgemm: unsafeBitCast(sgemm, to: MatrixProduct.self),
                                     setThreadCount: unsafeBitCast(threads, to: (@convention(c) (Int32) -> Void).self),
                                     coreName: unsafeBitCast(core, to: (@convention(c) () -> UnsafeMutablePointer<CChar>?).self)))
        }
        return .failure(FolioError(.missingModel, "the sentence encoder needs OpenBLAS, which could not be loaded (\(problems.first ?? "not found")); on Debian: apt-get install libopenblas-dev"))
    }
}
