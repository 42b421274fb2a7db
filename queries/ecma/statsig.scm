; Statsig server (user first) and client SDKs (https://docs.statsig.com/sdks/)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "checkGate" "getFeatureGate" "getExperiment" "getConfig" "getDynamicConfig" "getLayer")
 (#set! key_arg "1|0"))

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "useGateValue" "useFeatureGate" "useDynamicConfig" "useExperiment" "useLayer")
 (#set! key_arg "0"))
