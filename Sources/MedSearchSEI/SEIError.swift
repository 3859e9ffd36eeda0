import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import MedSearchSecureKNN

/// Why an SEI operation was refused. Payloads name what was wrong, never feature values, keys or images.
public enum SEIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter was out of range.
    case invalidParameter(String)
    /// Not enough images to build an index.
    case tooFewImages(got: Int, needed: Int)
    /// Feature vectors had inconsistent or unexpected lengths.
    case featureDimensionMismatch(expected: Int, actual: Int)
    /// The index has not been built yet.
    case indexNotBuilt
    /// An image id was given twice or already exists.
    case duplicateImage(String)
    /// An image id is unknown.
    case unknownImage(String)
    /// A message or stored state could not be decoded.
    case wire(WireError)
    /// A message or stored state is inconsistent with the index or the request.
    case malformedMessage(String)
    /// A sealed image did not authenticate (wrong key or tampered data).
    case imageAuthenticationFailed
    /// A secure kNN operation failed.
    case secureKNN(SecureKNNError)
    /// PCA failed.
    case pca(PCAError)
    /// Clustering or the index tree failed.
    case indexTree(IndexTreeError)

    public var description: String {
        switch self {
        case let .invalidParameter(reason): "invalid parameter: \(reason)"
        case let .tooFewImages(got, needed): "SEI needs at least \(needed) images to build an index, got \(got)"
        case let .featureDimensionMismatch(expected, actual): "feature vector of length \(actual), expected \(expected)"
        case .indexNotBuilt: "the SEI index has not been built yet"
        case let .duplicateImage(id): "image id \(id.debugDescription) already exists"
        case let .unknownImage(id): "unknown image id \(id.debugDescription)"
        case let .wire(error): "malformed SEI message: \(error)"
        case let .malformedMessage(reason): "malformed SEI message: \(reason)"
        case .imageAuthenticationFailed: "sealed image failed authentication (wrong key or tampered data)"
        case let .secureKNN(error): "secure kNN: \(error)"
        case let .pca(error): "PCA: \(error)"
        case let .indexTree(error): "index tree: \(error)"
        }
    }
}

/// Runs `body`, wrapping the typed errors of lower layers in ``SEIError``.
@discardableResult
func wrapping<T>(_ body: () throws -> T) throws(SEIError) -> T {
    do {
        return try body()
    } catch let error as SEIError {
        throw error
    } catch let error as WireError {
        throw .wire(error)
    } catch let error as SecureKNNError {
        throw .secureKNN(error)
    } catch let error as PCAError {
        throw .pca(error)
    } catch let error as IndexTreeError {
        throw .indexTree(error)
    } catch {
        throw .malformedMessage(String(describing: error))
    }
}
