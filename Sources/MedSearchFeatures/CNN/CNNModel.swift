import Foundation
import MedSearchCore
import MedSearchImaging

/// A small convolutional network that turns a grayscale image into an L2-normalised embedding.
///
/// The network is trained offline (`scripts/train/`, see `docs/cnn.md`) and exported to a versioned
/// little-endian weights file (``CNNModel/magic``, documented in `docs/cnn.md`) that this type reads;
/// inference is pure Swift (im2col + a register-blocked SIMD matrix product), single-threaded, with every
/// scratch buffer allocated once per call (or once per batch), never per layer.
///
/// ```swift
/// let model = try CNNModel.bundled(named: "cnn-cxr-v1")
/// // `image` already resized to model.inputSide x model.inputSide, values in 0...1
/// let embedding = try model.embed(image)          // model.embeddingDimension floats, unit length
/// ```
///
/// The model file carries its own input side and normalisation; ``name`` (for example `cnn-cxr-v1`) and
/// ``fingerprint`` identify it, so an index can record which model encoded its vectors and refuse queries
/// encoded by another one.
public struct CNNModel: Sendable {
    /// The model's name and version, as stored in the file (for example `cnn-cxr-v1`).
    public let name: String
    /// Side of the square input image the network expects.
    public let inputSide: Int
    /// Input normalisation: the network reads `(value - inputMean) / inputStandardDeviation` for image values in 0...1.
    public let inputMean: Float
    /// See ``inputMean``.
    public let inputStandardDeviation: Float
    /// The layers, applied in order; the embedding is the flattened output, L2-normalised.
    public let layers: [CNNLayer]
    /// Length of the embedding.
    public let embeddingDimension: Int
    /// FNV-1a 64-bit hash of the serialized model (not cryptographic): equal models have equal fingerprints.
    public let fingerprint: UInt64

    let plan: CNNPlan

    /// Limits that keep a hostile or corrupt file from asking for unbounded memory or time.
    enum Limits {
        static let maxInputSide = 1024
        static let maxLayers = 256
        static let maxChannels = 4096
        static let maxKernel = 15
        static let maxStride = 8
        static let maxParameters = 1 << 24
        static let maxActivation = 1 << 24
        static let maxColumnBuffer = 1 << 25
        static let maxNameLength = 256
    }

    /// Builds a model from its layers, checking that every shape chains and stays within bounds.
    ///
    /// - Throws: ``CNNModelError/invalidModel(reason:)`` when the layers do not fit together.
    public init(name: String, inputSide: Int, inputMean: Float, inputStandardDeviation: Float,
                layers: [CNNLayer]) throws(CNNModelError) {
        guard name.utf8.count <= Limits.maxNameLength else { throw .invalidModel(reason: "name too long") }
        guard (1...Limits.maxInputSide).contains(inputSide) else {
            throw .invalidModel(reason: "input side \(inputSide) outside 1...\(Limits.maxInputSide)")
        }
        guard inputMean.isFinite, inputStandardDeviation.isFinite, inputStandardDeviation > 0 else {
            throw .invalidModel(reason: "input normalisation must be finite with a positive deviation")
        }
        guard !layers.isEmpty, layers.count <= Limits.maxLayers else {
            throw .invalidModel(reason: "layer count \(layers.count) outside 1...\(Limits.maxLayers)")
        }
        let plan = try CNNPlan(layers: layers, input: CNNShape(channels: 1, height: inputSide, width: inputSide))
        self.name = name
        self.inputSide = inputSide
        self.inputMean = inputMean
        self.inputStandardDeviation = inputStandardDeviation
        self.layers = layers
        self.plan = plan
        self.embeddingDimension = plan.output.count
        self.fingerprint = Self.fnv1a(Self.encode(name: name, inputSide: inputSide, inputMean: inputMean,
                                                  inputStandardDeviation: inputStandardDeviation, layers: layers))
    }

    /// Loads a weights file from disk.
    ///
    /// - Throws: ``CNNModelError/unreadableFile(path:)``, ``CNNModelError/malformed(_:)`` or
    ///   ``CNNModelError/invalidModel(reason:)``.
    public static func load(_ url: URL) throws(CNNModelError) -> CNNModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadableFile(path: url.path) }
        do { return try CNNModel(serialized: [UInt8](data)) } catch { throw .malformed(error) }
    }

    /// Loads a weights file shipped in MedSearchFeatures' resources (`Resources/<name>.msw`).
    ///
    /// Bundled models: `cnn-cxr-v1` (chest X-rays, 128x128 input) and `cnn-pmnist-v1` (PneumoniaMNIST, 28x28
    /// input, never trained on cxr-extra); see `docs/cnn.md` for how each was trained and how well it retrieves.
    ///
    /// - Throws: ``CNNModelError/resourceNotFound(name:)`` or any error of ``load(_:)``.
    public static func bundled(named name: String) throws(CNNModelError) -> CNNModel {
        guard let url = bundledURL(named: name) else { throw .resourceNotFound(name: name) }
        return try load(url)
    }

    /// Names of the weights files bundled with MedSearchFeatures, sorted.
    public static var bundledNames: [String] {
        guard let folder = Bundle.module.url(forResource: "Resources", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return files.filter { $0.hasSuffix(".msw") }.map { String($0.dropLast(4)) }.sorted()
    }

    static func bundledURL(named name: String) -> URL? {
        guard !name.isEmpty, !name.contains("/"), !name.contains("..") else { return nil }
        if let url = Bundle.module.url(forResource: name, withExtension: "msw", subdirectory: "Resources") {
            return url
        }
        return Bundle.module.url(forResource: name, withExtension: "msw")
    }

    /// The embedding of one image: ``embeddingDimension`` floats with unit Euclidean norm (all zeros if the
    /// network output is exactly zero).
    ///
    /// - Parameter image: grayscale values in 0...1, exactly ``inputSide`` x ``inputSide``.
    /// - Throws: ``CNNModelError/inputSizeMismatch(expectedSide:rows:columns:)``.
    public func embed(_ image: GrayImage) throws(CNNModelError) -> [Float] {
        var workspace = CNNWorkspace(plan: plan)
        return try embed(image, workspace: &workspace)
    }

    /// Embeddings of several images, reusing one set of scratch buffers.
    ///
    /// - Throws: ``CNNModelError/inputSizeMismatch(expectedSide:rows:columns:)`` for the first bad image.
    public func embed(_ images: [GrayImage]) throws(CNNModelError) -> [[Float]] {
        var workspace = CNNWorkspace(plan: plan)
        var result = [[Float]]()
        result.reserveCapacity(images.count)
        for image in images { result.append(try embed(image, workspace: &workspace)) }
        return result
    }

    /// The raw network output before L2 normalisation (for tests and diagnostics).
    public func rawOutput(_ image: GrayImage) throws(CNNModelError) -> [Float] {
        var workspace = CNNWorkspace(plan: plan)
        try check(image)
        return run(image, workspace: &workspace)
    }

    func embed(_ image: GrayImage, workspace: inout CNNWorkspace) throws(CNNModelError) -> [Float] {
        try check(image)
        var output = run(image, workspace: &workspace)
        var norm: Float = 0
        for value in output { norm += value * value }
        norm = norm.squareRoot()
        if norm > 0 {
            let scale = 1 / norm
            for index in output.indices { output[index] *= scale }
        }
        return output
    }

    private func check(_ image: GrayImage) throws(CNNModelError) {
        guard image.rows == inputSide, image.columns == inputSide else {
            throw .inputSizeMismatch(expectedSide: inputSide, rows: image.rows, columns: image.columns)
        }
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
