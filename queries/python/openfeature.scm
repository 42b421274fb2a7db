; OpenFeature evaluation API (any provider) (https://openfeature.dev/specification/sections/flag-evaluation)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "get_boolean_value" "get_boolean_details" "get_string_value" "get_string_details" "get_integer_value" "get_integer_details" "get_float_value" "get_float_details" "get_object_value" "get_object_details")
 (#set! key_arg "0")
 (#set! default_arg "1"))
