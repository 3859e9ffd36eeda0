/// The BFV secret key `s` (ternary), held in NTT form over every prime of `q`.
///
/// A final class so that the key material is overwritten with zeros when the last reference goes away.
/// Only the client (key holder) ever has one; servers get ``BFVPublicKey``, ``BFVRelinearizationKey`` and
/// ``BFVGaloisKeys``.
public final class BFVSecretKey: @unchecked Sendable {
    // @unchecked Sendable: the stored arrays are written only in init and in deinit (wiping); all other access
    // is read-only and the class is never shared while being deinitialised.
    /// The parameters the key belongs to.
    public let parameters: BFVParameters
    /// `s` in NTT form, all `k` limbs.
    private(set) var ntt: PolyRq
    /// `s` as signed ternary coefficients (for serialisation).
    private(set) var ternary: [Int8]

    init(parameters: BFVParameters, ntt: PolyRq, ternary: [Int8]) {
        self.parameters = parameters
        self.ntt = ntt
        self.ternary = ternary
    }

    deinit {
        ntt.wipe()
        ternary.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = 0 }
        }
    }
}
