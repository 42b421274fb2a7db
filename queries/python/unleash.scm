; Unleash server, proxy and React SDKs (https://docs.getunleash.io/reference/sdks)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "is_enabled")
 (#set! key_arg "0")
 (#set! default_arg "2"))

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "get_variant")
 (#set! key_arg "0"))
