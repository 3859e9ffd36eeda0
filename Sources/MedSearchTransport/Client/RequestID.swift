import MedSearchCore

/// The id that follows one request across roles: a client sends it in ``header`` (a fresh one, or the id of the
/// request it is serving, ``current``), the server logs it with every line about the request and passes it on
/// to the roles it calls in turn, so one search can be followed from the web application through the edge master
/// to each storage node in their logs.
public enum RequestID {
    /// The HTTP header carrying it.
    public static let header = "x-medsearch-request-id"

    /// The id of the request this task is serving (set by the server around each handler).
    @TaskLocal public static var current: String?

    /// A fresh random id (16 hexadecimal digits).
    public static func make() -> String { Hex.encode(SecureRandom.bytes(8)) }

    /// `presented` when it is a plausible id (1 to 64 letters, digits, `-` or `_`), else a fresh one: a peer
    /// cannot put arbitrary text into the logs through it.
    public static func accept(_ presented: String?) -> String {
        guard let presented, !presented.isEmpty, presented.utf8.count <= 64,
              presented.utf8.allSatisfy({ byte in
                  (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                      || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
              }) else { return make() }
        return presented
    }
}
