; Unleash server, proxy and React SDKs (https://docs.getunleash.io/reference/sdks)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "isEnabled")
 (#set! key_arg "0")
 (#set! default_arg "2"))

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "getVariant" "useFlag" "useVariant")
 (#set! key_arg "0"))
