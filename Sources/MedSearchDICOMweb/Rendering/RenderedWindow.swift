import Foundation
import MedSearchImaging

/// The VOI window of a WADO-RS rendered request (PS3.18 8.3.5.1.4, the `window` query parameter:
/// `center,width[,function]` with function `linear` (default), `linear-exact` or `sigmoid`), and the presets
/// the clinicians' viewer offers.
public enum RenderedWindow {
    /// A named window a radiologist expects (CT values in Hounsfield units).
    public struct Preset: Sendable, Equatable {
        /// The value sent in forms (`lung`, `bone`...).
        public var name: String
        /// What the viewer shows.
        public var title: String
        /// The window.
        public var window: VOIWindow
    }

    /// The usual CT presets (centre/width in HU). The instance's own window is not a preset: it is the default.
    public static let presets: [Preset] = [
        Preset(name: "lung", title: "CT lung (-600 / 1500)", window: VOIWindow(center: -600, width: 1500)),
        Preset(name: "mediastinum", title: "CT mediastinum (50 / 350)", window: VOIWindow(center: 50, width: 350)),
        Preset(name: "bone", title: "CT bone (400 / 1800)", window: VOIWindow(center: 400, width: 1800)),
        Preset(name: "brain", title: "CT brain (40 / 80)", window: VOIWindow(center: 40, width: 80)),
    ]

    /// The largest magnitude accepted for a centre or width (well beyond any 32-bit modality value).
    public static let maximumMagnitude = 1e9

    /// Parses a `window` parameter.
    /// - Throws: ``DICOMwebError/invalidQueryValue(key:reason:)`` for anything but two finite numbers (width > 0,
    ///   both at most ``maximumMagnitude`` in magnitude) and an optional known function.
    public static func parse(_ text: String) throws(DICOMwebError) -> VOIWindow {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count == 2 || fields.count == 3, let center = Double(fields[0]), let width = Double(fields[1]),
              center.isFinite, width.isFinite, abs(center) <= maximumMagnitude, width > 0, width <= maximumMagnitude else {
            throw .invalidQueryValue(key: "window", reason: "expected center,width[,function] with width > 0")
        }
        let function: VOIWindow.Function
        switch fields.count == 3 ? fields[2].lowercased() : "linear" {
        case "linear": function = .linear
        case "linear-exact": function = .linearExact
        case "sigmoid": function = .sigmoid
        default: throw .invalidQueryValue(key: "window", reason: "the function is linear, linear-exact or sigmoid")
        }
        return VOIWindow(center: center, width: width, function: function)
    }

    /// The `window` parameter for `window` (the inverse of ``parse(_:)``; whole numbers without a fraction).
    public static func parameter(_ window: VOIWindow) -> String {
        let function = switch window.function {
        case .linear: "linear"
        case .linearExact: "linear-exact"
        case .sigmoid: "sigmoid"
        }
        return "\(number(window.center)),\(number(window.width)),\(function)"
    }

    /// A number as a form shows it: whole numbers without a fraction, others in Swift's shortest form.
    public static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
