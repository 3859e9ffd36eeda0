import Testing

@testable import MedSearchCore

@Suite("Secure random generator")
struct SecureRandomGeneratorTests {
    @Test("outputs do not repeat, within one generator, across generators and across copies of one")
    func distinctOutputs() {
        let generator = SecureRandomGenerator()
        let words = (0..<4096).map { _ in generator.next() }
        #expect(Set(words).count == words.count)
        let other = SecureRandomGenerator()
        let otherWords = (0..<64).map { _ in other.next() }
        #expect(Set(otherWords).isDisjoint(with: words))
        // A copy shares the stream: the two never hand out the same word.
        let copy = generator
        let interleaved = (0..<128).flatMap { _ in [generator.next(), copy.next()] }
        #expect(Set(interleaved).count == interleaved.count)
        #expect(Set(interleaved).isDisjoint(with: words))
    }

    @Test("bytes are spread evenly over 0...255 and bits are balanced (generous bounds)")
    func byteDistribution() {
        var generator = SecureRandomGenerator()
        let count = 1 << 18
        let bytes = SecureRandom.bytes(count, using: &generator)
        var histogram = [Int](repeating: 0, count: 256)
        for byte in bytes { histogram[Int(byte)] += 1 }
        let expected = Double(count) / 256
        let chiSquare = histogram.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        // 255 degrees of freedom: mean 255, standard deviation 22.6; 420 lies beyond seven deviations.
        #expect(chiSquare < 420, "chi-square \(chiSquare)")
        let ones = bytes.reduce(0) { $0 + $1.nonzeroBitCount }
        let bits = Double(count * 8)
        // Binomial(2^21, 1/2): standard deviation 724 bits; allow ten.
        #expect(abs(Double(ones) - bits / 2) < 7_240, "ones \(ones) of \(bits)")
    }

    @Test("the buffer is filled on first use, refilled exactly at its end, and each handed-out word is zeroed")
    func refillBoundary() {
        let words = SecureRandomGenerator.bufferWords
        let generator = SecureRandomGenerator()
        #expect(generator.refills == 0)
        #expect(generator.bufferedWords == [UInt64](repeating: 0, count: words))
        var drawn = [generator.next()]
        #expect(generator.refills == 1)
        #expect(generator.bufferedWords[0] == 0)
        #expect(generator.bufferedWords[1...].allSatisfy { $0 != 0 })
        #expect(!generator.bufferedWords.contains(drawn[0]))
        for _ in 1..<words { drawn.append(generator.next()) }
        #expect(generator.refills == 1)
        #expect(generator.bufferedWords == [UInt64](repeating: 0, count: words))
        drawn.append(generator.next())
        #expect(generator.refills == 2)
        #expect(generator.bufferedWords[0] == 0)
        #expect(generator.bufferedWords[1...].allSatisfy { $0 != 0 })
        #expect(Set(drawn).count == words + 1)
    }

    @Test("as the generator of the standard library's generic algorithms")
    func genericUse() {
        var generator = SecureRandomGenerator()
        let values = (0..<1000).map { _ in Int.random(in: 10..<20, using: &generator) }
        #expect(values.allSatisfy { (10..<20).contains($0) })
        #expect(Set(values) == Set(10..<20))
        let shuffled = Array(0..<100).shuffled(using: &generator)
        #expect(shuffled.sorted() == Array(0..<100))
        #expect(shuffled != Array(0..<100))
        #expect(SecureRandom.bytes(33).count == 33)
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }
}
