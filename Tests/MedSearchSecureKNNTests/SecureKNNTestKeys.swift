import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchSecureKNN

/// An owner and the query key of one user it registered, for dimension `d`, drawn from `generator` in this order:
/// the owner's key, the user's secret, then the query key from the owner's grant and that secret.
func registeredUser(dimension d: Int, using generator: inout SeededRandomNumberGenerator) throws
    -> (owner: SecureKNNOwnerKey, key: SecureKNNQueryKey) {
    let owner = try SecureKNNOwnerKey.generate(dimension: d, using: &generator)
    let secret = try SecureKNNUserSecret.generate(dimension: d, using: &generator)
    return (owner, try SecureKNNQueryKey(grant: owner.register(secret.registrationRequest), secret: secret))
}
