// libFuzzer target: the scenario decoder (Scripts/fuzz.sh scenario). Any bytes must give a
// scenario or a ScenarioError, never a trap; a scenario that decodes must also set up in every
// era or say why it cannot.
import Experiments

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let scenario = try? Scenario.decode(text, file: "fuzz.json") else { return 0 }
    let workload = scenario.makeWorkload()
    for era in Era.all { _ = try? scenario.setup(era: era, workload: workload) }
    return 0
}
