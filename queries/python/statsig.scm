; Statsig server (user first) and client SDKs (https://docs.statsig.com/sdks/)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "check_gate" "get_experiment" "get_config" "get_layer" "get_feature_gate")
 (#set! key_arg "1"))
