import Testing
@testable import MedSearchDICOMweb

@Suite struct MultipartTests {
    static let boundary = "xYz-123"

    static func body(_ parts: [[UInt8]], preamble: String = "", epilogue: String = "") -> [UInt8] {
        var out = Array(preamble.utf8)
        for part in parts {
            out += Array("--\(boundary)\r\nContent-Type: application/dicom\r\n\r\n".utf8) + part + [13, 10]
        }
        return out + Array("--\(boundary)--\r\n\(epilogue)".utf8)
    }

    func parse(_ body: [UInt8], chunk: Int, limit: Int = 1 << 20) throws -> [MultipartPart] {
        var parser = MultipartRelatedParser(boundary: Self.boundary, maximumPartBytes: limit)
        var parts: [MultipartPart] = []
        var index = 0
        while index < body.count {
            parts += try parser.feed(body[index..<min(body.count, index + chunk)])
            index += chunk
        }
        try parser.finish()
        return parts
    }

    /// Bodies that contain the boundary text without the CRLF before it, CR/LF runs and dashes.
    static let tricky: [[UInt8]] = [
        Array("--\(boundary)".utf8) + [13, 10, 13, 10] + Array("body one".utf8),
        [],
        Array("\r\n--xYz-12\r\n--".utf8) + Array(repeating: 0x2D, count: 100),
        (0..<3000).map { UInt8($0 % 251) },
    ]

    @Test(arguments: [1, 2, 7, 64, 1000, 1 << 20])
    func partsAreTheSameWhateverTheChunkSize(_ chunk: Int) throws {
        let body = Self.body(Self.tricky, preamble: "ignored preamble\r\n", epilogue: "ignored epilogue")
        let parts = try parse(body, chunk: chunk)
        #expect(parts.map(\.body) == Self.tricky.map { Optional($0) })
        #expect(parts.map(\.index) == [0, 1, 2, 3])
        #expect(parts.allSatisfy { $0.contentType == "application/dicom" })
    }

    @Test func anOversizedPartIsDroppedWhileItStreamsAndTheNextIsKept() throws {
        let big = [UInt8](repeating: 7, count: 5000)
        let parts = try parse(Self.body([[1, 2, 3], big, [4, 5]]), chunk: 256, limit: 4096)
        #expect(parts.count == 3)
        #expect(parts[0].body == [1, 2, 3])
        #expect(parts[1].body == nil)
        #expect(parts[1].size == 5000)
        #expect(parts[2].body == [4, 5])
    }

    @Test func memoryStaysBoundedByOnePartAndOneChunk() throws {
        // 8 MiB across 4 parts, limit 64 KiB, chunks of 32 KiB: the parser never holds more than about
        // limit + chunk + delimiter, however large the request.
        let part = [UInt8](repeating: 0xAB, count: 2 << 20)
        let body = Self.body([part, part, part, part])
        var parser = MultipartRelatedParser(boundary: Self.boundary, maximumPartBytes: 64 << 10)
        var peak = 0
        var parts = 0
        var index = 0
        while index < body.count {
            parts += try parser.feed(body[index..<min(body.count, index + (32 << 10))]).count
            peak = max(peak, parser.bufferedByteCount)
            index += 32 << 10
        }
        try parser.finish()
        #expect(parts == 4)
        #expect(peak <= (64 << 10) + (32 << 10) + 128)
    }

    @Test func partHeadersAreParsed() throws {
        let body = Array("--\(Self.boundary)\r\ncontent-type: Application/DICOM; transfer-syntax=1.2.840.10008.1.2.1\r\nContent-Location: a\r\n\r\nX\r\n--\(Self.boundary)--".utf8)
        let part = try #require(try parse(body, chunk: 5).first)
        #expect(part.contentType == "application/dicom")
        #expect(part.headers["content-location"] == "a")
        #expect(part.body == Array("X".utf8))
    }

    @Test func aTruncatedBodyIsRefusedAndItsLastPartNeverReturned() throws {
        let body = Self.body([[1, 2, 3], [4, 5, 6]])
        let cut = Array(body.prefix(body.count - 30))
        var parser = MultipartRelatedParser(boundary: Self.boundary, maximumPartBytes: 1 << 20)
        let parts = try parser.feed(cut)
        #expect(parts.map(\.body) == [[1, 2, 3]])
        #expect(throws: DICOMwebError.unterminatedMultipart) { try parser.finish() }
    }

    @Test func framingErrors() throws {
        var noDelimiter = MultipartRelatedParser(boundary: Self.boundary, maximumPartBytes: 100)
        _ = try noDelimiter.feed(Array("just some bytes".utf8))
        #expect(throws: DICOMwebError.malformedMultipart("no part delimited by the boundary")) { try noDelimiter.finish() }
        var junk = MultipartRelatedParser(boundary: Self.boundary, maximumPartBytes: 100)
        #expect(throws: DICOMwebError.malformedMultipart("a delimiter is not followed by CRLF")) {
            _ = try junk.feed(Array("--\(Self.boundary)junk\r\n".utf8))
        }
        var hugeHeaders = MultipartRelatedParser(boundary: Self.boundary, maximumPartBytes: 100, maximumHeaderBytes: 64)
        #expect(throws: DICOMwebError.partHeadersTooLarge(limit: 64)) {
            _ = try hugeHeaders.feed(Array("--\(Self.boundary)\r\nX-Long: \(String(repeating: "a", count: 100))".utf8))
        }
        var many = MultipartRelatedParser(boundary: Self.boundary, maximumPartBytes: 100, maximumParts: 2)
        #expect(throws: DICOMwebError.tooManyParts(limit: 2)) { _ = try many.feed(Self.body([[1], [2], [3]])) }
    }

    @Test(arguments: [
        ("multipart/related; type=\"application/dicom\"; boundary=abc", "abc"),
        ("Multipart/Related; boundary=\"a b;c\"; type=application/dicom", "a b;c"),
        ("multipart/related; boundary=xyz", "xyz"),
    ])
    func boundaryFromTheContentType(_ header: String, _ boundary: String) throws {
        #expect(try MediaType.stowBoundary(contentType: header) == boundary)
    }

    @Test func contentTypeRefusals() {
        #expect(throws: DICOMwebError.missingBoundary) {
            _ = try MediaType.stowBoundary(contentType: "multipart/related; type=\"application/dicom\"")
        }
        #expect(throws: DICOMwebError.unsupportedMediaType("application/dicom; expected multipart/related")) {
            _ = try MediaType.stowBoundary(contentType: "application/dicom")
        }
        #expect(throws: DICOMwebError.self) {
            _ = try MediaType.stowBoundary(contentType: "multipart/related; type=\"application/dicom+xml\"; boundary=a")
        }
        #expect(throws: DICOMwebError.self) { _ = try MediaType.stowBoundary(contentType: nil) }
    }

    @Test func theAsyncSequenceYieldsTheSameParts() async throws {
        let body = Self.body(Self.tricky)
        let chunks = stride(from: 0, to: body.count, by: 100).map { Array(body[$0..<min(body.count, $0 + 100)]) }
        let stream = AsyncStream<[UInt8]> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        var bodies: [[UInt8]?] = []
        for try await part in MultipartRelatedParts(stream, parser: MultipartRelatedParser(boundary: Self.boundary,
                                                                                            maximumPartBytes: 1 << 20)) {
            bodies.append(part.body)
        }
        #expect(bodies == Self.tricky.map { Optional($0) })
    }

    @Test func theWriterAndTheParserAgree() throws {
        let parts: [(contentType: String, bytes: [UInt8])] = [("application/dicom", [1, 2]), ("image/png", [3])]
        let body = MultipartRelatedWriter.body(boundary: "b0undary", parts: parts)
        var parser = MultipartRelatedParser(boundary: "b0undary", maximumPartBytes: 10)
        let parsed = try parser.feed(body)
        try parser.finish()
        #expect(parsed.map(\.body) == [[1, 2], [3]])
        #expect(parsed.map(\.contentType) == ["application/dicom", "image/png"])
        #expect(MultipartRelatedWriter.boundary([0x01, 0xAB]) == "medsearch-01ab")
    }
}
