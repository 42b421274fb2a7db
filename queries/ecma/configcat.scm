; ConfigCat JS, React and Python SDKs (https://configcat.com/docs/sdk-reference/overview/)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "getValueAsync" "getValueDetailsAsync" "getValue" "getValueDetails" "useFeatureFlag")
 (#set! key_arg "0")
 (#set! default_arg "1"))
