/// The syntax tree a JMESPath expression compiles to.
///
/// Chains that python jmespath keeps flat (`a.b.c`) are kept flat here too, so
/// long chains evaluate in a loop rather than by recursion.
indirect enum JMESPathNode: Sendable {
    /// `@`, and the implicit left or right side of a projection.
    case current
    /// `foo` or `"foo"`: member access, null on anything but an object.
    case field(String)
    /// `a.b.c`: each child is evaluated against the result of the one before.
    case subexpression([JMESPathNode])
    /// `a[0]`, `a[1:2]`: the index or slice applied to the result of the left side.
    case indexExpression(JMESPathNode, JMESPathNode)
    /// `[0]`, `[-1]`.
    case index(Int)
    /// `[start:stop:step]`, python slice semantics.
    case slice(start: Int?, stop: Int?, step: Int?)
    /// `left[*]...right`, `left[]...right`, slices: right is applied to each element of the array left yields.
    case projection(JMESPathNode, JMESPathNode)
    /// `left.*...right`: right is applied to each value of the object left yields.
    case valueProjection(JMESPathNode, JMESPathNode)
    /// `left[?condition]...right`.
    case filterProjection(JMESPathNode, JMESPathNode, condition: JMESPathNode)
    /// `left[]`: one level of arrays merged.
    case flatten(JMESPathNode)
    case comparison(JMESPathComparator, JMESPathNode, JMESPathNode)
    case or(JMESPathNode, JMESPathNode)
    case and(JMESPathNode, JMESPathNode)
    case not(JMESPathNode)
    case literal(JSON)
    case multiSelectList([JMESPathNode])
    case multiSelectHash([JMESPathKeyValue])
    /// `left | right`.
    case pipe(JMESPathNode, JMESPathNode)
    case function(name: String, arguments: [JMESPathNode])
    /// `&expression`: only meaningful as a function argument.
    case expressionReference(JMESPathNode)
}

struct JMESPathKeyValue: Sendable {
    var key: String
    var value: JMESPathNode
}

enum JMESPathComparator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}
