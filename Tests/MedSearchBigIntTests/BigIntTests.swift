import MedSearchBigInt
import MedSearchCore
import Testing
import _MedSearchTestSupport

@Suite("BigInt arithmetic")
struct BigIntTests {
    @Test("operations agree with Int on random operands")
    func agreesWithInt() {
        var rng = seededGenerator(11)
        for _ in 0..<2000 {
            let a = Int.random(in: -(1 << 30)...(1 << 30), using: &rng)
            var b = Int.random(in: -(1 << 30)...(1 << 30), using: &rng)
            if b == 0 { b = 7 }
            let x = BigInt(a), y = BigInt(b)
            #expect((x + y).asInt == a + b)
            #expect((x - y).asInt == a - b)
            #expect((x * y).asInt == a * b)
            #expect((x / y).asInt == a / b)
            #expect((x % y).asInt == a % b)
            #expect((-x).asInt == -a)
            #expect(x.modulo(y).asInt == ((a % b) + abs(b)) % abs(b))
            #expect((x < y) == (a < b))
            #expect((x == y) == (a == b))
            #expect(x.compare(to: b).signum() == (a < b ? -1 : (a == b ? 0 : 1)))
            #expect((x + b).asInt == a + b && (x - b).asInt == a - b && (x * b).asInt == a * b)
            let shift = Int.random(in: 0..<20, using: &rng)
            #expect((x << shift).asInt == a << shift)
            #expect((x >> shift).asInt == a >> shift)
        }
    }

    @Test("division identity and floor division on large values")
    func largeDivision() {
        var rng = seededGenerator(12)
        for _ in 0..<200 {
            let a = BigInt.random(bits: 900, using: &rng) - BigInt.random(bits: 900, using: &rng)
            var b = BigInt.random(bits: 300, using: &rng) - BigInt.random(bits: 300, using: &rng)
            if b.isZero { b = 3 }
            #expect((a / b) * b + a % b == a)
            let (q, r) = a.floorDivided(by: b)
            #expect(q * b + r == a)
            #expect(r.isZero || r.signum == b.signum)
            #expect(r.magnitude < b.magnitude)
        }
    }

    @Test("decimal and hex strings round-trip; malformed strings throw")
    func strings() throws {
        let text = "-123456789012345678901234567890123456789"
        let value = try BigInt(text, radix: 10)
        #expect(value.description == text)
        #expect(try BigInt(value.hexString, radix: 16) == value)
        #expect(try BigInt("ff", radix: 16) == 255)
        #expect(BigInt(UInt64.max).description == "18446744073709551615")
        #expect(throws: BigIntError.invalidString) { try BigInt("12a", radix: 10) }
        #expect(throws: BigIntError.invalidString) { try BigInt("", radix: 10) }
        #expect(throws: BigIntError.invalidString) { try BigInt("-", radix: 10) }
        #expect(throws: BigIntError.invalidString) { try BigInt("1 2", radix: 10) }
        #expect(throws: BigIntError.invalidRadix(1)) { try BigInt("1", radix: 1) }
        #expect(BigInt("x") == nil)
    }

    @Test("big-endian bytes round-trip")
    func bytes() {
        var rng = seededGenerator(13)
        #expect(BigInt(magnitudeBytes: []).isZero)
        #expect(BigInt().magnitudeBytes() == [])
        #expect(BigInt(magnitudeBytes: [0x01, 0x00]) == 256)
        #expect(BigInt(258).magnitudeBytes(count: 4) == [0, 0, 1, 2])
        #expect(BigInt(1 << 40).magnitudeBytes(count: 2) == nil)
        for bits in [1, 7, 8, 9, 64, 65, 1000, 2048] {
            let x = BigInt.random(bits: bits, using: &rng)
            #expect(x.bitWidth <= bits)
            #expect(BigInt(magnitudeBytes: x.magnitudeBytes()) == x)
            #expect(BigInt(magnitudeBytes: [0, 0] + x.magnitudeBytes()) == x)
        }
    }

    @Test("copy on write keeps copies independent")
    func copyOnWrite() {
        let a = BigInt(5)
        var b = a
        b += 1
        #expect(a == 5 && b == 6)
        var c = b
        c.multiply(by: 10, modulo: 1000)
        #expect(b == 6 && c == 60)
        var d = c
        d.wipe()
        #expect(c == 60 && d.isZero)
        var e = c
        e.markSecret()
        #expect(e.isSecret && !c.isSecret && e == c)
    }

    @Test("modular exponentiation: secure and variable-time agree with square-and-multiply")
    func modularPower() {
        var rng = seededGenerator(14)
        for _ in 0..<40 {
            var m = BigInt.random(bits: 256, using: &rng)
            if !m.isOdd { m += 1 }
            let base = BigInt.random(below: m, using: &rng)
            let e = BigInt.random(bits: 70, using: &rng) + 1
            // Reference: right-to-left square and multiply with plain products.
            var reference = BigInt(1), power = base, exponent = e
            while !exponent.isZero {
                if exponent.isOdd { reference = (reference * power).modulo(m) }
                power = (power * power).modulo(m)
                exponent = exponent >> 1
            }
            #expect(base.power(e, modulo: m) == reference)
            #expect(base.power(e, modulo: m, variableTime: true) == reference)
            if let small = e.asUInt64 {
                #expect(base.power(UInt(small), modulo: m) == reference)
            }
        }
        #expect(BigInt(7).power(0, modulo: 11) == 1)
        #expect(BigInt(7).power(5, modulo: 1) == 0)
        #expect(BigInt(3).power(-1, modulo: 7, variableTime: true) == 5)
    }

    @Test("inverse, gcd, lcm")
    func inverse() {
        var rng = seededGenerator(15)
        let p = BigInt.prime(bits: 128, using: &rng)
        for _ in 0..<50 {
            let a = BigInt.random(below: p, using: &rng)
            if a.isZero { continue }
            let inverse = a.inverse(modulo: p)
            #expect(inverse != nil)
            #expect(BigInt.multiply(a, inverse!, modulo: p) == 1)
        }
        #expect(BigInt(6).inverse(modulo: 9) == nil)
        #expect(BigInt.gcd(12, 18) == 6)
        #expect(BigInt.lcm(4, 6) == 12)
    }

    @Test("primes have the requested size and pass primality; composites fail")
    func primes() {
        var rng = seededGenerator(16)
        for bits in [16, 64, 256, 512] {
            let p = BigInt.prime(bits: bits, using: &rng)
            #expect(p.bitWidth == bits)
            #expect(p.testBit(bits - 1) && p.testBit(bits - 2))
            #expect(p.isProbablePrime())
        }
        let p = BigInt.prime(bits: 128, using: &rng), q = BigInt.prime(bits: 128, using: &rng)
        #expect(!(p * q).isProbablePrime())
        #expect(!BigInt(561).isProbablePrime())  // Carmichael number
        #expect(BigInt(65537).isProbablePrime())
        // Same seed, same prime: generation is a function of the randomness.
        var a = SeededRandomNumberGenerator(seed: 99), b = SeededRandomNumberGenerator(seed: 99)
        #expect(BigInt.prime(bits: 256, using: &a) == BigInt.prime(bits: 256, using: &b))
    }

    @Test("random below a bound stays below and covers the range")
    func randomBelow() {
        var rng = seededGenerator(17)
        var seen = Set<Int>()
        for _ in 0..<500 {
            let x = BigInt.random(below: 10, using: &rng)
            #expect(x.signum >= 0 && x < 10)
            seen.insert(x.asInt!)
        }
        #expect(seen.count == 10)
        let unit = BigInt.randomUnit(modulo: 15, using: &rng)
        #expect(BigInt.gcd(unit, 15) == 1)
    }

    @Test("wire encoding round-trips and rejects bad input")
    func wire() throws {
        var writer = ByteWriter()
        let values: [BigInt] = [0, 1, -1, try BigInt("-98765432109876543210", radix: 10), BigInt(1) << 1000]
        for v in values { writer.write(v) }
        writer.write(BigInt(300), fixedWidth: 4)
        var reader = ByteReader(writer.bytes)
        for v in values { #expect(try reader.readBigInt(maxBytes: 200) == v) }
        #expect(try reader.readBigInt(fixedWidth: 4) == 300)
        try reader.expectEnd()

        var big = ByteWriter()
        big.write(BigInt(1) << 2000)
        var limited = ByteReader(big.bytes)
        #expect(throws: WireError.self) { try limited.readBigInt(maxBytes: 100) }
        var negativeZero = ByteReader([1, 0, 0, 0, 0])
        #expect(throws: WireError.self) { try negativeZero.readBigInt(maxBytes: 10) }
        var truncated = ByteReader([0, 5, 0, 0, 0, 1])
        #expect(throws: WireError.self) { try truncated.readBigInt(maxBytes: 10) }
    }

    @Test("hashing is consistent with equality")
    func hashing() {
        let a = BigInt(1) << 100, b = (BigInt(1) << 101) >> 1
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(Set([a, b, -a]).count == 2)
    }
}
