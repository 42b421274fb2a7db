; Flagsmith JS, Node and Python SDKs (https://docs.flagsmith.com/clients)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "is_feature_enabled" "get_feature_value")
 (#set! key_arg "0"))
