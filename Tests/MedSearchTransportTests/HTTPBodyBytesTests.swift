@testable import MedSearchTransport
import NIOCore
import Testing

/// Bodies are read whole, once, within the limit, whatever the declared length says.
@Suite struct HTTPBodyBytesTests {
    /// `bytes` cut into chunks of `sizes` (cycled) as an async sequence of buffers, as NIO delivers them.
    static func chunks(_ bytes: [UInt8], sizes: [Int]) -> AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            var start = 0, index = 0
            while start < bytes.count {
                let end = min(bytes.count, start + sizes[index % sizes.count])
                continuation.yield(ByteBuffer(bytes: bytes[start..<end]))
                start = end
                index += 1
            }
            continuation.finish()
        }
    }

    @Test(arguments: [nil, 0, 10, 5_000, 100_000, Int.max])
    func readsEveryChunkInOrder(declaredLength: Int?) async throws {
        let bytes = (0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let read = try await HTTPBodyBytes.read(Self.chunks(bytes, sizes: [1, 700, 13, 4096]),
                                                declaredLength: declaredLength, limit: 5_000)
        #expect(read == bytes)
        #expect(try await HTTPBodyBytes.read(Self.chunks([], sizes: [1]), declaredLength: declaredLength, limit: 0).isEmpty)
    }

    @Test func aBodyAboveTheLimitIsRefusedWhateverItDeclared() async throws {
        let bytes = [UInt8](repeating: 9, count: 1_001)
        for declared in [nil, 10, 1_000] as [Int?] {
            await #expect(throws: NIOTooManyBytesError(maxBytes: 1_000)) {
                _ = try await HTTPBodyBytes.read(Self.chunks(bytes, sizes: [400]), declaredLength: declared, limit: 1_000)
            }
        }
        // Exactly at the limit is fine.
        #expect(try await HTTPBodyBytes.read(Self.chunks(Array(bytes.dropLast()), sizes: [999, 1]),
                                             declaredLength: nil, limit: 1_000).count == 1_000)
    }
}
