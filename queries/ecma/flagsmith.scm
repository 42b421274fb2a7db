; Flagsmith JS, Node and Python SDKs (https://docs.flagsmith.com/clients)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "hasFeature" "getValue" "isFeatureEnabled" "getFeatureValue")
 (#set! key_arg "0"))
