; Statsig server (user first) and client SDKs (https://docs.statsig.com/sdks/)
; Server SDKs take the user first, so the key is argument 1; client SDKs are bound to a user and
; take the key first. A file's import says which; without one, `key_arg "1|0"` guesses from the
; arguments' shapes.

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "checkGate" "getFeatureGate" "getExperiment" "getConfig" "getDynamicConfig" "getLayer")
 (#set! packages "statsig-node,statsig-node-lite,@statsig/statsig-node-core")
 (#set! require_import "true")
 (#set! key_arg "1"))

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "checkGate" "getFeatureGate" "getExperiment" "getConfig" "getDynamicConfig" "getLayer")
 (#set! packages "statsig-js,statsig-react,statsig-react-native,@statsig/js-client,@statsig/js-on-device-eval-client,@statsig/react-bindings,@statsig/react-native-bindings,@statsig/expo-bindings")
 (#set! require_import "true")
 (#set! key_arg "0"))

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "checkGate" "getFeatureGate" "getExperiment" "getConfig" "getDynamicConfig" "getLayer")
 (#set! key_arg "1|0"))

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "useGateValue" "useFeatureGate" "useDynamicConfig" "useExperiment" "useLayer")
 (#set! key_arg "0"))
