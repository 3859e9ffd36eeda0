import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("Feature models")
struct FeatureModelTests {
    static func images(_ count: Int, seed: UInt64) -> [GrayImage] {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return (0..<count).map { _ in
            GrayImage(rows: 32, columns: 32, values: (0..<1024).map { _ in Float.random(in: 0...1, using: &generator) })
        }
    }

    static func models() throws -> [FeatureModel] {
        var options = FeatureOptions()
        options.side = 16
        options.lbpGrid = 2
        options.lbpRadii = [1, 2]
        var hashOptions = FeatureOptions()
        hashOptions.hashBase = "hog"
        hashOptions.bits = 24
        hashOptions.itqIterations = 5
        return [try FeatureRegistry.make("pixels", options: options), try FeatureRegistry.make("stats", options: options),
                try FeatureRegistry.make("lbp", options: options), try FeatureRegistry.make("hog"),
                try FeatureRegistry.make("hash", options: hashOptions, training: images(40, seed: 5))]
    }

    @Test("every model survives a serialisation round trip and encodes identically")
    func roundTrip() throws {
        let probe = Self.images(2, seed: 6)
        for model in try Self.models() {
            let bytes = model.serialized()
            #expect(bytes.starts(with: Array("FEAT".utf8)))
            let decoded = try FeatureModel(serialized: bytes)
            #expect(decoded == model)
            #expect(decoded.fingerprint == model.fingerprint)
            #expect(decoded.extract(probe[0]) == model.extract(probe[0]))
            #expect(decoded.summary == model.summary)
        }
    }

    @Test("different parameters give different fingerprints")
    func fingerprints() throws {
        var a = FeatureOptions(); a.side = 16
        var b = FeatureOptions(); b.side = 17
        #expect(try FeatureRegistry.make("pixels", options: a).fingerprint != FeatureRegistry.make("pixels", options: b).fingerprint)
    }

    @Test("truncated, mutated or foreign bytes give typed errors, never a crash")
    func malformed() throws {
        var generator = seededGenerator(12)
        for model in try Self.models() {
            let bytes = model.serialized()
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 200)) {
                #expect(throws: (any Error).self) { try FeatureModel(serialized: Array(bytes.prefix(length))) }
            }
            for _ in 0..<300 {
                var mutated = bytes
                let position = Int.random(in: 0..<min(mutated.count, 64), using: &generator)
                mutated[position] = UInt8.random(in: 0...255, using: &generator)
                do { _ = try FeatureModel(serialized: mutated) } catch is WireError {} catch is FeaturesError {}
            }
        }
        var writer = ByteWriter()
        writer.writeHeader(magic: FeatureModel.magic, version: 1)
        writer.writeString("sift")
        writer.writeBytes([UInt8]())
        #expect(throws: WireError.self) { try FeatureModel(serialized: writer.bytes) }
    }

    @Test("deeply nested models are refused")
    func nesting() throws {
        // hash-in-hash-in-... built by hand: each level wraps the previous bytes.
        var inner = try FeatureRegistry.make("pixels").serialized()
        for _ in 0..<6 {
            var parameters = ByteWriter()
            parameters.writeBytes(inner)
            parameters.write(UInt16(16))
            parameters.writeArray([Float](repeating: 0, count: 1))
            parameters.writeArray([Float](repeating: 0, count: 16))
            var writer = ByteWriter()
            writer.writeHeader(magic: FeatureModel.magic, version: 1)
            writer.writeString("hash")
            writer.writeBytes(parameters.bytes)
            inner = writer.bytes
        }
        #expect(throws: (any Error).self) { try FeatureModel(serialized: inner) }
    }
}
