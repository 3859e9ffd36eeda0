import Foundation
import MedSearchCore
@testable import MedSearchFeatures
import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("CNN inference")
struct CNNModelTests {
    @Test("im2col + blocked GEMM inference equals a direct nested-loop forward pass")
    func matchesReferenceForward() throws {
        var generator = seededGenerator(0xC0FFEE)
        for side in [21, 24, 16] {
            let model = try CNNTestSupport.smallModel(side: side, using: &generator)
            for _ in 0..<3 {
                let image = CNNTestSupport.randomImage(side: side, using: &generator)
                let fast = try model.rawOutput(image)
                let slow = CNNTestSupport.referenceForward(model, image)
                #expect(fast.count == slow.count)
                for (a, b) in zip(fast, slow) {
                    #expect(abs(Double(a) - b) <= 1e-4 * max(1, abs(b)), "side \(side): \(a) vs \(b)")
                }
            }
        }
    }

    @Test("wide layers take the 4x8 micro-kernel path and agree with the reference")
    func wideLayers() throws {
        var generator = seededGenerator(7)
        let model = try CNNModel(name: "wide", inputSide: 32, inputMean: 0.5, inputStandardDeviation: 0.25, layers: [
            CNNTestSupport.convolution(1, 16, kernel: 5, stride: 2, padding: 2, using: &generator), .relu,
            CNNTestSupport.convolution(16, 32, kernel: 3, stride: 2, padding: 1, using: &generator), .relu,
            CNNTestSupport.convolution(32, 12, kernel: 3, stride: 1, padding: 1, using: &generator), .relu,
            .maxPool(kernel: 3, stride: 2), .globalAveragePool,
            CNNTestSupport.linear(12, 19, using: &generator),
        ])
        let image = CNNTestSupport.randomImage(side: 32, using: &generator)
        let fast = try model.rawOutput(image)
        let slow = CNNTestSupport.referenceForward(model, image)
        for (a, b) in zip(fast, slow) { #expect(abs(Double(a) - b) <= 1e-4 * max(1, abs(b))) }
    }

    @Test("embeddings are unit length, deterministic, and batch equals single")
    func embeddingProperties() throws {
        var generator = seededGenerator(11)
        let model = try CNNTestSupport.smallModel(using: &generator)
        let images = (0..<4).map { _ in CNNTestSupport.randomImage(side: 21, using: &generator) }
        let batch = try model.embed(images)
        for (image, vector) in zip(images, batch) {
            #expect(vector.count == model.embeddingDimension)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
            #expect(try model.embed(image) == vector)
        }
    }

    @Test("an image of the wrong size is a typed error")
    func wrongSize() throws {
        var generator = seededGenerator(3)
        let model = try CNNTestSupport.smallModel(using: &generator)
        let image = GrayImage(rows: 20, columns: 21, values: [Float](repeating: 0, count: 420))
        #expect(throws: CNNModelError.inputSizeMismatch(expectedSide: 21, rows: 20, columns: 21)) {
            try model.embed(image)
        }
    }

    @Test("bundled models load, fit in 10 MB and describe themselves")
    func bundledModels() throws {
        let names = CNNModel.bundledNames
        #expect(names.contains("cnn-cxr-v1"))
        #expect(names.contains("cnn-pmnist-v1"))
        for name in names {
            let model = try CNNModel.bundled(named: name)
            #expect(model.name == name)
            #expect(model.serialized().count <= 10_000_000)
        }
        let cxr = try CNNModel.bundled(named: "cnn-cxr-v1")
        #expect(cxr.inputSide == 128)
        let pmnist = try CNNModel.bundled(named: "cnn-pmnist-v1")
        #expect(pmnist.inputSide == 28)
        #expect(throws: CNNModelError.resourceNotFound(name: "no-such-model")) {
            try CNNModel.bundled(named: "no-such-model")
        }
    }

    struct Reference: Decodable {
        struct Model: Decodable {
            var input_side: Int
            var cases: [Case]
        }
        struct Case: Decodable {
            var source: String
            var pixels_base64: String
            var raw: [Double]
            var embedding: [Double]
        }
        var models: [String: Model]
    }

    @Test("Swift inference of the bundled models equals PyTorch on committed fixture inputs")
    func matchesPyTorch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("CNNReference.json")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        #expect(Set(reference.models.keys) == ["cnn-cxr-v1", "cnn-pmnist-v1"])
        for (name, expected) in reference.models.sorted(by: { $0.key < $1.key }) {
            let model = try CNNModel.bundled(named: name)
            #expect(model.inputSide == expected.input_side)
            for (caseIndex, testCase) in expected.cases.enumerated() {
                let bytes = try #require(Data(base64Encoded: testCase.pixels_base64))
                #expect(bytes.count == model.inputSide * model.inputSide)
                let image = GrayImage(rows: model.inputSide, columns: model.inputSide,
                                      values: bytes.map { Float($0) / 255 })
                let raw = try model.rawOutput(image)
                // `embed` is `rawOutput` plus L2 normalisation; run it on one case (debug inference is slow).
                let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let embedding = caseIndex == 0 ? try model.embed(image) : raw.map { $0 / norm }
                #expect(raw.count == testCase.raw.count)
                #expect(embedding.count == testCase.embedding.count)
                let scale = testCase.raw.map(abs).max() ?? 1
                for (a, b) in zip(raw, testCase.raw) {
                    #expect(abs(Double(a) - b) <= 2e-4 * max(1, scale), "\(name) \(testCase.source): raw \(a) vs \(b)")
                }
                for (a, b) in zip(embedding, testCase.embedding) {
                    #expect(abs(Double(a) - b) <= 2e-4, "\(name) \(testCase.source): \(a) vs \(b)")
                }
            }
        }
    }
}
