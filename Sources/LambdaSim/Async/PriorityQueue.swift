/// A binary min-heap: `pop` returns the smallest element first. The scheduler keys its work
/// by (due time, insertion order), so equal times keep the order work was scheduled in.
struct PriorityQueue<Element: Comparable> {
    private(set) var elements: [Element] = []

    init() {}

    init(_ items: [Element]) {
        elements = items
        if elements.count > 1 {
            for i in stride(from: elements.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
    }

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }
    var first: Element? { elements.first }

    mutating func push(_ element: Element) {
        elements.append(element)
        siftUp(elements.count - 1)
    }

    mutating func pop() -> Element? {
        guard let top = elements.first else { return nil }
        let last = elements.removeLast()
        if !elements.isEmpty {
            elements[0] = last
            siftDown(0)
        }
        return top
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let item = elements[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard item < elements[parent] else { break }
            elements[child] = elements[parent]
            child = parent
        }
        elements[child] = item
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let count = elements.count
        let item = elements[parent]
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, elements[child + 1] < elements[child] { child += 1 }
            guard elements[child] < item else { break }
            elements[parent] = elements[child]
            parent = child
        }
        elements[parent] = item
    }
}

/// A scheduled piece of work: due time, then the order it was scheduled in.
struct ScheduledItem: Comparable {
    var timeMs: SimInstant
    var order: Int64
    var index: Int32

    static func < (a: ScheduledItem, b: ScheduledItem) -> Bool {
        a.timeMs != b.timeMs ? a.timeMs < b.timeMs : a.order < b.order
    }
}
