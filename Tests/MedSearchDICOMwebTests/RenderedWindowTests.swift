import MedSearchImaging
import Testing
@testable import MedSearchDICOMweb

@Suite struct RenderedWindowTests {
    @Test func parsesTheWindowParameter() throws {
        #expect(try RenderedWindow.parse("40,400") == VOIWindow(center: 40, width: 400, function: .linear))
        #expect(try RenderedWindow.parse("-600, 1500, linear-exact") == VOIWindow(center: -600, width: 1500, function: .linearExact))
        #expect(try RenderedWindow.parse("0.5,2.25,SIGMOID") == VOIWindow(center: 0.5, width: 2.25, function: .sigmoid))
    }

    @Test func refusesBadWindows() {
        for bad in ["", "40", "40,0", "40,-3", "nan,400", "40,inf", "1e12,400", "40,400,cubic", "40,400,linear,x", "a,b"] {
            #expect(throws: DICOMwebError.self, "\(bad)") { try RenderedWindow.parse(bad) }
        }
    }

    @Test func parameterRoundTrips() throws {
        for preset in RenderedWindow.presets {
            #expect(try RenderedWindow.parse(RenderedWindow.parameter(preset.window)) == preset.window)
        }
        let odd = VOIWindow(center: 12.5, width: 3.75, function: .linearExact)
        #expect(RenderedWindow.parameter(odd) == "12.5,3.75,linear-exact")
        #expect(try RenderedWindow.parse(RenderedWindow.parameter(odd)) == odd)
        #expect(RenderedWindow.presets.map(\.name) == ["lung", "mediastinum", "bone", "brain"])
    }
}
