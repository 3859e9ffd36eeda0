import Foundation
import MedSearchCore
import MedSearchSecureKNN

/// A registered image user of SEI: generates trapdoors locally (GenTrap, with a fresh `gamma` per query),
/// optionally hides the real query among K-1 decoys (K-anonymity, sei.md 5.5), keeps only the real
/// query's results, and opens sealed images (DecImage).
///
/// ```swift
/// let secret = try SecureKNNUserSecret.generate(dimension: 128)     // send secret.registrationRequest to the owner
/// let user = try SEIUser(credentials: credentials, secret: secret)
/// let (request, pending) = try user.makeSearch(rawFeature, options: .init(k: 10), anonymity: 4)
/// let hits = try user.results(from: response, for: pending)          // response from the cloud
/// ```
public struct SEIUser: Sendable {
    /// The trapdoor key (`Abar`, `U`, `W`).
    public let queryKey: SecureKNNQueryKey
    /// The feature pipeline.
    public let model: SEIFeatureModel
    let cipher: SEIImageCipher

    /// Combines the owner's credentials with the user's own secret `W`.
    /// - Throws: ``SEIError`` when they do not fit together.
    public init(credentials: SEIUserCredentials, secret: SecureKNNUserSecret) throws(SEIError) {
        guard credentials.model.dimension == secret.dimension else {
            throw .featureDimensionMismatch(expected: credentials.model.dimension, actual: secret.dimension)
        }
        queryKey = try wrapping { try SecureKNNQueryKey(grant: credentials.grant, secret: secret) }
        model = credentials.model
        cipher = try SEIImageCipher(key: SecretBytes(credentials.imageKey))
    }

    /// A query waiting for its response: which trapdoor was the real one.
    public struct PendingSearch: Sendable, Equatable {
        /// The position of the real trapdoor in the request.
        public let realPosition: Int
        /// The number of trapdoors sent.
        public let trapdoorCount: Int
    }

    /// GenTrap for one raw query feature: reduces it, and encrypts it with a fresh `gamma`; with
    /// `anonymity = K > 1` adds K-1 decoy trapdoors at random positions.
    ///
    /// Decoys are drawn from a Gaussian with the PCA variances of the indexed collection, so their
    /// distribution resembles real queries; they are discarded by ``results(from:for:)``.
    public func makeSearch(_ rawFeature: [Float], options: SEISearchOptions, anonymity: Int = 1) throws(SEIError) -> (SEISearchRequest, PendingSearch) {
        var generator = SecureRandomGenerator()
        return try makeSearch(reducedQuery: model.reduce(rawFeature), options: options, anonymity: anonymity, using: &generator)
    }

    /// GenTrap for an already reduced query, with an explicit generator (tests, benchmarks).
    public func makeSearch(reducedQuery: [Double], options: SEISearchOptions, anonymity: Int = 1,
                           using generator: inout some RandomNumberGenerator) throws(SEIError) -> (SEISearchRequest, PendingSearch) {
        try options.validate()
        guard anonymity >= 1, anonymity <= 64 else { throw .invalidParameter("anonymity K must be in 1...64") }
        let realPosition = Int.random(in: 0..<anonymity, using: &generator)
        var trapdoors = [[Double]]()
        for position in 0..<anonymity {
            let vector = position == realPosition ? reducedQuery : decoy(using: &generator)
            trapdoors.append(try wrapping { try queryKey.trapdoor(for: vector, using: &generator) })
        }
        return (SEISearchRequest(options: options, trapdoors: trapdoors),
                PendingSearch(realPosition: realPosition, trapdoorCount: anonymity))
    }

    /// A decoy query in the reduced space.
    func decoy(using generator: inout some RandomNumberGenerator) -> [Double] {
        model.pca.explainedVariances.map { variance in
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return z * variance.squareRoot() * model.scale
        }
    }

    /// Keeps the real query's hits from a response.
    /// - Throws: ``SEIError/malformedMessage(_:)`` when the response does not match the request.
    public func results(from response: SEISearchResponse, for pending: PendingSearch) throws(SEIError) -> [SEIHit] {
        guard response.results.count == pending.trapdoorCount else {
            throw .malformedMessage("response has \(response.results.count) result lists for \(pending.trapdoorCount) trapdoors")
        }
        return response.results[pending.realPosition]
    }

    /// DecImage: opens a sealed image.
    public func openImage(_ sealed: [UInt8], id: String) throws(SEIError) -> [UInt8] {
        try cipher.open(sealed, id: id)
    }
}

