/// Scratch memory for one inference: two ping-pong activation buffers and the im2col matrix, sized once from
/// the plan so the layers themselves never allocate.
struct CNNWorkspace {
    var first: [Float]
    var second: [Float]
    var columns: [Float]

    init(plan: CNNPlan) {
        first = [Float](repeating: 0, count: plan.activationCapacity)
        second = [Float](repeating: 0, count: plan.activationCapacity)
        columns = [Float](repeating: 0, count: max(plan.columnCapacity, 1))
    }
}
