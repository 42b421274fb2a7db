; LaunchDarkly server, client and React SDKs (https://docs.launchdarkly.com/sdk)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "variation" "variation_detail")
 (#set! key_arg "0")
 (#set! default_arg "last"))
