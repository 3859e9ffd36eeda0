import MedSearchBFV
import MedSearchCore
import Testing
import _MedSearchTestSupport

@Suite struct BFVSerializationTests {
    @Test(arguments: [BFVParameters.insecureN512, .insecureN512Special])
    func roundTripsAndSeededHalfSize(parameters: BFVParameters) throws {
        var f = try Fixture(parameters, seed: 21)
        let context = f.context
        let a = f.randomSlots()
        let pkCt = try f.encrypt(a)
        let skCt = try f.encrypt(a, secret: true)
        let pkBytes = context.serialize(pkCt)
        let skBytes = context.serialize(skCt)
        #expect(skBytes.count * 2 < pkBytes.count + 200, "seeded ciphertext is about half size")
        #expect(try context.deserializeCiphertext(pkBytes) == pkCt)
        #expect(try context.deserializeCiphertext(skBytes) == skCt)
        #expect(try f.decrypt(context.deserializeCiphertext(skBytes)) == a)
        let product = try context.multiply(pkCt, skCt)
        #expect(try context.deserializeCiphertext(context.serialize(product)) == product)
        let low = try context.modSwitchToNext(pkCt)
        #expect(try context.deserializeCiphertext(context.serialize(low)) == low)
        // Keys.
        let sk2 = try context.deserializeSecretKey(context.serialize(f.sk))
        #expect(try context.decode(try context.decrypt(pkCt, secretKey: sk2)) == a)
        let pk2 = try context.deserializePublicKey(context.serialize(f.pk))
        #expect(pk2 == f.pk)
        let rk2 = try context.deserializeRelinearizationKey(context.serialize(f.rk))
        #expect(rk2 == f.rk)
        let gk2 = try context.deserializeGaloisKeys(context.serialize(f.gk))
        #expect(gk2 == f.gk)
        #expect(try f.decrypt(context.rotateRows(pkCt, by: 1, keys: gk2)) == rotated(a, by: 1))
        #expect(try f.decrypt(context.relinearize(product, key: rk2)) == f.decrypt(product))
        // The other N = 512 set (with / without a special prime) refuses these objects.
        let other = try BFVContext.cached(parameters == .insecureN512 ? .insecureN512Special : .insecureN512)
        #expect(throws: BFVError.self) { try other.deserializeCiphertext(pkBytes) }
        #expect(throws: BFVError.self) { try other.deserializeRelinearizationKey(context.serialize(f.rk)) }
        #expect(throws: BFVError.self) { try other.deserializeGaloisKeys(context.serialize(f.gk)) }
    }

    @Test func malformedAndMismatchedInputIsRejected() throws {
        var f = try Fixture(.insecureN256, seed: 22)
        let context = f.context
        let ct = try f.encrypt(f.randomSlots())
        let bytes = context.serialize(ct)
        // Every truncation is a typed error.
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
            #expect(throws: BFVError.self) { try context.deserializeCiphertext(Array(bytes.prefix(cut))) }
        }
        #expect(throws: BFVError.self) { try context.deserializeCiphertext(bytes + [0]) }
        // Wrong tag, future version.
        var wrongTag = bytes; wrongTag[0] = UInt8(ascii: "X")
        #expect(throws: BFVError.self) { try context.deserializeCiphertext(wrongTag) }
        var future = bytes; future[4] = 9
        #expect(throws: BFVError.self) { try context.deserializeCiphertext(future) }
        // A residue at or above its prime (all-ones bits) is rejected.
        var tampered = bytes
        for i in (tampered.count - 64)..<tampered.count { tampered[i] = 0xFF }
        #expect(throws: BFVError.self) { try context.deserializeCiphertext(tampered) }
        // Objects of another parameter set.
        let other = try BFVContext.cached(.insecureN512)
        #expect(throws: BFVError.self) { try other.deserializeCiphertext(bytes) }
        #expect(throws: BFVError.self) { try other.deserializePublicKey(context.serialize(f.pk)) }
        #expect(throws: BFVError.self) { try other.deserializeSecretKey(context.serialize(f.sk)) }
        #expect(throws: BFVError.self) { try context.deserializeRelinearizationKey(context.serialize(f.pk)) }
        #expect(throws: BFVError.self) { try context.deserializeGaloisKeys([]) }
        // Out-of-range encodings.
        #expect(throws: BFVError.self) { try context.encode([f.t]) }
        #expect(throws: BFVError.self) { try context.encode([UInt64](repeating: 0, count: f.n + 1)) }
        _ = f.randomSlots()
    }
}
