import Foundation
import MedSearchCore
/// One part of a `multipart/related` body. The parser makes these; callers make them for a body that came whole
/// (e.g. `application/dicom`).
@MemberwiseInit(.public)
public struct MultipartPart: Sendable, Equatable {
    /// Header fields with lower-cased names.
    public var headers: [String: String]
    /// The body, or nil when it was larger than the parser's per-part limit (then discarded as it streamed).
    public var body: [UInt8]?
    /// The body's size in bytes (also when discarded).
    public var size: Int
    /// The part's position in the request, from 0.
    public var index: Int

    /// The part's media type (`Content-Type`), lower-cased essence.
    public var contentType: String? { headers["content-type"].flatMap(MediaType.init)?.essence }
}

/// An incremental `multipart/related` (RFC 2387, RFC 2046 framing) parser with a per-part size limit.
///
/// Feed it the body as it arrives; it returns each part once its closing delimiter was seen. It holds at most
/// one part's body (up to ``maximumPartBytes``) plus a delimiter's length of look-ahead: a part over the limit is
/// counted and dropped as it streams (its ``MultipartPart/body`` is nil), so a request is never buffered whole
/// and one oversized part does not stop the others. A body that ends before the closing delimiter throws
/// ``DICOMwebError/unterminatedMultipart`` from ``finish()``, and the unfinished part is never returned.
///
/// ```swift
/// var parser = MultipartRelatedParser(boundary: try MediaType.stowBoundary(contentType: header),
///                                     maximumPartBytes: 32 << 20)
/// for try await chunk in body { for part in try parser.feed(chunk) { handle(part) } }
/// try parser.finish()
/// ```
public struct MultipartRelatedParser: Sendable {
    /// The largest part body kept.
    public let maximumPartBytes: Int
    /// The largest header block of one part.
    public let maximumHeaderBytes: Int
    /// The most parts accepted in one body.
    public let maximumParts: Int

    private enum State { case preamble, afterDelimiter, headers, body, epilogue }
    private let delimiter: [UInt8]  // CRLF "--" boundary
    private var state = State.preamble
    private var window: [UInt8]
    private var start = 0
    private var headers: [String: String] = [:]
    private var body: [UInt8]? = []
    private var size = 0
    private var parts = 0

    /// A parser for `boundary` (from ``MediaType/stowBoundary(contentType:)``).
    public init(boundary: String, maximumPartBytes: Int, maximumHeaderBytes: Int = 16 * 1024, maximumParts: Int = 100_000) {
        delimiter = [13, 10] + Array("--\(boundary)".utf8)
        self.maximumPartBytes = maximumPartBytes
        self.maximumHeaderBytes = maximumHeaderBytes
        self.maximumParts = maximumParts
        window = [13, 10]  // so that a body starting with the first delimiter (no preamble) is found
    }

    /// The bytes the parser holds now: the current part's body and the look-ahead window (for memory bounds).
    public var bufferedByteCount: Int { window.count + (body?.count ?? 0) }

    /// Consumes the next bytes; returns the parts completed by them.
    /// - Throws: ``DICOMwebError`` on broken framing, oversized headers or too many parts.
    public mutating func feed<C: Collection>(_ chunk: C) throws -> [MultipartPart] where C.Element == UInt8 {
        if state == .epilogue { return [] }
        window.append(contentsOf: chunk)
        var completed: [MultipartPart] = []
        loop: while true {
            switch state {
            case .preamble, .body:
                if let found = find(delimiter, from: start) {
                    if state == .body {
                        consume(upTo: found)
                        completed.append(MultipartPart(headers: headers, body: body, size: size, index: parts - 1))
                    }
                    start = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    let keep = max(start, window.count - (delimiter.count - 1))
                    if state == .body { consume(upTo: keep) }
                    start = keep
                    compact()
                    break loop
                }
            case .afterDelimiter:
                guard window.count - start >= 2 else { break loop }
                if window[start] == 45, window[start + 1] == 45 {  // "--": the closing delimiter
                    state = .epilogue
                    window = []
                    start = 0
                    break loop
                }
                var index = start
                while index < window.count, window[index] == 32 || window[index] == 9 { index += 1 }
                guard window.count - index >= 2 else {
                    guard index - start <= 256 else { throw DICOMwebError.malformedMultipart("padding after a delimiter") }
                    break loop
                }
                guard window[index] == 13, window[index + 1] == 10 else {
                    throw DICOMwebError.malformedMultipart("a delimiter is not followed by CRLF")
                }
                start = index + 2
                state = .headers
                parts += 1
                guard parts <= maximumParts else { throw DICOMwebError.tooManyParts(limit: maximumParts) }
            case .headers:
                let headerEnd: Int
                let bodyStart: Int
                if window.count - start >= 2, window[start] == 13, window[start + 1] == 10 {
                    headerEnd = start
                    bodyStart = start + 2  // no header fields
                } else if let found = find([13, 10, 13, 10], from: start) {
                    headerEnd = found
                    bodyStart = found + 4
                } else {
                    guard window.count - start <= maximumHeaderBytes else {
                        throw DICOMwebError.partHeadersTooLarge(limit: maximumHeaderBytes)
                    }
                    break loop
                }
                guard headerEnd - start <= maximumHeaderBytes else {
                    throw DICOMwebError.partHeadersTooLarge(limit: maximumHeaderBytes)
                }
                headers = try Self.parseHeaders(window[start..<headerEnd])
                body = []
                size = 0
                // The body's delimiter search starts at the body's first byte (the CRLF before a delimiter belongs to it).
                window.removeSubrange(0..<bodyStart)
                start = 0
                state = .body
            case .epilogue:
                break loop
            }
        }
        return completed
    }

    /// Ends the body. - Throws: ``DICOMwebError/unterminatedMultipart`` unless the closing delimiter was seen.
    public func finish() throws {
        guard state == .epilogue else {
            throw parts == 0 && state == .preamble
                ? DICOMwebError.malformedMultipart("no part delimited by the boundary") : DICOMwebError.unterminatedMultipart
        }
    }

    /// Moves `window[start..<end]` into the current body (or counts it once the body is over the limit).
    private mutating func consume(upTo end: Int) {
        guard end > start else { return }
        size += end - start
        if size > maximumPartBytes {
            body = nil
        } else {
            body?.append(contentsOf: window[start..<end])
        }
        start = end
    }

    /// Drops consumed bytes once they dominate the window.
    private mutating func compact() {
        if start > 0 && start * 2 >= window.count {
            window.removeSubrange(0..<start)
            start = 0
        }
    }

    private func find(_ needle: [UInt8], from: Int) -> Int? { ByteSearch.firstIndex(of: needle, in: window, from: from) }

    static func parseHeaders(_ bytes: ArraySlice<UInt8>) throws -> [String: String] {
        var headers: [String: String] = [:]
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw DICOMwebError.malformedMultipart("a part header line without a colon")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            guard !name.isEmpty else { throw DICOMwebError.malformedMultipart("a part header without a name") }
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }
}

/// The parts of a `multipart/related` body arriving as an asynchronous sequence of byte chunks, parsed as
/// they stream (see ``MultipartRelatedParser`` for the memory bound).
public struct MultipartRelatedParts<Base: AsyncSequence>: AsyncSequence where Base.Element: Collection,
    Base.Element.Element == UInt8 {
    public typealias Element = MultipartPart
    let base: Base
    let parser: MultipartRelatedParser

    /// The parts of `base`, parsed by `parser`.
    public init(_ base: Base, parser: MultipartRelatedParser) {
        self.base = base
        self.parser = parser
    }

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), parser: parser) }

    /// Yields parts in order; throws the parser's errors (and the base sequence's) where they arise.
    public struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var parser: MultipartRelatedParser
        var ready: [MultipartPart] = []
        var finished = false

        public mutating func next() async throws -> MultipartPart? {
            while ready.isEmpty {
                if finished { return nil }
                if let chunk = try await base.next() {
                    ready = try parser.feed(chunk)
                } else {
                    finished = true
                    try parser.finish()
                }
            }
            return ready.removeFirst()
        }
    }
}

/// Writes `multipart/related` bodies (WADO-RS responses).
public enum MultipartRelatedWriter {
    /// A fresh random-looking boundary from `seed` bytes (use secure random bytes).
    public static func boundary(_ seed: [UInt8]) -> String {
        "medsearch-" + seed.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// The bytes before one part: the delimiter and the part's headers.
    public static func partHead(boundary: String, contentType: String, extraHeaders: [(String, String)] = []) -> [UInt8] {
        var text = "--\(boundary)\r\nContent-Type: \(contentType)\r\n"
        for (name, value) in extraHeaders { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// The bytes after a part's body.
    public static let partTail: [UInt8] = [13, 10]

    /// The closing delimiter.
    public static func close(boundary: String) -> [UInt8] { Array("--\(boundary)--\r\n".utf8) }

    /// A whole body of `parts` (each content type and bytes).
    public static func body(boundary: String, parts: [(contentType: String, bytes: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            out += partHead(boundary: boundary, contentType: part.contentType)
            out += part.bytes
            out += partTail
        }
        return out + close(boundary: boundary)
    }
}
