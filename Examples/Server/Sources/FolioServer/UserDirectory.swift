public import Foundation
import Crypto

/// The people allowed to use the server, read from the users file the operator writes.
///
/// The file is JSON:
/// ```json
/// {"users": [
///   {"name": "ann", "token_sha256": "<64 hex digits>", "admin": false},
///   {"name": "root", "token_sha256": "<64 hex digits>", "admin": true}
/// ]}
/// ```
/// Tokens are never stored: only the SHA-256 of each (``UserDirectory/hash(token:)``, or
/// `folio-server hash-token`). A user may have several tokens (one entry each), which lets an
/// operator rotate a token without downtime; one token naming two users is an error.
public struct UserDirectory: Sendable {
    /// Who a request acts for: always the user its token belongs to.
    public struct User: Sendable, Hashable {
        /// The Folio user name: every feedback, queue and history of the request is this user's.
        public let name: String
        /// Admins may also ingest listings.
        public let isAdmin: Bool

        public init(name: String, isAdmin: Bool) {
            self.name = name
            self.isAdmin = isAdmin
        }
    }

    /// One entry of the users file, as written there.
    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        /// Lowercase hex SHA-256 of the token (64 digits).
        public var tokenSHA256: String
        public var admin: Bool

        public init(name: String, tokenSHA256: String, admin: Bool = false) {
            self.name = name
            self.tokenSHA256 = tokenSHA256
            self.admin = admin
        }

        enum CodingKeys: String, CodingKey {
            case name
            case tokenSHA256 = "token_sha256"
            case admin
            case token
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            if container.contains(.token) {
                throw DecodingError.dataCorruptedError(
                    forKey: .token, in: container,
                    debugDescription: "user \"\(name)\" has a plain \"token\": store only its hash as \"token_sha256\" (`folio-server hash-token TOKEN` prints it)"
                )
            }
            tokenSHA256 = try container.decode(String.self, forKey: .tokenSHA256)
            admin = try container.decodeIfPresent(Bool.self, forKey: .admin) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(tokenSHA256, forKey: .tokenSHA256)
            try container.encode(admin, forKey: .admin)
        }
    }

    /// Why a users file cannot be used.
    public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    private struct File: Codable {
        var users: [Entry]
    }

    private struct Credential: Sendable {
        let user: User
        let digest: [UInt8]
    }

    private let credentials: [Credential]

    /// The users, in the order of the file (a user with several tokens once).
    public var users: [User] {
        var seen: Set<String> = []
        return credentials.map(\.user).filter { seen.insert($0.name).inserted }
    }

    /// A directory of the given entries, checked as a users file is.
    public init(entries: [Entry]) throws(ConfigurationError) {
        var credentials: [Credential] = []
        var owners: [[UInt8]: String] = [:]
        var admins: [String: Bool] = [:]
        for (index, entry) in entries.enumerated() {
            let position = "user #\(index + 1) (\"\(entry.name)\")"
            if let problem = Self.problem(withName: entry.name) { throw ConfigurationError("\(position): \(problem)") }
            guard let digest = Self.bytes(fromHex: entry.tokenSHA256), digest.count == SHA256.byteCount else {
                throw ConfigurationError("\(position): token_sha256 must be 64 hex digits, the SHA-256 of the token (`folio-server hash-token TOKEN` prints it)")
            }
            if let owner = owners[digest] {
                throw ConfigurationError("\(position): the same token is also given to \"\(owner)\"; each token names one user")
            }
            if let admin = admins[entry.name], admin != entry.admin {
                throw ConfigurationError("\(position): \"\(entry.name)\" is listed both as admin and not; give every entry of a user the same \"admin\"")
            }
            owners[digest] = entry.name
            admins[entry.name] = entry.admin
            credentials.append(Credential(user: User(name: entry.name, isAdmin: entry.admin), digest: digest))
        }
        self.credentials = credentials
    }

    /// Reads a users file (JSON, see the type's description).
    public init(contentsOfFile path: String) throws(ConfigurationError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("cannot read the users file \(path): \(error.localizedDescription)")
        }
        do {
            try self.init(data: data)
        } catch {
            throw ConfigurationError("users file \(path): \(error.message)")
        }
    }

    /// Parses the JSON of a users file.
    public init(data: Data) throws(ConfigurationError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted = error, !error.isAtTopLevel {
                throw ConfigurationError(describe(error))
            }
            throw ConfigurationError(describe(error) + "; expected {\"users\": [{\"name\": …, \"token_sha256\": …, \"admin\": false}]}")
        } catch {
            throw ConfigurationError("\(error)")
        }
        try self.init(entries: file.users)
    }

    /// The user a bearer token belongs to, or `nil`.
    ///
    /// The token's SHA-256 is compared with every stored hash in constant time, and every entry is
    /// looked at whatever matches, so the time taken says nothing about the tokens.
    public func authenticate(token: String) -> User? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: User?
        for credential in credentials where Self.constantTimeEqual(credential.digest, digest) {
            found = found ?? credential.user
        }
        return found
    }

    /// The lowercase hex SHA-256 of `token`: what the users file stores.
    public static func hash(token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// A new random token: 32 bytes from the system's secure generator, as 64 hex digits.
    public static func generateToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0 ..< 32).map { _ in
            let byte = UInt8.random(in: 0 ... 255, using: &generator)
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    static func bytes(fromHex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Folio's rule for user names (letters, digits and . _ - @ +, at most 64 bytes), checked here
    /// so that a bad name fails when the server starts, not at the user's first request.
    static func problem(withName name: String) -> String? {
        if name.isEmpty { return "the user name is empty" }
        if name.utf8.count > 64 { return "the user name is longer than 64 bytes" }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0" ... "9").contains(scalar) || "._-@+".unicodeScalars.contains(scalar)
        }
        return allowed ? nil : "user names may hold letters, digits and . _ - @ + only"
    }
}

extension DecodingError {
    fileprivate var isAtTopLevel: Bool {
        switch self {
        case let .dataCorrupted(context), let .typeMismatch(_, context), let .valueNotFound(_, context), let .keyNotFound(_, context):
            context.codingPath.isEmpty
        @unknown default:
            true
        }
    }
}
