; GrowthBook JS, React and Python SDKs (https://docs.growthbook.io/lib/)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "is_on" "is_off" "eval_feature")
 (#set! key_arg "0"))

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "get_feature_value")
 (#set! key_arg "0")
 (#set! default_arg "1"))
