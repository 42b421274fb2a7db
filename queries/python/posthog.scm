; PostHog JS, Node, React and Python SDKs (https://posthog.com/docs/feature-flags)

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "feature_enabled" "get_feature_flag" "get_feature_flag_payload")
 (#set! key_arg "0"))
