; Split (Harness FME) server and browser SDKs (https://help.split.io/hc/en-us/articles/360020448791-JavaScript-SDK)
; The Node SDK takes the traffic key first (split name is argument 1); browser SDKs bind the key
; to the client (argument 0). `@splitsoftware/splitio` serves both, so it keeps the `1|0` guess.

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "getTreatment" "getTreatments" "getTreatmentWithConfig" "getTreatmentsWithConfig")
 (#set! packages "@splitsoftware/splitio-browserjs,@splitsoftware/splitio-react,@splitsoftware/splitio-react-native")
 (#set! require_import "true")
 (#set! key_arg "0"))

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "getTreatment" "getTreatments" "getTreatmentWithConfig" "getTreatmentsWithConfig")
 (#set! key_arg "1|0"))

; React: useSplitTreatments({ names: ['a', 'b'] })
((call_expression
   function: (identifier) @flag.method
   arguments: (arguments
     (object (pair key: (property_identifier) @_names value: (array) @flag.key)))) @flag.read
 (#eq? @flag.method "useSplitTreatments")
 (#eq? @_names "names"))
