import MailpathBase
import Testing

/// The drivers take each action off its list by reversing the list and popping it: the order
/// must be exactly the list's, and no element may be left shared by a copy.
@Suite struct ArrayMovingTests {
    final class Box {
        let value: Int
        init(_ value: Int) { self.value = value }
    }

    @Test("reversing by moving gives reversed() and leaves every element uniquely held", arguments: 0...6)
    func reverses(count: Int) {
        var boxes = (0..<count).map { Box($0) }
        boxes.reverseByMoving()
        #expect(boxes.map(\.value) == Array((0..<count).reversed()))
        for index in boxes.indices { #expect(isKnownUniquelyReferenced(&boxes[index])) }
        var order: [Int] = []
        while let box = boxes.popLast() { order.append(box.value) }
        #expect(order == Array(0..<count))
    }
}
