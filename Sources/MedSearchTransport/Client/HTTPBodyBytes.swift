import NIOCore

/// Reads an HTTP body (client answers and server requests alike) into one array: each chunk is copied once, into
/// storage reserved up front for the declared `Content-Length`. `collect(upTo:)` followed by `Array(...)` copied
/// every byte at least twice and grew its buffer by doubling, which for the multi-megabyte search responses and
/// queries meant fresh pages zeroed and copied several times per request.
public enum HTTPBodyBytes {
    /// The most reserved before any byte arrived, whatever the declared length (a larger body grows as it comes).
    public static let maxReservation = 64 << 20

    /// The bytes of `body`, at most `limit` of them.
    ///
    /// - Parameter declaredLength: the `Content-Length` header's value if any (only a hint: the bytes that arrive
    ///   are what counts, and they are checked against `limit`).
    /// - Throws: `NIOTooManyBytesError` as soon as the body exceeds `limit`; the sequence's own errors.
    public static func read<Body: AsyncSequence>(_ body: Body, declaredLength: Int?, limit: Int) async throws -> [UInt8]
        where Body.Element == ByteBuffer {
        var bytes: [UInt8] = []
        if let declaredLength, declaredLength > 0 {
            bytes.reserveCapacity(min(declaredLength, limit, maxReservation))
        }
        for try await chunk in body {
            guard chunk.readableBytes <= limit - bytes.count else { throw NIOTooManyBytesError(maxBytes: limit) }
            chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
