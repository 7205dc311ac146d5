import Foundation

/// The models shipped with Folio: the data files of the package's `Models/` folder,
/// compiled into the library.
///
/// Each model has a card beside it in `Models/` (`NAME.md`) saying what it is and how it was made.
public enum BundledModels {
    /// The file names of every bundled model, sorted.
    public static var names: [String] { embeddedModelFiles.keys.sorted() }

    /// The bytes of the bundled model file `name` (for example `"stopwords-en.txt"`), or `nil` if there is none.
    public static func bytes(named name: String) -> [UInt8]? {
        guard let encoded = embeddedModelFiles[name], let data = Data(base64Encoded: encoded) else { return nil }
        return [UInt8](data)
    }

    /// The text of the bundled model file `name`, decoded as UTF-8, or `nil` if there is none.
    public static func text(named name: String) -> String? {
        bytes(named: name).map { String(decoding: $0, as: UTF8.self) }
    }
}
