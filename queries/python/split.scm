; Split (Harness FME) server and browser SDKs (https://help.split.io/hc/en-us/articles/360020448791-JavaScript-SDK)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "get_treatment" "get_treatments" "get_treatment_with_config")
 (#set! key_arg "1"))
