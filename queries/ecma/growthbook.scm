; GrowthBook JS, React and Python SDKs (https://docs.growthbook.io/lib/)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "isOn" "isOff" "evalFeature" "useFeatureIsOn" "useFeature")
 (#set! key_arg "0"))

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "getFeatureValue" "useFeatureValue")
 (#set! key_arg "0")
 (#set! default_arg "1"))
