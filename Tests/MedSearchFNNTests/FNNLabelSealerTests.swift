import MedSearchCore
import MedSearchFNN
import Testing
import _MedSearchTestSupport

/// Label keys come from key files and public initialisers: a key of the wrong length is a typed error.
@Suite("FNN label sealing")
struct FNNLabelSealerTests {
    @Test("labels round-trip under a 32-byte key and are bound to their record id")
    func roundTrip() throws {
        var rng = seededGenerator(71)
        let key = SecureRandom.bytes(32, using: &rng)
        let sealed = try FNNLabelSealer.seal("Effusion", id: 7, key: key)
        #expect(try FNNLabelSealer.open(sealed, id: 7, key: key) == "Effusion")
        #expect(throws: FNNError.labelAuthenticationFailed) { try FNNLabelSealer.open(sealed, id: 8, key: key) }
        var other = key
        other[0] ^= 1
        #expect(throws: FNNError.labelAuthenticationFailed) { try FNNLabelSealer.open(sealed, id: 7, key: other) }
    }

    @Test("a label key that is not 32 bytes is refused, not a crash", arguments: [0, 16, 20, 24, 31, 33])
    func wrongKeyLength(length: Int) throws {
        var rng = seededGenerator(72)
        let key = SecureRandom.bytes(length, using: &rng)
        #expect(throws: FNNError.self) { try FNNLabelSealer.seal("x", id: 1, key: key) }
        let sealed = try FNNLabelSealer.seal("x", id: 1, key: SecureRandom.bytes(32, using: &rng))
        #expect(throws: FNNError.labelAuthenticationFailed) { try FNNLabelSealer.open(sealed, id: 1, key: key) }
        // Through the owner: encoding records with such a key throws.
        let parameters = try FNNParameters(backend: .shared, dimension: 2, maxAbsCoordinate: 255)
        let owner = try FNNOwner(keys: FNNOwnerKeys(parameters: parameters, labelKey: key,
                                                    sharedMaster: SecureRandom.bytes(32, using: &rng),
                                                    paillierSecretKey: nil, randomizerBase: nil))
        #expect(throws: FNNError.self) {
            try owner.encode([FNNRecordInput(id: 1, vector: [3, 4], label: "Nodule")])
        }
    }
}
