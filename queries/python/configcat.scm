; ConfigCat JS, React and Python SDKs (https://configcat.com/docs/sdk-reference/overview/)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "get_value" "get_value_details")
 (#set! key_arg "0")
 (#set! default_arg "1"))
