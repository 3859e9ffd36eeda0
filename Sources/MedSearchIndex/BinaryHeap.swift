/// The two moves of a binary heap stored in an array (children of `i` at `2i + 1` and `2i + 2`), ordered so that
/// no child comes `before` its parent: the element at the root is the one that comes first. Shared by the
/// exact search's bounded top-k (a max-heap: "before" is "worse") and the index tree's best-first queue.
extension Array {
    /// Moves the element at `index` up while it comes `before` its parent.
    @inline(__always)
    mutating func heapSiftUp(from index: Int, by before: (Element, Element) -> Bool) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(self[child], self[parent]) else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    /// Moves the element at `index` down while one of its children comes `before` it.
    @inline(__always)
    mutating func heapSiftDown(from index: Int, by before: (Element, Element) -> Bool) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var first = parent
            if left < count && before(self[left], self[first]) { first = left }
            if right < count && before(self[right], self[first]) { first = right }
            if first == parent { return }
            swapAt(parent, first)
            parent = first
        }
    }
}
