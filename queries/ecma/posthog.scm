; PostHog JS, Node, React and Python SDKs (https://posthog.com/docs/feature-flags)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "isFeatureEnabled" "getFeatureFlag" "getFeatureFlagPayload" "useFeatureFlagEnabled" "useFeatureFlagVariantKey" "useFeatureFlagPayload")
 (#set! key_arg "0"))
