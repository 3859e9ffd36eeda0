import Foundation
import MedSearchCore
@testable import MedSearchFeatures
import Testing
import _MedSearchTestSupport

@Suite("CNN weights file")
struct CNNFormatTests {
    private func tinyModel() throws -> CNNModel {
        var generator = seededGenerator(0xF11E)
        return try CNNModel(name: "tiny", inputSide: 6, inputMean: 0.5, inputStandardDeviation: 0.25, layers: [
            CNNTestSupport.convolution(1, 2, kernel: 3, stride: 1, padding: 1, using: &generator), .relu,
            .maxPool(kernel: 2, stride: 2), .averagePool(kernel: 1, stride: 1), .globalAveragePool,
            CNNTestSupport.linear(2, 3, using: &generator),
        ])
    }

    @Test("serialize then parse gives the same model and fingerprint")
    func roundTrip() throws {
        var generator = seededGenerator(5)
        for model in [try tinyModel(), try CNNTestSupport.smallModel(using: &generator)] {
            let bytes = model.serialized()
            let parsed = try CNNModel(serialized: bytes)
            #expect(parsed.name == model.name)
            #expect(parsed.inputSide == model.inputSide)
            #expect(parsed.inputMean == model.inputMean)
            #expect(parsed.inputStandardDeviation == model.inputStandardDeviation)
            #expect(parsed.layers == model.layers)
            #expect(parsed.fingerprint == model.fingerprint)
            #expect(parsed.serialized() == bytes)
        }
    }

    @Test("the header layout is the documented one")
    func headerLayout() throws {
        let bytes = try tinyModel().serialized()
        #expect(Array(bytes[0..<4]) == Array("MSCN".utf8))
        #expect(bytes[4] == 1 && bytes[5] == 0)                  // version 1, little-endian
        #expect(Array(bytes[6..<10]) == [4, 0, 0, 0])           // name length
        #expect(Array(bytes[10..<14]) == Array("tiny".utf8))
        #expect(Array(bytes[14..<18]) == [6, 0, 0, 0])          // input side
        #expect(Array(bytes[18..<22]) == [0, 0, 0, 0x3F])       // mean 0.5
        #expect(Array(bytes[22..<26]) == [0, 0, 0x80, 0x3E])    // std 0.25
        #expect(Array(bytes[26..<30]) == [6, 0, 0, 0])          // layer count
        #expect(bytes[30] == 1)                                 // first layer: convolution
    }

    @Test("every truncation of a valid file is rejected as truncated")
    func truncations() throws {
        let bytes = try tinyModel().serialized()
        for length in 0..<bytes.count {
            do {
                _ = try CNNModel(serialized: Array(bytes[0..<length]))
                Issue.record("prefix of \(length) bytes was accepted")
            } catch let error {
                guard case .truncated = error else {
                    Issue.record("prefix of \(length) bytes: unexpected \(error)")
                    continue
                }
            }
        }
    }

    @Test("foreign, newer, trailing and corrupt files are typed errors")
    func malformedFiles() throws {
        let bytes = try tinyModel().serialized()

        var foreign = bytes
        foreign[0] = UInt8(ascii: "X")
        #expect(throws: WireError.wrongMagic(expected: "MSCN", found: "XSCN")) {
            try CNNModel(serialized: foreign)
        }

        var newer = bytes
        newer[4] = 2
        #expect(throws: WireError.unsupportedVersion(format: "MSCN", found: 2, supported: 1)) {
            try CNNModel(serialized: newer)
        }

        #expect(throws: WireError.trailingBytes(offset: bytes.count, count: 1)) {
            try CNNModel(serialized: bytes + [0])
        }

        var unknownKind = bytes
        unknownKind[30] = 9
        #expect(throws: WireError.invalidValue(offset: 30, reason: "unknown layer kind 9")) {
            try CNNModel(serialized: unknownKind)
        }

        var hugeLayerCount = bytes
        hugeLayerCount.replaceSubrange(26..<30, with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: WireError.lengthTooLarge(offset: 26, length: 0x7FFF_FFFF, limit: 256)) {
            try CNNModel(serialized: hugeLayerCount)
        }

        // Weight count prefix of the first convolution claims far more floats than allowed.
        var hugeWeights = bytes
        hugeWeights.replaceSubrange(51..<55, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError.lengthTooLarge(offset: 51, length: 0xFFFF_FFFF, limit: 1 << 24)) {
            try CNNModel(serialized: hugeWeights)
        }

        // Input channels of the first convolution changed from 1 to 2: shapes no longer chain.
        var badChannels = bytes
        badChannels[31] = 2
        #expect(throws: WireError.self) { try CNNModel(serialized: badChannels) }
        do {
            _ = try CNNModel(serialized: badChannels)
        } catch {
            guard case let .invalidValue(offset, reason) = error, offset == 6, reason.hasPrefix("invalid CNN model") else {
                Issue.record("unexpected \(error)")
                return
            }
        }

        // Zero standard deviation.
        var zeroDeviation = bytes
        zeroDeviation.replaceSubrange(22..<26, with: [0, 0, 0, 0])
        #expect(throws: WireError.invalidValue(
            offset: 6, reason: "\(CNNModelError.invalidModel(reason: "input normalisation must be finite with a positive deviation"))")) {
            try CNNModel(serialized: zeroDeviation)
        }
    }

    @Test("inconsistent layers are rejected when building a model")
    func invalidModels() throws {
        let conv = CNNConvolution(inputChannels: 1, outputChannels: 2, kernel: 3, weights: [Float](repeating: 0, count: 17),
                                  bias: [0, 0])
        #expect(throws: CNNModelError.self) {
            try CNNModel(name: "x", inputSide: 8, inputMean: 0, inputStandardDeviation: 1, layers: [.convolution(conv)])
        }
        #expect(throws: CNNModelError.self) {
            try CNNModel(name: "x", inputSide: 4, inputMean: 0, inputStandardDeviation: 1,
                         layers: [.maxPool(kernel: 5, stride: 1)])
        }
        #expect(throws: CNNModelError.self) {
            try CNNModel(name: "x", inputSide: 4, inputMean: 0, inputStandardDeviation: 1, layers: [])
        }
        #expect(throws: CNNModelError.self) {
            try CNNModel(name: "x", inputSide: 4, inputMean: 0, inputStandardDeviation: 1,
                         layers: [.linear(CNNLinear(inputFeatures: 15, outputFeatures: 1, weights: [Float](repeating: 0, count: 15), bias: [0]))])
        }
    }

    @Test("a missing file is a typed error")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/medsearch/cnn.msw")
        #expect(throws: CNNModelError.unreadableFile(path: url.path)) { try CNNModel.load(url) }
    }
}
