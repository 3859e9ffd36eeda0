/// One number a paper reports, transcribed from ../shared/papers with the table or figure it comes from.
public struct PaperFigure: Codable, Sendable, Equatable {
    /// `fnn`, `sei` or `trustmed`.
    public var paper: String
    /// Where it is printed: `Table II`, `Fig. 11 (text)`.
    public var source: String
    /// The row or setting: `n = 500`, `d = 64, k = 10`, `Infiltration, k = 50`.
    public var setting: String
    /// What is measured: `search time`, `P@k`.
    public var quantity: String
    public var value: Double
    /// `h`, `ms`, `%`, `KB`, or empty for a ratio.
    public var unit: String
}

/// The papers' own figures beside which docs/RESULTS.md sets MedSearch's, and each paper's machine and data.
/// Transcribed by hand from the papers in ../shared/papers; only numbers printed in a table or in the text are
/// here (Figs. 8-9 of SEI and Fig. 5 of TrustMedSearch are plots without printed values).
public enum ComparePapers {
    /// The machine, implementation and data of each paper's experiments (their experiment sections).
    public static let setting: [String: (machine: String, data: String)] = [
        "fnn": ("Intel Core i7-7700 at 3.60 GHz, 3.8 GB, Ubuntu 15.10; C with Paillier (Section 5)",
                "LIDC-IDRI CT images, 512x512 (Table I) and their central 256x256 crops (Table II), pixels as vectors"),
        "sei": ("KVM virtual machine at 2.1 GHz, 4 GB, Ubuntu 18.04; Python with NumPy (Section 6)",
                "Caltech-256, 50 categories, n = 4000, 512-dimensional CNN features reduced by PCA"),
        "trustmed": ("Intel Xeon, 64 GB RAM, NVIDIA Quadro P5000, 64-bit Windows; Python with OpenCV (Section VI)",
                     "ChestX-ray8 (112,120 images), Atelectasis, Infiltration, Cardiomegaly, Effusion; ConvNeXt hashcodes"),
    ]

    /// The sizes of FNN's Tables I and II.
    public static let fnnSizes = [100, 200, 300, 400, 500]

    public static let figures: [PaperFigure] = fnn + sei + trustMed

    static let fnn: [PaperFigure] = {
        let tables: [(String, String, [Double], [Double], [Double])] = [
            ("Table I", "512x512", [549.7, 1121.4, 1650.8, 2148.8, 2674.4], [39.0, 38.5, 42.0, 40.3, 40.8],
             [6.39, 12.76, 17.93, 24.66, 30.44]),
            ("Table II", "256x256", [554.9, 1098.5, 1646.4, 2195.6, 2745.1], [31.0, 31.0, 35.7, 38.3, 42.4],
             [1.78, 3.54, 4.95, 6.33, 7.47]),
        ]
        return tables.flatMap { table, side, lb, reject, search in
            fnnSizes.indices.flatMap { i in [
                PaperFigure(paper: "fnn", source: table, setting: "\(side), n = \(fnnSizes[i])", quantity: "LB time", value: lb[i], unit: "ms"),
                PaperFigure(paper: "fnn", source: table, setting: "\(side), n = \(fnnSizes[i])", quantity: "reject ratio", value: reject[i], unit: "%"),
                PaperFigure(paper: "fnn", source: table, setting: "\(side), n = \(fnnSizes[i])", quantity: "search time", value: search[i], unit: "h"),
            ] }
        }
    }()

    /// SEI's Table 5 rows (P@k at k = 5, 10, 20, 30, 40).
    public static let seiKs = [5, 10, 20, 30, 40]

    static let sei: [PaperFigure] = {
        let rows: [(String, [Double])] = [
            ("d = 32", [0.597, 0.569, 0.542, 0.525, 0.514]),
            ("d = 64", [0.652, 0.625, 0.599, 0.582, 0.569]),
            ("d = 128", [0.660, 0.643, 0.626, 0.612, 0.604]),
            ("d = 256", [0.577, 0.560, 0.543, 0.533, 0.526]),
            ("d = 512", [0.417, 0.390, 0.363, 0.341, 0.324]),
            ("EHD", [0.318, 0.225, 0.166, 0.140, 0.124]),
            ("kNN-CBIR", [0.770, 0.699, 0.623, 0.573, 0.532]),
            ("wrong key", [0.011, 0.008, 0.010, 0.008, 0.011]),
        ]
        let table = rows.flatMap { row, values in
            seiKs.indices.map { PaperFigure(paper: "sei", source: "Table 5", setting: "\(row), k = \(seiKs[$0])",
                                            quantity: "P@k", value: values[$0], unit: "") }
        }
        return table + [
            PaperFigure(paper: "sei", source: "Fig. 10 (text)", setting: "d = 128", quantity: "GenTrap time", value: 0.04, unit: "ms"),
            PaperFigure(paper: "sei", source: "Fig. 10 (text)", setting: "d = 128, kNN-CBIR", quantity: "GenTrap time", value: 0.15, unit: "ms"),
            PaperFigure(paper: "sei", source: "Fig. 10 (text)", setting: "d = 128", quantity: "trapdoor size", value: 2.01, unit: "KB"),
            PaperFigure(paper: "sei", source: "Fig. 11 (text)", setting: "n = 4000, d = 128", quantity: "search time", value: 0.22, unit: "ms"),
            PaperFigure(paper: "sei", source: "Fig. 11 (text)", setting: "n = 4000, d = 128, kNN-CBIR", quantity: "search time", value: 0.6, unit: "ms"),
        ]
    }()

    static let trustMed: [PaperFigure] = [
        ("TrustMedSearch", 0.695, 0.139, 0.233), ("SLBP", 0.581, 0.232, 0.332), ("EdgeShield", 0.642, 0.256, 0.365),
    ].flatMap { method, p, r, f1 in [
        PaperFigure(paper: "trustmed", source: "Table III", setting: "\(method), Infiltration, k = 50", quantity: "P@k", value: p, unit: ""),
        PaperFigure(paper: "trustmed", source: "Table III", setting: "\(method), Infiltration, k = 50", quantity: "R@k", value: r, unit: ""),
        PaperFigure(paper: "trustmed", source: "Table III", setting: "\(method), Infiltration, k = 50", quantity: "F1", value: f1, unit: ""),
    ] }

    /// The figure of `paper` printed at `source` for `setting` and `quantity`, if transcribed.
    public static func value(_ paper: String, _ source: String, _ setting: String, _ quantity: String) -> Double? {
        figures.first { $0.paper == paper && $0.source == source && $0.setting == setting && $0.quantity == quantity }?.value
    }
}
